// The log's witnesses as the platform records them: the size each one last acknowledged and their cosignatures.
import type { Kysely } from 'kysely';
import type { Database, LogCosignatureTable } from '../../db/schema.js';

/** The size each witness last acknowledged (absent: never heard from; the spec's "old 0" then). */
export async function witnessSizes(db: Kysely<Database>, keys: readonly string[]): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .selectFrom('log_witnesses')
    .select(['witness_key', 'size'])
    .where('witness_key', 'in', keys)
    .execute();
  return new Map(rows.map((r) => [r.witness_key, Number(r.size)]));
}

export async function setWitnessSize(db: Kysely<Database>, key: string, size: number, at: string): Promise<void> {
  await db
    .insertInto('log_witnesses')
    .values({ witness_key: key, size, updated_at: at })
    .onConflict((oc) => oc.column('witness_key').doUpdateSet({ size, updated_at: at }))
    .execute();
}

/** The largest size any witness acknowledged, or null. */
export async function largestWitnessedSize(db: Kysely<Database>): Promise<number | null> {
  const row = await db
    .selectFrom('log_witnesses')
    .select((eb) => eb.fn.max('size').as('top'))
    .executeTakeFirst();
  return row?.top === null || row?.top === undefined ? null : Number(row.top);
}

export async function insertCosignature(db: Kysely<Database>, row: LogCosignatureTable): Promise<void> {
  await db
    .insertInto('log_cosignatures')
    .values(row)
    .onConflict((oc) => oc.columns(['size', 'witness_key']).doNothing())
    .execute();
}

/** Cosignature lines of these witnesses on the checkpoint of `size`. */
export async function cosignaturesAt(
  db: Kysely<Database>,
  size: number,
  keys: readonly string[],
): Promise<Pick<LogCosignatureTable, 'witness_key' | 'line'>[]> {
  if (keys.length === 0) return [];
  return db
    .selectFrom('log_cosignatures')
    .select(['witness_key', 'line'])
    .where('size', '=', size)
    .where('witness_key', 'in', keys)
    .execute();
}

/** The largest checkpoint size one of these witnesses cosigned, or null. */
export async function latestCosignedSize(db: Kysely<Database>, keys: readonly string[]): Promise<number | null> {
  if (keys.length === 0) return null;
  const row = await db
    .selectFrom('log_cosignatures')
    .select((eb) => eb.fn.max('size').as('top'))
    .where('witness_key', 'in', keys)
    .executeTakeFirst();
  return row?.top === null || row?.top === undefined ? null : Number(row.top);
}

/** The log's own checkpoint of exactly `size`, if it signed one. */
export async function checkpointOfSize(db: Kysely<Database>, size: number) {
  return db.selectFrom('log_checkpoints').selectAll().where('size', '=', size).executeTakeFirst();
}

/** The largest checkpoint signed at or before `at` (ISO instant), or the first one ever when `at` is null. */
export async function checkpointSignedBy(db: Kysely<Database>, at: string | null) {
  const query = db.selectFrom('log_checkpoints').selectAll();
  return at === null
    ? query.orderBy('size').limit(1).executeTakeFirst()
    : query.where('created_at', '<=', at).orderBy('size', 'desc').limit(1).executeTakeFirst();
}
