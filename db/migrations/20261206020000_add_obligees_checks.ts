// Frozen: `obligees.checks` — an obligee's plausibility settings (DESIGN §4 `checks`: minimumContractGuaranteeRatio,
// enforce) as JSON text beside its rules; null means the standard terms' defaults, warning only.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('obligees').addColumn('checks', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('obligees').dropColumn('checks').execute();
}
