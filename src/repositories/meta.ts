// Key/value facts about the database itself (the secrets fingerprint).
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export async function getMeta(db: Kysely<Database>, key: string): Promise<string | null> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value ?? null;
}

export async function insertMeta(db: Kysely<Database>, key: string, value: string): Promise<void> {
  await db.insertInto('meta').values({ key, value }).execute();
}
