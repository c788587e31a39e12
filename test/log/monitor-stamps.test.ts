// log:monitor checks the checkpoints' RFC 3161 time-stamps against the real listening server and the real OpenSSL
// TSA, on both databases: a good stamp passes (with the real command), and a stamp over another checkpoint, a token
// that does not parse, a stamp dated in the future and a stamped note off the verified tree are violations.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { checkpointBody, signNote } from '../../src/log/note.js';
import { checkpointImprint } from '../../src/log/timestamp.js';
import { tsaClient } from '../../src/pdf-sign/tsa.js';
import { publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { monitorLog, type MonitorState } from '../../src/services/log-monitor.js';
import { stampLatestCheckpoint } from '../../src/services/log-timestamps.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, listen, setup, type Listening, type TestEnv } from '../support/harness.js';
import { makePki, startTsa, type TestPki, type TestTsa } from '../support/pki.js';
import { cliAsync } from '../ops/process.js';

describeEachDatabase('log:monitor and checkpoint time-stamps', (kind) => {
  let env: TestEnv;
  let server: Listening;
  let pki: TestPki;
  let tsa: TestTsa;
  let dir: string;
  beforeAll(async () => {
    pki = makePki();
    tsa = await startTsa(pki);
  });
  afterAll(async () => {
    await tsa.close();
    pki.cleanup();
  });
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    server = await listen(env.ctx);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-monitor-stamps-'));
  });
  afterEach(async () => {
    await server.close();
    await env.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function grow(n: number) {
    for (let i = 0; i < n; i++) await publish(env);
    await publishCheckpoint(env.ctx);
  }

  /** Grows the log and stamps it twice, a day apart: stamps of sizes 2 and 5 under a checkpoint of 7. */
  async function stampedLog() {
    const stamper = tsaClient(tsa.url);
    await grow(2);
    await stampLatestCheckpoint(env.ctx, stamper);
    await grow(3);
    env.setNow(new Date(env.now().getTime() + 24 * 3600_000).toISOString());
    await stampLatestCheckpoint(env.ctx, stamper);
    await grow(2);
  }

  async function follow(state: MonitorState | null, now?: Date) {
    return monitorLog(server.url, state, now ? { now: () => now } : {});
  }

  it('checks every stamp within the verified tree, once, with the real command', async () => {
    await stampedLog();
    const stateFile = path.join(dir, 'state.json');
    const first = await cliAsync(['log:monitor', '--url', server.url, '--state', stateFile], {});
    expect([first.code, first.stdout]).toEqual([0, expect.stringContaining('2 checkpoint time-stamp(s) checked')]);
    await grow(1);
    const second = await cliAsync(['log:monitor', '--url', server.url, '--state', stateFile], {});
    expect([second.code, second.stdout]).toEqual([0, expect.stringContaining('0 checkpoint time-stamp(s) checked')]);
  }, 120_000);

  it('reports a stamp that covers another checkpoint (tokens swapped in the database)', async () => {
    await stampedLog();
    const rows = await env.ctx.db.selectFrom('log_timestamps').select(['size', 'token']).orderBy('size').execute();
    await env.ctx.db.updateTable('log_timestamps').set({ token: rows[1]!.token }).where('size', '=', 2).execute();
    const result = await follow(null);
    expect(result).toMatchObject({
      ok: false,
      violation: expect.stringContaining('checkpoint 2 is not over its checkpoint text'),
    });
  });

  it('reports a token that does not parse', async () => {
    await stampedLog();
    await env.ctx.db
      .updateTable('log_timestamps')
      .set({ token: Buffer.from('not a token').toString('base64') })
      .where('size', '=', 5)
      .execute();
    // The server cannot even wrap it: the monitor sees an error answer for a listed stamp.
    const result = await follow(null);
    expect(result).toMatchObject({ ok: false, violation: expect.stringMatching(/time-stamp of checkpoint 5/) });
  });

  it('reports a stamp dated in the future of the monitor', async () => {
    await stampedLog();
    const result = await follow(null, new Date(Date.now() - 3600_000));
    expect(result).toMatchObject({ ok: false, violation: expect.stringContaining('dated in the future') });
  });

  it('reports a stamped checkpoint that is not on the verified tree', async () => {
    await stampedLog();
    // An insider with the log key signs another root for size 5, has it stamped, and puts both in place of the
    // stamp of size 5: every signature holds, but the note is not the log's size-5 tree.
    const note = signNote(
      checkpointBody({ origin: 'localhost:3000/log', size: 5, root: Buffer.alloc(32, 9) }),
      env.ctx.logSigner,
    );
    const token = await tsaClient(tsa.url)(checkpointImprint(note));
    await env.ctx.db
      .updateTable('log_timestamps')
      .set({ note, token: Buffer.from(token).toString('base64') })
      .where('size', '=', 5)
      .execute();
    const result = await follow(null);
    expect(result).toMatchObject({
      ok: false,
      violation: expect.stringContaining('fork: the time-stamped checkpoint of size 5 is not consistent'),
    });
  });
});
