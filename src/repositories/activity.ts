// Throttle counters, access events (verification attempts and views) and alerts.
import { sql, type Insertable, type Kysely } from 'kysely';
import { isPostgres } from '../../db/connection.js';
import type { AccessEventTable, AlertTable, Database } from '../../db/schema.js';

/**
 * Serialises concurrent attempts on the same buckets. On SQLite the surrounding immediate transaction already
 * holds the database's write lock; on PostgreSQL a transaction-scoped advisory lock per bucket does it.
 */
export async function lockBuckets(db: Kysely<Database>, buckets: string[]): Promise<void> {
  if (!isPostgres(db)) return;
  for (const bucket of [...buckets].sort()) {
    await sql`select pg_advisory_xact_lock(hashtextextended(${bucket}, 0))`.execute(db);
  }
}

/** Failures counted in each bucket's current window (expired windows count as zero). */
export async function readFailures(
  db: Kysely<Database>,
  buckets: string[],
  nowMs: number,
): Promise<Map<string, { failures: number; windowEnds: number }>> {
  const rows = await db
    .selectFrom('throttle_counters')
    .selectAll()
    .where('bucket', 'in', buckets)
    .where('window_ends', '>', nowMs)
    .execute();
  return new Map(rows.map((r) => [r.bucket, { failures: Number(r.failures), windowEnds: Number(r.window_ends) }]));
}

/** Adds one failure to the bucket, starting a new window when the last one has passed; returns the new count. */
export async function addFailure(
  db: Kysely<Database>,
  bucket: string,
  nowMs: number,
  windowMs: number,
): Promise<number> {
  const row = await db
    .insertInto('throttle_counters')
    .values({ bucket, window_ends: nowMs + windowMs, failures: 1 })
    .onConflict((oc) =>
      oc.column('bucket').doUpdateSet({
        failures: sql<number>`case when throttle_counters.window_ends > ${nowMs} then throttle_counters.failures + 1 else 1 end`,
        window_ends: sql<number>`case when throttle_counters.window_ends > ${nowMs} then throttle_counters.window_ends else ${nowMs + windowMs} end`,
      }),
    )
    .returning('failures')
    .executeTakeFirstOrThrow();
  return Number(row.failures);
}

export async function purgeExpiredCounters(db: Kysely<Database>, nowMs: number): Promise<number> {
  const result = await db.deleteFrom('throttle_counters').where('window_ends', '<=', nowMs).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Outcomes of anonymous attempts that did not match: kept for the retention period only. */
export const EXPIRING_OUTCOMES = ['no_match', 'throttled'] as const;

/**
 * Deletes up to `limit` failed or throttled attempts recorded before `before` (ISO time); returns how many. Bounded,
 * so a first purge of a large backlog never holds the write lock for long: the rest goes on the next run.
 */
export async function purgeExpiredAttempts(db: Kysely<Database>, before: string, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('access_events')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('access_events')
        .select('id')
        .where('outcome', 'in', EXPIRING_OUTCOMES)
        .where('at', '<', before)
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function insertAccessEvents(db: Kysely<Database>, rows: Insertable<AccessEventTable>[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('access_events').values(rows).execute();
}

export async function listAccessEvents(db: Kysely<Database>, contractNumber?: string) {
  return db
    .selectFrom('access_events')
    .selectAll()
    .$if(contractNumber !== undefined, (q) => q.where('contract_number', '=', contractNumber as string))
    .orderBy('id')
    .execute();
}

/** How many throttle alerts were ever raised (the metrics gauge). */
export async function countAlerts(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('alerts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function insertAlert(db: Kysely<Database>, row: Insertable<AlertTable>): Promise<void> {
  await db.insertInto('alerts').values(row).execute();
}

export async function listAlerts(db: Kysely<Database>) {
  return db.selectFrom('alerts').selectAll().orderBy('id').execute();
}

/** Throttle buckets whose names match any of the LIKE patterns (callers filter exactly afterwards). */
export async function listCounterBuckets(db: Kysely<Database>, patterns: string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  const rows = await db
    .selectFrom('throttle_counters')
    .select('bucket')
    .where((eb) => eb.or(patterns.map((p) => eb('bucket', 'like', p))))
    .execute();
  return rows.map((r) => r.bucket);
}

export async function deleteCounters(db: Kysely<Database>, buckets: string[]): Promise<void> {
  if (buckets.length === 0) return;
  await db.deleteFrom('throttle_counters').where('bucket', 'in', buckets).execute();
}
