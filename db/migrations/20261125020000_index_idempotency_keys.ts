// Frozen: an index on idempotency_keys.idem_key. The primary key starts with token_id, but the bulk import and the
// recovery of stuck applications ask whether a key was used by anyone (any token, the CLI, any staff member): without
// it every such lookup scans the whole table, which grows by every publication sent with an Idempotency-Key.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('idempotency_keys_key_idx').on('idempotency_keys').column('idem_key').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idempotency_keys_key_idx').execute();
}
