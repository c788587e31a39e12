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
    .where('approved_at', 'is not', null)
    .executeTakeFirst();
}

/** Approves a waiting token, unless its maker is the approver; false when it is not waiting (or was made by them). */
export async function approveApiToken(db: Kysely<Database>, id: string, by: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ approved_at: at, approved_by: by })
    .where('id', '=', id)
    .where('approved_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('created_by', '!=', by)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function findApiToken(db: Kysely<Database>, id: string): Promise<ApiTokenTable | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
}
