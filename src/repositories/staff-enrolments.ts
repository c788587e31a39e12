// Single-use second-factor enrolment links of staff accounts made in the portal (one row per mailed link).
import type { Kysely } from 'kysely';
import type { Database, StaffEnrolmentTable } from '../../db/schema.js';

export async function insertEnrolment(db: Kysely<Database>, row: StaffEnrolmentTable): Promise<void> {
  await db.insertInto('staff_enrolments').values(row).execute();
}

export async function findEnrolment(db: Kysely<Database>, jti: string): Promise<StaffEnrolmentTable | undefined> {
  return db.selectFrom('staff_enrolments').selectAll().where('jti', '=', jti).executeTakeFirst();
}

/** Marks the link used; false when it was used already (two clicks at once: exactly one wins). */
export async function useEnrolment(db: Kysely<Database>, jti: string, at: string, client: string): Promise<boolean> {
  const result = await db
    .updateTable('staff_enrolments')
    .set({ used_at: at, used_client: client })
    .where('jti', '=', jti)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Whether the account enrols only through a mailed link (it was made in the portal). */
export async function enrolsByLink(db: Kysely<Database>, userId: string): Promise<boolean> {
  const row = await db.selectFrom('staff_enrolments').select('jti').where('user_id', '=', userId).executeTakeFirst();
  return row !== undefined;
}

/** The enrolment of an account that still waits for a second administrator, if any. */
export async function findPendingEnrolment(
  db: Kysely<Database>,
  userId: string,
): Promise<StaffEnrolmentTable | undefined> {
  return db
    .selectFrom('staff_enrolments')
    .selectAll()
    .where('user_id', '=', userId)
    .where('approved_by', 'is', null)
    .executeTakeFirst();
}

export async function listPendingEnrolments(db: Kysely<Database>): Promise<StaffEnrolmentTable[]> {
  return db.selectFrom('staff_enrolments').selectAll().where('approved_by', 'is', null).execute();
}

/** Records the approval and the mail it queued; false when it was approved already. */
export async function approveEnrolment(
  db: Kysely<Database>,
  jti: string,
  change: { by: string; at: string; outboxId: string },
): Promise<boolean> {
  const result = await db
    .updateTable('staff_enrolments')
    .set({ approved_by: change.by, approved_at: change.at, outbox_id: change.outboxId })
    .where('jti', '=', jti)
    .where('approved_by', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
