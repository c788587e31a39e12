// The transparency log's RFC 3161 time-stamps (DESIGN §12): one row per stamped checkpoint size, with the note as
// stamped and the authority's token.
import type { Kysely } from 'kysely';
import type { Database, LogTimestampTable } from '../../db/schema.js';

export async function latestTimestamp(db: Kysely<Database>): Promise<LogTimestampTable | undefined> {
  return db.selectFrom('log_timestamps').selectAll().orderBy('size', 'desc').limit(1).executeTakeFirst();
}

export async function findTimestamp(db: Kysely<Database>, size: number): Promise<LogTimestampTable | undefined> {
  return db.selectFrom('log_timestamps').selectAll().where('size', '=', size).executeTakeFirst();
}

/** Stamped sizes above `after`, ascending, at most `limit`. */
export async function listTimestampSizes(db: Kysely<Database>, after: number, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('log_timestamps')
    .select('size')
    .where('size', '>', after)
    .orderBy('size')
    .limit(limit)
    .execute();
  return rows.map((r) => Number(r.size));
}

/** Stores a stamp; a second stamp of the same size (two leaders racing at a lease hand-over) keeps the first. */
export async function insertTimestamp(db: Kysely<Database>, row: LogTimestampTable): Promise<void> {
  await db
    .insertInto('log_timestamps')
    .values(row)
    .onConflict((oc) => oc.column('size').doNothing())
    .execute();
}

/** The signed note of the checkpoint of exactly this size, if one was stored. */
export async function findCheckpointNote(db: Kysely<Database>, size: number): Promise<string | undefined> {
  const stamped = await findTimestamp(db, size);
  if (stamped) return stamped.note;
  const row = await db.selectFrom('log_checkpoints').select('note').where('size', '=', size).executeTakeFirst();
  return row?.note;
}
