// Notification mails about a version carry its transparency-log line (issue 18 item 1), on both databases: the log
// index and the covering checkpoint's tree size and root hash — resolved when the mail is sent — or, in the seconds
// before a checkpoint covers the version, the index and that it is not covered yet (never another checkpoint).
import { afterEach, beforeEach, expect, it } from 'vitest';
import { publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { startSink, type MailSink } from '../notifications/mail-sink.js';
import { workerFor } from '../notifications/support.js';
import { addVersion, advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { fetchEntries, getText, openCheckpoint, referenceRoot } from './support.js';

const CONTRACTOR = 'keiyaku@fujimi-kensetsu.example.jp';

describeEachDatabase('the log line of notification mails', (kind) => {
  let env: TestEnv;
  let sink: MailSink;
  beforeEach(async () => {
    [env, sink] = await Promise.all([setup(kind), startSink()]);
    await registerMishima(env);
  });
  afterEach(async () => {
    await Promise.all([env.close(), sink.close()]);
  });

  it('names the index alone before a checkpoint covers the version, then the covering checkpoint', async () => {
    const { contractNumber } = await publish(env, advanceBody({ contractorEmail: CONTRACTOR }));
    expect(await workerFor(env, sink).tick()).toMatchObject({ sent: 1 });
    const [first] = sink.received;
    expect(first!.text).toContain('透明性ログ');
    expect(first!.text).toContain('索引 0（公開から数秒でチェックポイントに記録されます）');
    expect(first!.html).toContain('索引 0（公開から数秒でチェックポイントに記録されます）');
    await publishCheckpoint(env.ctx);

    const change = await addVersion(env, contractNumber, {
      event: 'change',
      changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 },
    });
    expect(change.status).toBe(201);
    await publishCheckpoint(env.ctx);
    expect(await workerFor(env, sink).tick()).toMatchObject({ sent: 1 });
    const second = sink.received[1]!;
    const key = (await getText(env, '/log/key')).text;
    const checkpoint = openCheckpoint(key, (await getText(env, '/log/checkpoint')).text);
    expect(checkpoint.size).toBe(2);
    // The root an outsider computes from the public entries is the one the mail names.
    const root = referenceRoot(await fetchEntries(env, 2)).toString('base64');
    expect(checkpoint.root.toString('base64')).toBe(root);
    for (const body of [second.text, second.html]) {
      expect(body).toContain(`索引 1（チェックポイント ツリーサイズ 2、ルートハッシュ ${root}）`);
    }
  });
});
