// Frozen: staff_draft_steps — the round trips of one application (submitted, sent back with the approver's reason,
// resubmitted, approved, withdrawn), one row per step, written in the transaction of the status change it records;
// and staff_form_stash — a 申込 form posted after its session expired, kept encrypted for the account that filled it
// until it logs in again (never a password or a code: only the application forms are kept).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('staff_draft_steps')
    .addColumn('draft_id', 'text', (c) => c.notNull().references('staff_drafts.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addPrimaryKeyConstraint('staff_draft_steps_pk', ['draft_id', 'seq'])
    .execute();
  await db.schema
    .createTable('staff_form_stash')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('staff_users.id'))
    .addColumn('form', 'text', (c) => c.notNull())
    .addColumn('fields_jwe', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('staff_form_stash').execute();
  await db.schema.dropTable('staff_draft_steps').execute();
}
