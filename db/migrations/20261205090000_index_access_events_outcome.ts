// Frozen: an index for the retention purge of failed and throttled attempts (outcome, then time), so deleting the
// expired ones does not scan every access record ever written.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('access_events_outcome_at_idx').on('access_events').columns(['outcome', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('access_events_outcome_at_idx').execute();
}
