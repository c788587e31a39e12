// Frozen: leaves restored from a mirror of the public log after a rollback (`log:restore-leaves`). Their digest was
// published and is proven by the signed checkpoint it reproduces, but the version it commits to was lost with the
// rolled-back rows: such a leaf carries when it was restored, an empty contract number and seq -1 (no version has
// them), so audit reports it as "version lost in restore" instead of corruption, and no lookup of a version finds it.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('log_leaves').addColumn('restored_at', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('log_leaves').dropColumn('restored_at').execute();
}
