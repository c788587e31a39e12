// Queries of an application's round trips (staff_draft_steps) and of the clerk's own open applications.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { DraftRow } from './staff.js';

type Db = Kysely<Database>;

/** Appends a step; the caller's transaction also moves the draft's status, so the two commit together. */
export async function insertDraftStep(
  db: Db,
  step: { draftId: string; step: string; at: string; actorId: string; reason?: string | null },
): Promise<void> {
  const last = await db
    .selectFrom('staff_draft_steps')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('draft_id', '=', step.draftId)
    .executeTakeFirst();
  await db
    .insertInto('staff_draft_steps')
    .values({
      draft_id: step.draftId,
      seq: Number(last?.seq ?? 0) + 1,
      step: step.step,
      at: step.at,
      actor_id: step.actorId,
      reason: step.reason ?? null,
    })
    .execute();
}

export interface DraftStepRow {
  seq: number;
  step: string;
  at: string;
  actor_id: string;
  actor_email: string | null;
  reason: string | null;
}

/** The steps of one application, oldest first, with who took each. */
export async function listDraftSteps(db: Db, draftId: string): Promise<DraftStepRow[]> {
  const rows = await db
    .selectFrom('staff_draft_steps as s')
    .leftJoin('staff_users as u', 'u.id', 's.actor_id')
    .select(['s.seq', 's.step', 's.at', 's.actor_id', 's.reason', 'u.email as actor_email'])
    .where('s.draft_id', '=', draftId)
    .orderBy('s.seq')
    .execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

/** One clerk's applications in the given statuses (下書き, 差戻し), newest first. */
export async function listOwnDrafts(db: Db, userId: string, statuses: string[]): Promise<DraftRow[]> {
  return db
    .selectFrom('staff_drafts as d')
    .innerJoin('staff_users as u', 'u.id', 'd.drafted_by')
    .leftJoin('staff_users as a', 'a.id', 'd.decided_by')
    .selectAll('d')
    .select(['u.email as drafted_by_email', 'a.email as decided_by_email'])
    .where('d.drafted_by', '=', userId)
    .where('d.status', 'in', statuses)
    .orderBy('d.drafted_at', 'desc')
    .orderBy('d.id')
    .limit(100)
    .execute();
}
