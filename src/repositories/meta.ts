// Facts about the database itself: key/value rows (the secrets fingerprint) and its size.
import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export async function getMeta(db: Kysely<Database>, key: string): Promise<string | null> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value ?? null;
}

export async function insertMeta(db: Kysely<Database>, key: string, value: string): Promise<void> {
  await db.insertInto('meta').values({ key, value }).execute();
}

export async function updateMeta(db: Kysely<Database>, key: string, value: string): Promise<void> {
  await db.updateTable('meta').set({ value }).where('key', '=', key).execute();
}

/** Inserts unless the key exists (two instances starting together may both try). */
export async function insertMetaIfAbsent(db: Kysely<Database>, key: string, value: string): Promise<void> {
  await db
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

export async function deleteMeta(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom('meta').where('key', '=', key).execute();
}

/** The database's size on disk in bytes (PostgreSQL: the whole database; SQLite: the file's pages). */
export async function databaseBytes(db: Kysely<Database>, postgres: boolean): Promise<number | null> {
  const { rows } = postgres
    ? await sql<{ n: string }>`select pg_database_size(current_database()) as n`.execute(db)
    : await sql<{ n: number }>`select page_count * page_size as n from pragma_page_count(), pragma_page_size()`.execute(
        db,
      );
  return rows[0] ? Number(rows[0].n) : null;
}

/** Bytes the readiness probe writes: enough new pages that a full disk or database refuses them. */
const PROBE_BYTES = 32 * 1024;

/**
 * Writes and deletes a row of PROBE_BYTES in the transaction `db` (a real write that needs new pages, as a
 * publication does), leaving nothing behind. A unique key, so probes of several instances never collide.
 */
export async function probeWrite(db: Kysely<Database>): Promise<void> {
  const key = `readiness.probe.${randomUUID()}`;
  await db
    .insertInto('meta')
    .values({ key, value: randomBytes(PROBE_BYTES / 2).toString('hex') })
    .execute();
  await db.deleteFrom('meta').where('key', '=', key).execute();
}
