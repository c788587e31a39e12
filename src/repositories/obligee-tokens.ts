// Obligee organisations' API tokens (DESIGN §11), stored as SHA-256 hashes only.
import type { Kysely } from 'kysely';
import type { Database, ObligeeTokenTable } from '../../db/schema.js';

export async function insertObligeeToken(db: Kysely<Database>, row: ObligeeTokenTable): Promise<void> {
  await db.insertInto('obligee_tokens').values(row).execute();
}

export async function findActiveObligeeTokenByHash(
  db: Kysely<Database>,
  hash: string,
): Promise<ObligeeTokenTable | undefined> {
  return db
    .selectFrom('obligee_tokens')
    .selectAll()
    .where('token_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .where('approved_at', 'is not', null)
    .executeTakeFirst();
}

export async function findObligeeToken(db: Kysely<Database>, id: string): Promise<ObligeeTokenTable | undefined> {
  return db.selectFrom('obligee_tokens').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every token, newest first, without hashes (the staff token screen). */
export async function listObligeeTokens(db: Kysely<Database>) {
  return db
    .selectFrom('obligee_tokens')
    .select(['id', 'obligee_id', 'name', 'created_at', 'created_by', 'approved_at', 'approved_by', 'revoked_at'])
    .orderBy('created_at', 'desc')
    .execute();
}

/** Approves a waiting token unless `by` made it; false when it is not waiting (or was made by them). */
export async function approveObligeeToken(db: Kysely<Database>, id: string, by: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('obligee_tokens')
    .set({ approved_at: at, approved_by: by })
    .where('id', '=', id)
    .where('approved_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('created_by', '!=', by)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** False when the token is unknown or already revoked. */
export async function revokeObligeeToken(db: Kysely<Database>, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('obligee_tokens')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
