// Restoring missing leaves after a rollback (issue 18 item 3), the whole story on both databases with a real backup
// (SQLite's online backup, pg_dump / pg_restore): publish, back up, publish more, restore the backup → the log is
// held → `log:restore-leaves` from a mirror (an HTTP server of /log/entries/*, or a directory a monitor kept) → the
// leaves reproduce the published checkpoint → `log:resume` → the next publication gets the next index; entries that
// do not reproduce the signed root are refused and change nothing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { auditIntegrity, trustedKeysOf } from '../../src/services/audit-integrity.js';
import { publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { resumeLog } from '../../src/services/log-hold.js';
import { leafSourceOf, restoreLogLeaves } from '../../src/services/log-restore-leaves.js';
import { setWitnessSize } from '../../src/repositories/log-witnesses.js';
import { readSecrets } from '../../src/signing/secrets.js';
import { advanceBody, publish, registerMishima } from '../support/fixtures.js';
import {
  createPgSchema,
  describeEachDatabase,
  dropPgSchema,
  PG_URL,
  setup,
  snapshotCounts,
  type TestEnv,
} from '../support/harness.js';
import { cliAsync } from '../ops/process.js';
import { getText, referenceRoot } from './support.js';

const operator = { type: 'cli', id: 'operator' } as const;

describeEachDatabase('restoring missing log leaves after a rollback', (kind) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  /** An instance over one data dir / schema that can be closed, backed up, restored and opened again. */
  async function place() {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-logrl-'));
    cleanup.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const pgSchema = kind.name === 'postgres' ? await createPgSchema() : undefined;
    if (pgSchema) cleanup.push(() => dropPgSchema(pgSchema));
    const backupFile = path.join(dataDir, 'backup.db');
    const open = async () => {
      const env = await setup(kind, { dataDir, ...(pgSchema ? { pgSchema } : {}) });
      let closed = false;
      const close = async () => {
        if (!closed) await env.close();
        closed = true;
      };
      cleanup.push(close);
      return { env, close };
    };
    const backup = async (env: TestEnv) => {
      if (pgSchema) execFileSync('pg_dump', ['--format=custom', `--schema=${pgSchema}`, '-f', backupFile, PG_URL!]);
      else await env.platform.handle.sqlite!.backup(backupFile);
    };
    /** Puts the backup back in place of the (closed) database; the record outside the database stays. */
    const restore = async () => {
      if (pgSchema) {
        await dropPgSchema(pgSchema);
        execFileSync('pg_restore', ['--no-owner', '-d', PG_URL!, backupFile]);
      } else {
        const file = path.join(dataDir, 'esurety.sqlite');
        for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
        fs.copyFileSync(backupFile, file);
      }
    };
    return { dataDir, open, backup, restore };
  }

  /** Publishes, backs up, publishes more (checkpointed, so the record outside holds size 5), restores the backup. */
  async function rolledBack() {
    const p = await place();
    const first = await p.open();
    await registerMishima(first.env);
    for (const n of ['10001-000101', '10001-000102']) await publish(first.env, advanceBody({ contractNumber: n }));
    await publishCheckpoint(first.env.ctx);
    await p.backup(first.env);
    for (const n of ['10001-000103', '10001-000104', '10001-000105']) {
      await publish(first.env, advanceBody({ contractNumber: n }));
    }
    await publishCheckpoint(first.env.ctx);
    const published = (await getText(first.env, '/log/checkpoint')).text;
    const entries: string[] = [];
    for (let i = 0; i < 5; i++) entries.push((await getText(first.env, `/log/entries/${i}`)).text);
    await first.close();
    await p.restore();
    const second = await p.open();
    return { ...p, env: second.env, published, entries };
  }

  /** A mirror: another instance's public entries route, here served from the entries it had published. */
  async function mirrorOf(entries: string[], checkpoint?: string): Promise<string> {
    const server = http.createServer((req, res) => {
      if (req.url === '/log/checkpoint' && checkpoint) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(checkpoint);
        return;
      }
      const m = /^\/log\/entries\/(\d+)$/.exec(req.url ?? '');
      const entry = m ? entries[Number(m[1])] : undefined;
      res.writeHead(entry ? 200 : 404, { 'content-type': 'text/plain' }).end(entry ?? 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  it('restores the leaves a restored backup lacks from a mirror, resumes, and publishes at the next index', async () => {
    const { env, published, entries } = await rolledBack();
    expect(env.platform.logHold).toMatchObject({ reason: 'behind_record', head: 2, recorded: 5 });
    await expect(resumeLog(env.ctx, operator)).rejects.toMatchObject({ code: 'conflict' });

    const mirror = await mirrorOf(entries);
    const result = await restoreLogLeaves(env.ctx, operator, leafSourceOf(mirror));
    expect(result).toEqual({ checkpoint: 5, restored: [2, 3, 4] });
    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'detail'])
      .where('action', '=', 'log.leaves_restored')
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.detail!)).toMatchObject({ from: mirror, checkpoint: 5, count: 3, first: 2, last: 4 });

    expect((await resumeLog(env.ctx, operator)).lifted).toMatchObject({ reason: 'behind_record' });
    const next = await env.api('POST', '/api/v1/sureties', advanceBody({ contractNumber: '10001-000106' }));
    expect(next.status).toBe(201);
    const leaves = await env.ctx.db
      .selectFrom('log_leaves')
      .select(['idx', 'contract_number', 'seq'])
      .orderBy('idx')
      .execute();
    // Indices 2…4 are never reissued: the new version is leaf 5, and the restored ones commit to lost versions.
    expect(leaves.map((l) => [Number(l.idx), l.contract_number, Number(l.seq)])).toEqual([
      [0, '10001-000101', 1],
      [1, '10001-000102', 1],
      [2, '', -1],
      [3, '', -1],
      [4, '', -1],
      [5, '10001-000106', 1],
    ]);
    // The checkpoint job signs the same size-5 checkpoint the outside world saw, then grows it consistently.
    const again = await publishCheckpoint(env.ctx);
    expect(again?.size).toBe(6);
    const served = [...entries, (await getText(env, '/log/entries/5')).text].map((e) => Buffer.from(e, 'base64'));
    expect(again?.root).toBe(referenceRoot(served).toString('base64'));
    expect(published).toContain(`\n5\n${referenceRoot(served.slice(0, 5)).toString('base64')}\n`);

    // Audit names the lost versions as a finding, not as corruption.
    const report = await auditIntegrity(env.ctx.db, {
      trusted: await trustedKeysOf(readSecrets(env.config.secretsFile)!),
    });
    expect(report.versionsLostInRestore).toEqual([2, 3, 4]);
    expect(report.problems).toBe(0);
  });

  it('restores up to the size a witness cosigned, from a mirror checkpoint only this log key signed', async () => {
    const { env, published, entries, dataDir } = await rolledBack();
    // Neither the database nor the record outside it knows size 5 any more: only a witness does.
    fs.rmSync(path.join(dataDir, 'issued-numbers', 'log-checkpoint'), { force: true });
    await setWitnessSize(env.ctx.db, 'witness.example+0a0b0c0d+AQID', 5, '2026-12-05T00:00:00.000Z');
    const bare = await mirrorOf(entries);
    await expect(restoreLogLeaves(env.ctx, operator, leafSourceOf(bare))).rejects.toMatchObject({ code: 'conflict' });
    const forged = published.replace(/— (\S+) (\S+)\n$/, (_l, name: string, sig: string) => {
      const bytes = Buffer.from(sig, 'base64');
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
      return `— ${name} ${bytes.toString('base64')}\n`;
    });
    await expect(
      restoreLogLeaves(env.ctx, operator, leafSourceOf(await mirrorOf(entries, forged))),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await env.ctx.db.selectFrom('log_leaves').select('idx').execute()).toHaveLength(2);
    const mirror = await mirrorOf(entries, published);
    expect(await restoreLogLeaves(env.ctx, operator, leafSourceOf(mirror))).toEqual({
      checkpoint: 5,
      restored: [2, 3, 4],
    });
  });

  it('refuses entries that do not reproduce the signed root, and changes nothing', async () => {
    const { env, entries, dataDir } = await rolledBack();
    // A directory of entries a monitor kept, one of them wrong (the digest of another JWS).
    const dir = path.join(dataDir, 'mirror');
    fs.mkdirSync(dir);
    entries.forEach((e, i) => fs.writeFileSync(path.join(dir, String(i)), `${e}\n`));
    fs.writeFileSync(path.join(dir, '3'), Buffer.alloc(32, 7).toString('base64'));
    const before = await snapshotCounts(env);
    const leavesBefore = await env.ctx.db.selectFrom('log_leaves').select('idx').execute();

    await expect(restoreLogLeaves(env.ctx, operator, leafSourceOf(dir))).rejects.toMatchObject({ code: 'conflict' });
    expect(await snapshotCounts(env)).toEqual(before);
    expect(await env.ctx.db.selectFrom('log_leaves').select('idx').execute()).toHaveLength(leavesBefore.length);
    await expect(resumeLog(env.ctx, operator)).rejects.toMatchObject({ code: 'conflict' });
    const refused = await env.api('POST', '/api/v1/sureties', advanceBody({ contractNumber: '10001-000106' }));
    expect(refused.status).toBe(409);

    // A mirror that lacks an entry is refused the same way; the right entries then restore the log.
    fs.rmSync(path.join(dir, '3'));
    await expect(restoreLogLeaves(env.ctx, operator, leafSourceOf(dir))).rejects.toMatchObject({ code: 'conflict' });
    fs.writeFileSync(path.join(dir, '3'), entries[3]!);
    expect((await restoreLogLeaves(env.ctx, operator, leafSourceOf(dir))).restored).toEqual([2, 3, 4]);
    expect((await resumeLog(env.ctx, operator)).lifted).not.toBeNull();
  });

  it.runIf(kind.name === 'sqlite')(
    'works from the command line: restore-leaves, resume, audit',
    async () => {
      const { env, entries, dataDir } = await rolledBack();
      await env.close();
      const dir = path.join(dataDir, 'mirror');
      fs.mkdirSync(dir);
      entries.forEach((e, i) => fs.writeFileSync(path.join(dir, String(i)), e));
      const vars = {
        NODE_ENV: 'test',
        ESURETY_DATA_DIR: dataDir,
        ESURETY_PUBLIC_URL: 'http://localhost:3000',
        ESURETY_ISSUER_NAME: 'テスト保証株式会社',
        ESURETY_DEMO: 'false',
      };
      const usage = await cliAsync(['log:restore-leaves'], vars);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('--from');
      const restored = await cliAsync(['log:restore-leaves', '--from', dir], vars);
      expect(restored.stdout).toContain(`restored 3 leaves (2…4) from ${dir}`);
      expect(restored.code).toBe(0);
      const resumed = await cliAsync(['log:resume'], vars);
      expect(resumed.stdout).toContain('hold lifted');
      expect(resumed.code).toBe(0);
      const audit = await cliAsync(['audit'], vars);
      expect(audit.stdout).toContain('log: 3 leaves whose version was lost in restore (index 2, 3, 4)');
      expect(audit.code).toBe(0);
    },
    60_000,
  );
});
