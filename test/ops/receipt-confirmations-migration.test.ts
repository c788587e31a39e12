// The migration that keeps every receipt confirmation (受領確認) rebuilds its table: confirmations recorded before it
// survive under an id made of their old key, and going back down keeps the first of each version.
import { sql } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { isPostgres } from '../../db/connection.js';
import { migrations } from '../../db/migrations/index.js';
import { advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';

describeEachDatabase('the receipt confirmations migration', (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await setup(kind);
  });
  afterEach(async () => env.close());

  const migrator = async () => {
    const db = env.ctx.db;
    const schema = isPostgres(db)
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
    return new Migrator({
      db,
      provider: { getMigrations: async (): Promise<Record<string, Migration>> => migrations },
      allowUnorderedMigrations: true,
      ...(schema ? { migrationTableSchema: schema } : {}),
    });
  };

  it('keeps the confirmations recorded before it, and the first of each version on the way back', async () => {
    await registerMishima(env);
    const { contractNumber: n } = await publish(env, advanceBody());
    const m = await migrator();
    const down = await m.migrateTo('20261125020000_index_idempotency_keys');
    expect(down.error).toBeUndefined();
    await sql`insert into receipt_confirmations (contract_number, seq, department, officer_name, confirmed_at, client)
      values (${n}, 1, '契約検査課', '三島 花子', '2026-11-24T01:00:00.000Z', '203.0.113.20')`.execute(env.ctx.db);

    const up = await m.migrateToLatest();
    expect(up.error).toBeUndefined();
    const kept = await env.ctx.db.selectFrom('receipt_confirmations').selectAll().execute();
    expect(kept).toEqual([
      {
        id: `${n}:1`,
        contract_number: n,
        seq: 1,
        department: '契約検査課',
        officer_name: '三島 花子',
        confirmed_at: '2026-11-24T01:00:00.000Z',
        client: '203.0.113.20',
      },
    ]);
    await env.ctx.db
      .insertInto('receipt_confirmations')
      .values({ ...kept[0]!, id: 'later', department: '管財課', confirmed_at: '2026-11-25T01:00:00.000Z' })
      .execute();

    expect((await m.migrateTo('20261125020000_index_idempotency_keys')).error).toBeUndefined();
    const first = await sql<{ department: string }>`select department from receipt_confirmations`.execute(env.ctx.db);
    expect(first.rows).toEqual([{ department: '契約検査課' }]);
    expect((await m.migrateToLatest()).error).toBeUndefined();
  });
});
