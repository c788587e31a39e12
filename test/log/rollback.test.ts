// Rollback detection (issue 18 item 5) on both databases: a log shorter than a checkpoint this deployment published
// — remembered outside the database, beside the issued numbers — holds publication until the missing leaves are back
// and an operator runs log:resume; an index once published is never handed out again. And the log key of a secrets
// file from before the log: derived, stable across restarts, and bound to the database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { resumeLog } from '../../src/services/log-hold.js';
import { advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { createPgSchema, describeEachDatabase, dropPgSchema, setup, type TestEnv } from '../support/harness.js';
import { getText } from './support.js';

const operator = { type: 'cli', id: 'operator' } as const;

describeEachDatabase('transparency log rollback', (kind) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function place() {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-logrb-'));
    cleanup.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const pgSchema = kind.name === 'postgres' ? await createPgSchema() : undefined;
    if (pgSchema) cleanup.push(() => dropPgSchema(pgSchema));
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
    return { dataDir, open };
  }

  const versions = async (env: TestEnv) =>
    Number(
      (
        await env.ctx.db
          .selectFrom('versions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('a database restored to before a published checkpoint refuses to publish until the leaves are back', async () => {
    const { open } = await place();
    const first = await open();
    await registerMishima(first.env);
    for (const n of ['10001-000101', '10001-000102', '10001-000103']) {
      await publish(first.env, advanceBody({ contractNumber: n }));
    }
    await publishCheckpoint(first.env.ctx); // size 3, recorded outside the database too
    const lost = await first.env.ctx.db
      .selectFrom('log_leaves')
      .selectAll()
      .where('idx', '=', 2)
      .executeTakeFirstOrThrow();
    // What restoring a backup taken before the third publication (and before any checkpoint) leaves behind.
    const db = first.env.ctx.db;
    await db.deleteFrom('log_checkpoints').execute();
    await db.deleteFrom('log_nodes').execute();
    await db.deleteFrom('log_leaves').where('idx', '=', 2).execute();
    await db.deleteFrom('versions').where('contract_number', '=', '10001-000103').execute();
    await db.deleteFrom('sureties').where('contract_number', '=', '10001-000103').execute();
    await sql`update log_head set size = 2`.execute(db);
    await first.close();

    const second = await open();
    expect(second.env.platform.logHold).toMatchObject({ reason: 'behind_record', head: 2, recorded: 3 });
    const before = await versions(second.env);
    const refused = await second.env.api('POST', '/api/v1/sureties', advanceBody({ contractNumber: '10001-000104' }));
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('conflict');
    expect(refused.json.error.message).toContain('log:resume');
    expect(await versions(second.env)).toBe(before);
    const audit = await second.env.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', '=', 'log.held')
      .execute();
    expect(audit).toHaveLength(1);

    // The operator cannot wish the shortfall away…
    await expect(resumeLog(second.env.ctx, operator)).rejects.toMatchObject({ code: 'conflict' });
    // …the missing leaf comes back (from a newer backup or a mirror of the public log), then the hold lifts.
    await second.env.ctx.db.insertInto('log_leaves').values(lost).execute();
    await sql`update log_head set size = 3`.execute(second.env.ctx.db);
    expect((await resumeLog(second.env.ctx, operator)).lifted).toMatchObject({ reason: 'behind_record' });
    await publish(second.env, advanceBody({ contractNumber: '10001-000104' }));
    const leaves = await second.env.ctx.db
      .selectFrom('log_leaves')
      .select(['idx', 'contract_number'])
      .orderBy('idx')
      .execute();
    // Index 2 still commits to the version it was published for: never reissued.
    expect(leaves.map((l) => [Number(l.idx), l.contract_number])).toEqual([
      [0, '10001-000101'],
      [1, '10001-000102'],
      [2, '10001-000103'],
      [3, '10001-000104'],
    ]);
  });

  it('a running instance whose log shrinks under it stops publishing at the next checkpoint run', async () => {
    const { open } = await place();
    const { env } = await open();
    await registerMishima(env);
    await publish(env);
    await publish(env);
    await publishCheckpoint(env.ctx);
    await env.ctx.db.deleteFrom('log_leaves').where('idx', '=', 1).execute();
    await sql`update log_head set size = 1`.execute(env.ctx.db);
    expect(await publishCheckpoint(env.ctx)).toBeNull();
    const refused = await env.api('POST', '/api/v1/sureties', advanceBody());
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toContain('透明性ログ');
  });

  it('derives a stable log key for a secrets file from before the log, and refuses another key later', async () => {
    const { dataDir, open } = await place();
    const secretsFile = path.join(dataDir, 'secrets.json');
    const first = await open();
    const secrets = JSON.parse(fs.readFileSync(secretsFile, 'utf8'));
    const explicit = (await getText(first.env, '/log/key')).text;
    // As if this database had never started with a log: no key bound yet.
    await first.env.ctx.db.deleteFrom('meta').where('key', '=', 'log_public_key').execute();
    await first.close();

    // An older file (no logKey), mounted read-only as production does: the key is derived, nothing is written.
    const { logKey: _dropped, ...older } = secrets;
    fs.writeFileSync(secretsFile, JSON.stringify(older));
    fs.chmodSync(secretsFile, 0o400);
    const a = await open();
    const derived = (await getText(a.env, '/log/key')).text;
    expect(derived).toMatch(/^localhost:3000\/log\+[0-9a-f]{8}\+/);
    expect(derived).not.toBe(explicit);
    await a.close();
    const b = await open();
    expect((await getText(b.env, '/log/key')).text).toBe(derived);
    await b.close();
    expect(JSON.parse(fs.readFileSync(secretsFile, 'utf8')).logKey).toBeUndefined();

    // Another key later (here: the explicit one back in the file) would change the key monitors trust: refused.
    fs.chmodSync(secretsFile, 0o600);
    fs.writeFileSync(secretsFile, JSON.stringify(secrets));
    await expect(open()).rejects.toThrow(/transparency log key/);
  });
});
