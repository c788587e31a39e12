// Use cases: a clerk's own application between drafting and approval — saved as a 下書き, submitted, sent back and
// corrected, resubmitted — always the SAME application, each move audited with its step in one transaction.
import { randomUUID } from 'node:crypto';
import { writeTransaction } from '../../../db/connection.js';
import type { StaffDraftTable } from '../../../db/schema.js';
import { DomainError } from '../../errors.js';
import { insertAudit } from '../../repositories/audit-log.js';
import { insertDraftStep, listDraftSteps, listOwnDrafts, type DraftStepRow } from '../../repositories/draft-steps.js';
import { findDraft, transitionDraft, type DraftRow } from '../../repositories/staff.js';
import type { Actor, ServiceContext } from '../context.js';
import { splitAcknowledgement } from '../../domain/acknowledgement.js';
import { isEditableKind, isVersionKind, type EditableKind, type VersionKind } from '../../domain/application-kinds.js';
import { checkIssueSet, setWarningIssue } from './application-set.js';
import {
  acknowledge,
  checkIssueBody,
  getDraft,
  insertPendingDraft,
  versionRequest,
  type DraftStatus,
  type VersionBody,
} from './drafts.js';

type StaffActor = Extract<Actor, { type: 'staff' }>;

export { isEditableKind, isVersionKind, type EditableKind, type VersionKind };

/** The body of an application: one publication body, or `{ guarantees: [...] }` for a combined one. */
export type ApplicationBody = Record<string, unknown>;

/** Statuses its clerk may still change it in: a 下書き, or one sent back (差戻し). */
const EDITABLE: readonly DraftStatus[] = ['draft', 'rejected'];

function requireClerk(actor: Actor): asserts actor is StaffActor {
  if (actor.type !== 'staff' || actor.role !== 'clerk')
    throw new DomainError('forbidden', 'この操作を行う権限がありません');
}

/**
 * The application as its clerk may edit it.
 * @throws DomainError not_found | forbidden (someone else's, or not a form application) | conflict (no longer editable)
 */
export async function editableApplication(ctx: ServiceContext, actor: Actor, id: string): Promise<StaffDraftTable> {
  requireClerk(actor);
  const draft = await getDraft(ctx, id);
  if (draft.drafted_by !== actor.id) throw new DomainError('forbidden', '他の担当者の申込は修正できません');
  if (!isEditableKind(draft.kind)) throw new DomainError('forbidden', 'この申込は画面から修正できません');
  if (!EDITABLE.includes(draft.status as DraftStatus))
    throw new DomainError('conflict', 'この申込は修正できる状態ではありません（承認待ち・発行済み・取下げ）');
  return draft;
}

/**
 * @param contractNumber the guarantee a version application acts on (none for a 新規 or a combined one)
 * @returns the body to store: an application with plausibility warnings carries the clerk's acknowledgement (a
 *   combined one names the guarantee of each warning); a version application its request against today's history
 * @throws DomainError validation_failed | obligee_not_eligible | invalid_event | not_found — every issue of the body,
 *   as approval would
 */
export async function checkApplication(
  ctx: ServiceContext,
  kind: EditableKind,
  body: ApplicationBody,
  acknowledgementReason = '',
  contractNumber: string | null = null,
): Promise<ApplicationBody> {
  if (isVersionKind(kind)) {
    if (!contractNumber) throw new DomainError('not_found', '対象の保証契約がありません');
    return versionRequest(ctx, contractNumber, { ...(body as Partial<VersionBody>), event: kind });
  }
  const { publication } = splitAcknowledgement(body);
  if (kind === 'issue_set') {
    const warnings = await checkIssueSet(ctx, publication.guarantees as Record<string, unknown>[]);
    return acknowledge(warnings, acknowledgementReason, publication, setWarningIssue);
  }
  return acknowledge(await checkIssueBody(ctx, publication), acknowledgementReason, publication);
}

/**
 * Moves the clerk's own application (in `EDITABLE`) with a new body: kept as 下書き (`to: 'draft'`, a sent-back one
 * stays sent back) or submitted (`to: 'pending'`).
 */
async function revise(
  ctx: ServiceContext,
  actor: StaffActor,
  draft: StaffDraftTable,
  body: ApplicationBody,
  submit: boolean,
): Promise<void> {
  const to = submit ? 'pending' : draft.status;
  const step = !submit ? 'saved' : draft.status === 'rejected' ? 'resubmitted' : 'submitted';
  const action = !submit ? 'draft.save' : draft.status === 'rejected' ? 'draft.resubmit' : 'draft.submit';
  await writeTransaction(ctx.db, async (tx) => {
    const at = ctx.clock().toISOString();
    const moved = await transitionDraft(tx, draft.id, draft.status, {
      status: to,
      body: JSON.stringify(body),
      ...(submit ? { decided_by: null, decided_at: null, error: null } : {}),
    });
    if (!moved) throw new DomainError('conflict', 'この申込はすでに処理されています');
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action,
      contract_number: null,
      detail: JSON.stringify({ id: draft.id, kind: draft.kind, from: draft.status }),
    });
    await insertDraftStep(tx, { draftId: draft.id, step, at, actorId: actor.id });
  });
}

/**
 * 下書き保存: nothing is checked (a half-typed form is the point); approvers do not see it. With an id, the clerk's own
 * 下書き or sent-back application is updated in place.
 * @returns the application's id
 * @throws DomainError forbidden | not_found | conflict
 */
export async function saveApplication(
  ctx: ServiceContext,
  actor: Actor,
  input: { id?: string | undefined; kind: EditableKind; body: ApplicationBody },
): Promise<string> {
  requireClerk(actor);
  if (input.id) {
    const draft = await editableApplication(ctx, actor, input.id);
    await revise(ctx, actor, draft, input.body, false);
    return draft.id;
  }
  if (isVersionKind(input.kind)) throw new DomainError('not_found', '申込が見つかりません');
  const id = randomUUID();
  const at = ctx.clock().toISOString();
  await writeTransaction(ctx.db, (tx) =>
    insertPendingDraft(tx, { id, at, actor, kind: input.kind, contractNumber: null, body: input.body }, {}, 'draft'),
  );
  return id;
}

/**
 * 申込 (or 再申込 of one sent back): checked as approval will check it, then waiting for an approver. With an id, the
 * clerk's own 下書き or sent-back application is submitted — the same application, its history kept.
 * @returns the application's id
 * @throws DomainError forbidden | not_found | conflict | validation_failed | obligee_not_eligible
 */
export async function submitApplication(
  ctx: ServiceContext,
  actor: Actor,
  input: {
    id?: string | undefined;
    kind: EditableKind;
    body: ApplicationBody;
    acknowledgementReason?: string;
    /** The guarantee the form was filled for (a version application): it must be the application's own. */
    contractNumber?: string;
  },
): Promise<string> {
  requireClerk(actor);
  const draft = input.id ? await editableApplication(ctx, actor, input.id) : undefined;
  if (draft && draft.kind !== input.kind) throw new DomainError('conflict', '申込の種類は変更できません');
  if (draft && input.contractNumber !== undefined && draft.contract_number !== input.contractNumber)
    throw new DomainError('conflict', '申込の対象の保証契約は変更できません');
  // A 変更 … 取消 is first filed from its guarantee's page (draftVersion); here it can only be corrected.
  if (!draft && isVersionKind(input.kind)) throw new DomainError('not_found', '申込が見つかりません');
  const body = await checkApplication(
    ctx,
    input.kind,
    input.body,
    input.acknowledgementReason,
    draft?.contract_number ?? null,
  );
  if (draft) {
    await revise(ctx, actor, draft, body, true);
    return draft.id;
  }
  const id = randomUUID();
  const at = ctx.clock().toISOString();
  await writeTransaction(ctx.db, (tx) =>
    insertPendingDraft(tx, { id, at, actor, kind: input.kind, contractNumber: null, body }),
  );
  return id;
}

/** The round trips of an application, oldest first (申込 → 差戻し（理由）→ 再申込 → 承認). */
export const applicationHistory = (ctx: ServiceContext, id: string): Promise<DraftStepRow[]> =>
  listDraftSteps(ctx.db, id);

/** A clerk's own 下書き and sent-back applications (全体トップ). */
export async function ownOpenApplications(
  ctx: ServiceContext,
  actor: Actor,
): Promise<{ returned: (DraftRow & { reason: string | null })[]; drafts: DraftRow[] }> {
  if (actor.type !== 'staff' || actor.role !== 'clerk') return { returned: [], drafts: [] };
  const rows = await listOwnDrafts(ctx.db, actor.id, ['rejected', 'draft']);
  const returned = [];
  for (const r of rows.filter((x) => x.status === 'rejected')) {
    const sentBack = (await listDraftSteps(ctx.db, r.id)).filter((s) => s.step === 'sent_back').at(-1);
    returned.push({ ...r, reason: sentBack?.reason ?? null });
  }
  return { returned, drafts: rows.filter((r) => r.status === 'draft') };
}

/**
 * Refuses to show a 下書き to anyone but its clerk (not even approvers see it before it is submitted).
 * @throws DomainError not_found
 */
export function assertVisible(draft: StaffDraftTable, viewer: Actor): void {
  if (draft.status === 'draft' && draft.drafted_by !== viewer.id) {
    throw new DomainError('not_found', '申込（下書き）が見つかりません');
  }
}

/** The latest send-back of an application: the approver's words, who and when. */
export async function lastSendBack(ctx: ServiceContext, id: string): Promise<DraftStepRow | undefined> {
  const draft = await findDraft(ctx.db, id);
  if (draft?.status !== 'rejected') return undefined;
  return (await listDraftSteps(ctx.db, id)).filter((s) => s.step === 'sent_back').at(-1);
}

/**
 * The clerk's own application, in any status (送信完了).
 * @throws DomainError not_found (someone else's too: an application number says nothing to others)
 */
export async function ownApplication(ctx: ServiceContext, actor: Actor, id: string): Promise<StaffDraftTable> {
  const draft = await getDraft(ctx, id);
  if (draft.drafted_by !== actor.id) throw new DomainError('not_found', '申込が見つかりません');
  return draft;
}

export type { DraftStepRow as ApplicationStep } from '../../repositories/draft-steps.js';
