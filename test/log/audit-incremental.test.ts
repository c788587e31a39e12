// The incremental audit (issue 18 item 4) on both databases: from the last passing audit's state (log size and
// root, kept outside the database) it verifies only the versions appended since, yet a version row deleted or a leaf
// altered anywhere in the already-audited range is still reported — the root recomputed from the stored leaves no
// longer equals the audited one. And the full audit over worker threads reports a bad version in any range.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  auditIntegrity,
  trustedKeysOf,
  type AuditOptions,
  type IntegrityProblem,
} from '../../src/services/audit-integrity.js';
import { AUDIT_STATE_FILE, readAuditState } from '../../src/services/audit-state.js';
import { publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { readSecrets } from '../../src/signing/secrets.js';
import { addVersion, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { sha256 } from './support.js';

const root = path.resolve(import.meta.dirname, '../..');

describeEachDatabase('incremental and multi-threaded audit', (kind) => {
  let env: TestEnv;
  let a: string;
  let b: string;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber: a } = await publish(env));
    await addVersion(env, a, { event: 'change', changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 } });
    ({ contractNumber: b } = await publish(env));
    await addVersion(env, b, { event: 'cancellation' });
    await publishCheckpoint(env.ctx);
  });
  afterEach(async () => env.close());

  const audit = async (options: Partial<AuditOptions> = {}) => {
    const secrets = readSecrets(env.config.secretsFile);
    if (!secrets) throw new Error('no secrets file');
    const problems: IntegrityProblem[] = [];
    const report = await auditIntegrity(env.ctx.db, {
      trusted: await trustedKeysOf(secrets),
      onProblem: (p) => problems.push(p),
      workers: { connection: env.platform.connection, secretsFile: env.config.secretsFile },
      ...options,
    });
    return { report, summary: problems.map((p) => `${p.area} ${p.subject} [${p.check}]`), problems };
  };
  const leafRow = (idx: number) =>
    env.ctx.db.selectFrom('log_leaves').selectAll().where('idx', '=', idx).executeTakeFirstOrThrow();

  it('verifies only the versions appended since the last audit, and moves its state on', async () => {
    const first = await audit();
    expect(first.summary).toEqual([]);
    expect(first.report).toMatchObject({ mode: 'full', versions: 4, log: { size: 4, checkpoint: 4 } });
    expect(first.report.state).toMatchObject({ size: 4, versions: 4, root: first.report.log.root });

    const { contractNumber: c } = await publish(env);
    await addVersion(env, c, { event: 'change', changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 } });
    await publishCheckpoint(env.ctx);
    const next = await audit({ since: first.report.state });
    expect(next.summary).toEqual([]);
    // Only guarantee c (its two new versions) was verified; the leaves were all rehashed.
    expect(next.report).toMatchObject({ mode: 'incremental', guarantees: 1, versions: 2, log: { from: 4, size: 6 } });
    expect(next.report.state).toMatchObject({ size: 6, versions: 6 });
    expect(next.report.auditRows).toBe(2);
  });

  it('reports a version row deleted within the audited range', async () => {
    const { report } = await audit();
    await env.ctx.db.deleteFrom('versions').where('contract_number', '=', a).where('seq', '=', 2).execute();
    await publish(env);
    const next = await audit({ since: report.state });
    expect(next.summary).toContain(`versions ${a} seq 2 [log]`);
    expect(next.report.problems).toBeGreaterThan(0);
    expect(next.report.state).toBeNull();
  });

  it('reports a leaf altered within the audited range: the leaves no longer hash to the audited root', async () => {
    const { report } = await audit();
    const leaf = await leafRow(1);
    await env.ctx.db
      .updateTable('log_leaves')
      .set({ digest: sha256('forged').toString('base64') })
      .where('idx', '=', 1)
      .execute();
    const next = await audit({ since: report.state });
    expect(next.summary).toContain('log size 4 [root]');
    expect(next.problems.find((p) => p.check === 'root')?.message).toContain('root');
    expect(leaf.contract_number).toBe(a); // the altered row is an old one: no new version was re-verified
    expect(next.report.versions).toBe(0);
  });

  it('reports a leaf row deleted within the audited range', async () => {
    const { report } = await audit();
    await env.ctx.db.deleteFrom('log_leaves').where('idx', '=', 0).execute();
    const next = await audit({ since: report.state });
    expect(next.summary).toContain('log leaf 0 [missing]');
    expect(next.report.state).toBeNull();
  });

  it('reports a new version whose stored JWS does not hash to its leaf', async () => {
    const { report } = await audit();
    await addVersion(env, a, { event: 'change', changes: { depositBank: '静岡中央銀行 本店' } });
    await env.ctx.db
      .updateTable('log_leaves')
      .set({ digest: sha256('other').toString('base64') })
      .where('idx', '=', 4)
      .execute();
    const next = await audit({ since: report.state });
    expect(next.summary).toContain(`versions ${a} seq 3 [log]`);
  });

  it('verifies the full audit over two threads (one a worker) and reports a bad version in either range', async () => {
    for (let i = 0; i < 6; i++) await publish(env);
    const one = await audit({ threads: 1 });
    const two = await audit({ threads: 2 });
    expect(two.summary).toEqual([]);
    expect(two.report).toMatchObject({ threads: 2, guarantees: 8, versions: 10, visibleVersions: 10 });
    expect({ ...two.report, ms: 0, threads: 1, state: null }).toEqual({ ...one.report, ms: 0, state: null });

    const numbers = (
      await env.ctx.db.selectFrom('sureties').select('contract_number').orderBy('contract_number').execute()
    ).map((r) => r.contract_number);
    const [low, high] = [numbers[0]!, numbers.at(-1)!];
    for (const n of [low, high]) {
      const v = await env.ctx.db
        .selectFrom('versions')
        .select('jws')
        .where('contract_number', '=', n)
        .where('seq', '=', 1)
        .executeTakeFirstOrThrow();
      const [h, p, s = ''] = v.jws.split('.');
      await env.ctx.db
        .updateTable('versions')
        .set({ jws: `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}` })
        .where('contract_number', '=', n)
        .where('seq', '=', 1)
        .execute();
    }
    const broken = await audit({ threads: 2 });
    expect(broken.summary).toContain(`versions ${low} seq 1 [signature]`);
    expect(broken.summary).toContain(`versions ${high} seq 1 [signature]`);
  });

  it('reports the guarantees of a worker that failed as unchecked, never as passed', async () => {
    for (let i = 0; i < 4; i++) await publish(env);
    const { report, problems } = await audit({
      threads: 3, // this thread and two workers
      workers: { connection: env.platform.connection, secretsFile: path.join(env.dataDir, 'no-such-secrets.json') },
    });
    expect(problems.filter((p) => p.check === 'unreadable')).toHaveLength(2);
    expect(problems[0]?.message).toContain('the audit worker for these guarantees failed');
    expect(report.state).toBeNull();
  });

  if (kind.name === 'sqlite') {
    it('is the `audit` command: state beside the numbers, incremental by default, exit 1 on a finding', async () => {
      const run = (...args: string[]) =>
        spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'audit', ...args], {
          cwd: root,
          env: { ...process.env, ESURETY_DATA_DIR: env.dataDir, NODE_ENV: 'test', ESURETY_DEMO: '0' },
          encoding: 'utf8',
        });
      const full = run('--threads', '2');
      expect(full.stdout).toContain('(2 threads: this one and worker threads)');
      expect(full.status).toBe(0);
      const stateFile = path.join(env.config.numbersDir, AUDIT_STATE_FILE);
      expect(readAuditState(stateFile)).toMatchObject({ size: 4, versions: 4 });
      expect(fs.statSync(stateFile).mode & 0o777).toBe(0o600);
      await env.ctx.db
        .updateTable('log_leaves')
        .set({ digest: sha256('forged').toString('base64') })
        .where('idx', '=', 2)
        .execute();
      const next = run();
      expect(next.status).toBe(1);
      expect(next.stdout).toContain('audit: since log size 4:');
      expect(next.stdout).toContain('FAIL log size 4 [root] the stored leaves 0…3 are not the ones audited');
      expect(readAuditState(stateFile)).toMatchObject({ size: 4 }); // not moved on
    }, 60_000);
  }
});
