// Frozen: the transparency log's witnesses (C2SP tlog-witness) as the platform sees them — per witness (its verifier
// key) the checkpoint size it last acknowledged, and the cosignature lines it returned, per checkpoint size.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('log_witnesses')
    .addColumn('witness_key', 'text', (c) => c.primaryKey())
    // The size of the latest checkpoint the witness says it cosigned: the next submission's "old" size. A size above
    // the log's own means the database lost checkpoints the witness saw (a restore): the log is held.
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('log_cosignatures')
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('witness_key', 'text', (c) => c.notNull())
    // `— <witness name> <base64(key ID ‖ timestamp ‖ signature)>\n`, verified before it is stored.
    .addColumn('line', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('log_cosignatures_pk', ['size', 'witness_key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('log_cosignatures').execute();
  await db.schema.dropTable('log_witnesses').execute();
}
