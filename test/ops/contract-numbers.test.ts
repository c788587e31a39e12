// Contract numbers after a restore (README "Restore"): a number once issued is never issued again. A database that
// is behind the issued-numbers directory holds numbering — an issuer's retry of a lost publication is refused, not
// given a new number — until an operator states the last number issued with one audited command.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { sql } from 'kysely';
import { resumeNumbers } from '../../src/services/number-hold.js';
import { advanceBody, contractBody, registerMishima } from '../support/fixtures.js';
import { createPgSchema, describeEachDatabase, dropPgSchema, setup, type TestEnv } from '../support/harness.js';

describeEachDatabase('contract numbers after a restore', (kind) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  /** A data dir (and PostgreSQL schema) that outlive one platform, so a test can stop and start it again. */
  async function place() {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-numbers-'));
    cleanup.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const pgSchema = kind.name === 'postgres' ? await createPgSchema() : undefined;
    if (pgSchema) cleanup.push(() => dropPgSchema(pgSchema));
    const open = async () => {
      const env = await setup(kind, { dataDir, ...(pgSchema ? { pgSchema } : {}) });
      cleanup.push(() => env.close());
      return env;
    };
    return { dataDir, open };
  }

  /** What restoring a copy taken after the first publication does: the later publications are gone from the database. */
  async function rollBackTo(env: TestEnv, keep: string, lastAuditId: number) {
    await env.ctx.db.transaction().execute(async (tx) => {
      const gone = tx.selectFrom('sureties').select('contract_number').where('contract_number', '!=', keep);
      await tx.deleteFrom('versions').where('contract_number', 'in', gone).execute();
      await tx.deleteFrom('status_entries').where('contract_number', 'in', gone).execute();
      await tx.deleteFrom('sureties').where('contract_number', '!=', keep).execute();
      await tx.deleteFrom('idempotency_keys').execute();
      await tx.deleteFrom('audit_log').where('id', '>', lastAuditId).execute();
      await tx
        .updateTable('office_sequences')
        .set({ last_value: Number(keep.slice(6)) })
        .execute();
    });
  }

  it('does not hold numbering after a process died between taking a number and committing', async () => {
    const { dataDir, open } = await place();
    const live = await open();
    await registerMishima(live);
    expect((await live.api('POST', '/api/v1/sureties', advanceBody())).json.contractNumber).toBe('10001-000001');
    // A publication that takes 10001-000002 and then fails before its commit (as a process killed there would):
    // a trigger refuses its version row, so the transaction rolls back after the number was taken.
    if (kind.name === 'sqlite') {
      await sql`create trigger refuse_versions before insert on versions begin select raise(abort, 'killed'); end`.execute(
        live.ctx.db,
      );
    } else {
      await sql`create function refuse_versions() returns trigger language plpgsql as $$ begin raise exception 'killed'; end $$`.execute(
        live.ctx.db,
      );
      await sql`create trigger refuse_versions before insert on versions for each row execute function refuse_versions()`.execute(
        live.ctx.db,
      );
    }
    expect((await live.api('POST', '/api/v1/sureties', contractBody())).status).toBe(500);
    expect(fs.readFileSync(path.join(dataDir, 'issued-numbers', '10001'), 'utf8').trim()).toBe('10001-000001');
    await sql`drop trigger refuse_versions${kind.name === 'sqlite' ? sql`` : sql` on versions`}`.execute(live.ctx.db);
    await live.close();
    const restarted = await open();
    const retry = await restarted.api('POST', '/api/v1/sureties', contractBody(), { 'idempotency-key': 'lost-answer' });
    expect(retry.status).toBe(201);
    expect(retry.json.contractNumber).toBe('10001-000002');
  });

  it('holds numbering on a database behind the issued numbers, refuses the retry, and resumes above them', async () => {
    const { open } = await place();
    const live = await open();
    await registerMishima(live);
    const first = await live.api('POST', '/api/v1/sureties', advanceBody());
    expect(first.json.contractNumber).toBe('10001-000001');
    const { id: auditId } = await live.ctx.db
      .selectFrom('audit_log')
      .select('id')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const lost = await live.api('POST', '/api/v1/sureties', contractBody(), { 'idempotency-key': 'order-2' });
    expect(lost.json.contractNumber).toBe('10001-000002');
    expect((await live.api('POST', '/api/v1/sureties', contractBody())).json.contractNumber).toBe('10001-000003');
    await rollBackTo(live, '10001-000001', Number(auditId));
    await live.close();

    const restored = await open();
    expect(restored.platform.numbersHold).toMatchObject({
      reason: 'database_behind',
      offices: { '10001': { database: 1, recorded: 3 } },
    });
    // The issuer retries the publication whose answer it lost: not a new number for the same guarantee.
    const retry = await restored.api('POST', '/api/v1/sureties', contractBody(), { 'idempotency-key': 'order-2' });
    expect(retry.status).toBe(409);
    expect(retry.json.error.code).toBe('conflict');
    expect(retry.json.error.message).toContain('numbers:resume');
    expect((await restored.api('POST', '/api/v1/sureties', contractBody())).status).toBe(409);
    // Re-sending a lost guarantee under the number it was given is what the restore procedure asks of the issuer.
    const resent = await restored.api('POST', '/api/v1/sureties', contractBody({ contractNumber: '10001-000002' }));
    expect(resent.status).toBe(201);

    // The operator states 000002 from the issuer's records; the directory knows 000003 was issued too.
    const resumed = await resumeNumbers(restored.ctx, { type: 'cli', id: 'operator' }, ['10001-000002']);
    expect(resumed.offices['10001']).toEqual({ before: 1, after: 3 });
    const next = await restored.api('POST', '/api/v1/sureties', contractBody());
    expect(next.status).toBe(201);
    expect(next.json.contractNumber).toBe('10001-000004');
    const actions = (await restored.ctx.db.selectFrom('audit_log').select('action').execute()).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['numbers.held', 'numbers.resumed']));
  });

  it('refuses a resume that leaves an office on hold unstated or names no valid number, changing nothing', async () => {
    const { open } = await place();
    const live = await open();
    await registerMishima(live);
    await live.api('POST', '/api/v1/sureties', contractBody());
    await live.api('POST', '/api/v1/sureties', contractBody());
    await rollBackTo(live, '10001-000001', 0);
    await live.close();
    const restored = await open();
    const actor = { type: 'cli', id: 'operator' } as const;
    await expect(resumeNumbers(restored.ctx, actor, ['20002-000009'])).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(resumeNumbers(restored.ctx, actor, ['10001-00000x'])).rejects.toMatchObject({
      code: 'validation_failed',
    });
    expect((await restored.api('POST', '/api/v1/sureties', contractBody())).status).toBe(409);
  });

  it('treats a lost issued-numbers directory as a restore on SQLite, as a new instance on PostgreSQL', async () => {
    const { open } = await place();
    const live = await open();
    await registerMishima(live);
    await live.api('POST', '/api/v1/sureties', contractBody());
    const numbersDir = live.config.numbersDir;
    expect(fs.readFileSync(path.join(numbersDir, '10001'), 'utf8')).toBe('10001-000001\n');
    await live.close();
    fs.rmSync(numbersDir, { recursive: true });

    const again = await open();
    const next = await again.api('POST', '/api/v1/sureties', contractBody());
    if (kind.name === 'sqlite') {
      expect(again.platform.numbersHold?.reason).toBe('numbers_dir_missing');
      expect(next.status).toBe(409);
    } else {
      // Each PostgreSQL instance keeps its own directory: a new one starts from the shared database's numbers.
      expect(again.platform.numbersHold).toBeNull();
      expect(next.json.contractNumber).toBe('10001-000002');
    }
  });
});
