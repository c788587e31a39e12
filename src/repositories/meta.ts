// Facts about the database itself: key/value rows (the secrets fingerprint) and its size.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export async function getMeta(db: Kysely<Database>, key: string): Promise<string | null> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value ?? null;
}

export async function insertMeta(db: Kysely<Database>, key: string, value: string): Promise<void> {
  await db.insertInto('meta').values({ key, value }).execute();
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
