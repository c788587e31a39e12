// The batched access records of DESIGN §7 (src/services/access-recorder.ts): every record queued is written exactly
// once — on both databases through the same Kysely inserts, in transactions of at most 128 rows — a failed write
// keeps the batch for the next flush, and the once-a-minute purge of expired throttle counters never writes a batch
// twice, even when the purge itself fails. The failures injected half-way use SQLite triggers.
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { listAccessEvents } from '../../src/repositories/activity.js';
import type { AccessEvent } from '../../src/services/access-recorder.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';

const event = (i: number, overrides: Partial<AccessEvent> = {}): AccessEvent => ({
  at: `2026-01-05T00:00:${String(i % 60).padStart(2, '0')}.000Z`,
  kind: 'verify',
  channel: 'api',
  outcome: 'ok',
  contract_number: `10001-${String(i).padStart(6, '0')}`,
  seq: i % 3 === 0 ? null : i,
  client: '198.51.100.7',
  ...overrides,
});

describeEachDatabase('access recorder', (kind) => {
  let env: TestEnv;
  afterEach(async () => env?.close());

  it('writes every queued record once, with its fields, in the order recorded', async () => {
    env = await setup(kind);
    const before = (await listAccessEvents(env.ctx.db)).length;
    for (let i = 1; i <= 700; i++) env.ctx.recorder.record(event(i, i === 7 ? { contract_number: null } : {}));
    await env.ctx.recorder.flush();
    await env.ctx.recorder.flush(); // nothing left: writes nothing more
    const rows = (await listAccessEvents(env.ctx.db)).slice(before);
    expect(rows).toHaveLength(700);
    expect(rows.map((r) => r.contract_number)).toEqual(
      Array.from({ length: 700 }, (_, k) => (k + 1 === 7 ? null : `10001-${String(k + 1).padStart(6, '0')}`)),
    );
    expect(rows[2]).toMatchObject({ kind: 'verify', channel: 'api', outcome: 'ok', seq: null, client: '198.51.100.7' });
    expect(rows[3]).toMatchObject({ seq: 4, at: '2026-01-05T00:00:04.000Z' });
  });

  it('keeps a batch whose write failed and writes it once at the next flush', async () => {
    env = await setup(kind);
    const { db } = env.ctx;
    const before = (await listAccessEvents(db)).length;
    env.ctx.recorder.record(event(1));
    env.ctx.recorder.record(event(2));
    await sql`alter table access_events rename to access_events_away`.execute(db);
    await expect(env.ctx.recorder.flush()).rejects.toThrow();
    await sql`alter table access_events_away rename to access_events`.execute(db);
    env.ctx.recorder.record(event(3));
    await env.ctx.recorder.flush();
    const rows = (await listAccessEvents(db)).slice(before);
    expect(rows.map((r) => r.contract_number)).toEqual(['10001-000001', '10001-000002', '10001-000003']);
  });

  it('purges expired throttle counters once a minute without writing the batch twice when the purge fails', async () => {
    env = await setup(kind, { now: '2026-01-05T00:00:00.000Z' });
    const { db } = env.ctx;
    const now = env.now().getTime();
    await db
      .insertInto('throttle_counters')
      .values([
        { bucket: 'c:expired', window_ends: now - 1, failures: 3 },
        { bucket: 'c:current', window_ends: now + 60_000, failures: 1 },
      ])
      .execute();
    const before = (await listAccessEvents(db)).length;
    env.ctx.recorder.record(event(1));
    await env.ctx.recorder.flush();
    const buckets = async () =>
      (await db.selectFrom('throttle_counters').select('bucket').orderBy('bucket').execute()).map((r) => r.bucket);
    expect(await buckets()).toEqual(['c:current']);

    // A minute later the purge is due again; this time it fails (its table is away), after the batch was written.
    env.setNow('2026-01-05T00:01:30.000Z');
    await sql`alter table throttle_counters rename to throttle_counters_away`.execute(db);
    env.ctx.recorder.record(event(2));
    await env.ctx.recorder.flush();
    await sql`alter table throttle_counters_away rename to throttle_counters`.execute(db);
    env.ctx.recorder.record(event(3));
    await env.ctx.recorder.flush();
    const rows = (await listAccessEvents(db)).slice(before);
    expect(rows.map((r) => r.contract_number)).toEqual(['10001-000001', '10001-000002', '10001-000003']);
  });
});

describe('access recorder on SQLite', () => {
  let env: TestEnv;
  afterEach(async () => env?.close());

  it('rolls back a batch that fails half-way: no row of it is written until the retry writes all of it', async () => {
    env = await setup({ name: 'sqlite' });
    const { db } = env.ctx;
    const before = (await listAccessEvents(db)).length;
    // The second row is refused after the first was inserted in the same transaction.
    await sql`create trigger refuse_second before insert on access_events when new.contract_number = '10001-000002'
      begin select raise(abort, 'refused'); end`.execute(db);
    env.ctx.recorder.record(event(1));
    env.ctx.recorder.record(event(2));
    await expect(env.ctx.recorder.flush()).rejects.toThrow(/refused/);
    expect((await listAccessEvents(db)).length).toBe(before);
    await sql`drop trigger refuse_second`.execute(db);
    await env.ctx.recorder.flush();
    expect((await listAccessEvents(db)).slice(before).map((r) => r.contract_number)).toEqual([
      '10001-000001',
      '10001-000002',
    ]);
  });

  it('writes a large batch in parts; when a later part fails, only what was not written is kept and retried', async () => {
    env = await setup({ name: 'sqlite' });
    const { db } = env.ctx;
    const before = (await listAccessEvents(db)).length;
    await sql`create trigger refuse_300 before insert on access_events when new.contract_number = '10001-000300'
      begin select raise(abort, 'refused'); end`.execute(db);
    for (let i = 1; i <= 400; i++) env.ctx.recorder.record(event(i));
    await expect(env.ctx.recorder.flush()).rejects.toThrow(/refused/);
    // The parts before the one holding row 300 are written (transactions of 128 rows), that part and the rest are not.
    expect((await listAccessEvents(db)).length - before).toBe(256);
    await sql`drop trigger refuse_300`.execute(db);
    await env.ctx.recorder.flush();
    const rows = (await listAccessEvents(db)).slice(before);
    expect(rows.map((r) => r.contract_number)).toEqual(
      Array.from({ length: 400 }, (_, k) => `10001-${String(k + 1).padStart(6, '0')}`),
    );
  });
});
