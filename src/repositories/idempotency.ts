// Stored answers to requests sent with an Idempotency-Key (per API token).
import type { Kysely } from 'kysely';
import type { Database, IdempotencyKeyTable } from '../../db/schema.js';

export async function findIdempotentAnswer(
  db: Kysely<Database>,
  tokenId: string,
  key: string,
): Promise<IdempotencyKeyTable | undefined> {
  return db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('token_id', '=', tokenId)
    .where('idem_key', '=', key)
    .executeTakeFirst();
}

export async function insertIdempotentAnswer(db: Kysely<Database>, row: IdempotencyKeyTable): Promise<void> {
  await db.insertInto('idempotency_keys').values(row).execute();
}

/** Several answers in one statement. */
export async function insertIdempotentAnswers(db: Kysely<Database>, rows: IdempotencyKeyTable[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('idempotency_keys').values(rows).execute();
}
