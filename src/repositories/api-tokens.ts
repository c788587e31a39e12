// Issuer API tokens, stored as SHA-256 hashes only.
import type { Kysely } from 'kysely';
import type { ApiTokenTable, Database } from '../../db/schema.js';

export async function insertApiToken(db: Kysely<Database>, row: ApiTokenTable): Promise<void> {
  await db.insertInto('api_tokens').values(row).execute();
}

export async function findActiveTokenByHash(db: Kysely<Database>, hash: string): Promise<ApiTokenTable | undefined> {
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .where('token_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}
