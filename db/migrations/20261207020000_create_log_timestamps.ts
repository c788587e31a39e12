// Frozen: the daily RFC 3161 time-stamps of transparency-log checkpoints (DESIGN §12). Each row keeps the signed
// note exactly as it was stamped — the message imprint is SHA-256 over those bytes — beside the authority's token, so
// a verifier can check the token without the checkpoint row.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('log_timestamps')
    .addColumn('size', 'integer', (c) => c.primaryKey())
    // The checkpoint's signed note, UTF-8, exactly as served by GET /log/checkpoint when it was the latest.
    .addColumn('note', 'text', (c) => c.notNull())
    // The TimeStampToken (a CMS ContentInfo), DER in standard base64.
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('stamped_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('log_timestamps').execute();
}
