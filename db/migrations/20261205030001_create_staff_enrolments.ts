// Frozen: single-use second-factor enrolment links. An account made in the staff portal enrols its second factor
// only through a link mailed to its own address (never shown to whoever made it); each row is one such link, by
// its `jti`. An account with a row here can no longer enrol at its first log-in — accounts without one (made on the
// command line, the operator's break-glass path, or before this migration) keep that first-log-in enrolment.
// The mail waits (`outbox_id` and `approved_by` null) until a different administrator than `created_by` approves
// the account: its maker also chose the address.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('staff_enrolments')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('staff_users.id'))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('approved_by', 'text')
    .addColumn('approved_at', 'text')
    .addColumn('outbox_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('used_client', 'text')
    .execute();
  await db.schema.createIndex('staff_enrolments_user_idx').on('staff_enrolments').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('staff_enrolments').execute();
}
