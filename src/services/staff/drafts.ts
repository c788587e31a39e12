// Use cases: four-eyes publishing. A clerk drafts (新規 / 変更 / 訂正 / 変更取消 / 取消 / 一括登録), a different
// approver approves, and approval publishes through the very services the API uses (publishSurety, publishVersion),
// so the signed result is identical to an API publication.
import { randomUUID } from 'node:crypto';
import { writeTransaction } from '../../../db/connection.js';
import type { Kysely } from 'kysely';
import type { Database, StaffDraftTable } from '../../../db/schema.js';
import { certificateSchema, IMMUTABLE_FIELDS, mergePatch } from '../../domain/certificate.js';
import { eligibilityViolation, type ObligeeRule } from '../../domain/eligibility.js';
import { currentVersion, historyViolation, type VersionEvent } from '../../domain/history.js';
import {
  ACKNOWLEDGEMENT_REASON,
  reasonProblem,
  splitAcknowledgement,
  withAcknowledgement,
  type AcknowledgedWarning,
} from '../../domain/acknowledgement.js';
import type { Finding } from '../../domain/plausibility.js';
import { publishRequestSchema, versionRequestSchema } from '../../domain/requests.js';
import { DomainError, type FieldIssue } from '../../errors.js';
import { insertAudit } from '../../repositories/audit-log.js';
import { insertDraftStep } from '../../repositories/draft-steps.js';
import { findObligee } from '../../repositories/obligees.js';
import { findDraft, insertDraft, listDrafts, transitionDraft, type DraftRow } from '../../repositories/staff.js';
import type { Actor, ServiceContext } from '../context.js';
import { publishSurety } from '../publish-surety.js';
import { publishVersion } from '../publish-version.js';
import { publishSuretySet } from '../publish-surety-set.js';
import { getSurety } from '../get-surety.js';
import { assessPublication } from '../plausibility-check.js';
import { fieldIssues } from '../validation.js';
import { withCrossFieldIssues } from './cross-field.js';
import { importRows, type ImportReport, type ImportRow } from './import.js';

/** A stored draft as screens show it. */
export type StoredDraft = StaffDraftTable;

/** `issue_set`: one application for the 前払金保証 and the 契約保証 of the same works (application-set.ts). */
export type DraftKind = VersionEvent | 'import' | 'issue_set';
/** `draft` (下書き): saved by its clerk, unseen by approvers. `rejected` (差戻し): its clerk may edit and resubmit it. */
export type DraftStatus = 'draft' | 'pending' | 'publishing' | 'published' | 'rejected' | 'withdrawn';

type StaffActor = Extract<Actor, { type: 'staff' }>;

function requireRole(actor: Actor, role: StaffActor['role']): asserts actor is StaffActor {
  if (actor.type !== 'staff' || actor.role !== role) {
    throw new DomainError('forbidden', 'この操作を行う権限がありません');
  }
}

const invalid = (issues: FieldIssue[]) => new DomainError('validation_failed', '入力内容に誤りがあります', { issues });

/**
 * Everything the approval will check, checked now, so that the clerk sees field messages before submitting: every
 * field issue, the intermediate advance's link and (where the obligee enforces them) its plausibility rules together.
 * @returns the plausibility warnings the clerk must acknowledge (empty when nothing is implausible)
 * @throws DomainError validation_failed | obligee_not_eligible
 */
export async function checkIssueBody(ctx: ServiceContext, body: unknown): Promise<Finding[]> {
  const parsed = publishRequestSchema.safeParse(body);
  const issues = parsed.success ? [] : withCrossFieldIssues(fieldIssues(parsed.error), body);
  const obligeeId = (body as { obligeeId?: unknown }).obligeeId;
  const obligee = typeof obligeeId === 'string' ? await findObligee(ctx.db, obligeeId) : undefined;
  if (typeof obligeeId === 'string' && !obligee) {
    issues.push({ path: 'obligeeId', message: `登録されていない発注者です（${obligeeId}）` });
  }
  const assessment = parsed.success && obligee ? await assessPublication(ctx, ctx.db, parsed.data, obligee) : null;
  if (assessment) issues.push(...assessment.issues);
  if (issues.length > 0 || !parsed.success) throw invalid(issues);
  const ineligible =
    obligee && eligibilityViolation(obligee.name, JSON.parse(obligee.rules) as ObligeeRule[], parsed.data);
  if (ineligible)
    throw new DomainError('obligee_not_eligible', ineligible, { issues: [{ path: 'obligeeId', message: ineligible }] });
  return assessment?.warnings ?? [];
}

/**
 * A version request checked against the current history and merged certificate, the way publishVersion will.
 * @throws DomainError not_found | invalid_event | validation_failed
 */
export async function checkVersionBody(ctx: ServiceContext, contractNumber: string, body: Record<string, unknown>) {
  const state = await getSurety(ctx, contractNumber);
  const event = body.event as VersionEvent;
  const violation = historyViolation(state.versions, { event, target: (body.target as number | undefined) ?? null });
  if (violation) throw new DomainError('invalid_event', violation);
  const parsed = versionRequestSchema.safeParse(body);
  if (!parsed.success) throw invalid(fieldIssues(parsed.error));
  if (event === 'change' || event === 'correction') {
    const changes = parsed.data.changes ?? {};
    if (Object.keys(changes).length === 0) throw invalid([{ path: 'changes', message: '変更する項目がありません' }]);
    const immutable = IMMUTABLE_FIELDS.filter((f) => f in changes);
    if (immutable.length > 0) throw invalid(immutable.map((f) => ({ path: f, message: 'この項目は変更できません' })));
    const merged = certificateSchema.safeParse(mergePatch(currentVersion(state.versions).certificate, changes));
    if (!merged.success) throw invalid(fieldIssues(merged.error));
  }
  return state;
}

/**
 * Writes a pending draft (an application or a four-eyes request), its `draft.create` audit row and its first step
 * (submitted), inside the caller's write transaction. `detail` adds to the audit row's detail. `status: 'draft'`
 * saves a 下書き instead (`draft.save`, step saved).
 */
export async function insertPendingDraft(
  tx: Kysely<Database>,
  draft: { id: string; at: string; actor: StaffActor; kind: string; contractNumber: string | null; body: unknown },
  detail: Record<string, unknown> = {},
  status: 'pending' | 'draft' = 'pending',
): Promise<void> {
  const { id, at, actor, kind, contractNumber, body } = draft;
  await insertDraft(tx, {
    id,
    kind,
    contract_number: contractNumber,
    body: JSON.stringify(body),
    status,
    drafted_by: actor.id,
    drafted_at: at,
    decided_by: null,
    decided_at: null,
    result: null,
    error: null,
  });
  await insertAudit(tx, {
    at,
    actor_type: actor.type,
    actor_id: actor.id,
    action: status === 'draft' ? 'draft.save' : 'draft.create',
    contract_number: contractNumber,
    detail: JSON.stringify({ id, kind, ...detail }),
  });
  await insertDraftStep(tx, { draftId: id, step: status === 'draft' ? 'saved' : 'submitted', at, actorId: actor.id });
}

async function saveDraft(
  ctx: ServiceContext,
  actor: StaffActor,
  kind: DraftKind,
  contractNumber: string | null,
  body: unknown,
): Promise<string> {
  const id = randomUUID();
  const at = ctx.clock().toISOString();
  await writeTransaction(ctx.db, (tx) => insertPendingDraft(tx, { id, at, actor, kind, contractNumber, body }));
  return id;
}

/**
 * Files a 新規 application. Plausibility warnings must be acknowledged with a reason (shown to the approver): without
 * one, every warning is answered next to its field together with an issue asking for the reason.
 * @throws DomainError forbidden | validation_failed | obligee_not_eligible
 */
export async function draftIssue(
  ctx: ServiceContext,
  actor: Actor,
  body: Record<string, unknown>,
  acknowledgementReason = '',
): Promise<string> {
  requireRole(actor, 'clerk');
  return saveDraft(
    ctx,
    actor,
    'issue',
    null,
    acknowledge(await checkIssueBody(ctx, body), acknowledgementReason, body),
  );
}

/**
 * The body to store for an application with these plausibility warnings: with the clerk's acknowledgement when there
 * are any. Without a reason, every warning is answered next to its field (`pathOf`) together with an issue asking
 * for one.
 * @throws DomainError validation_failed
 */
export function acknowledge(
  warnings: AcknowledgedWarning[],
  acknowledgementReason: string,
  body: Record<string, unknown>,
  issueOf: (w: AcknowledgedWarning) => FieldIssue = (w) => ({ path: w.field, message: w.message }),
): Record<string, unknown> {
  const problem = reasonProblem(warnings, acknowledgementReason);
  if (problem) throw invalid([...warnings.map(issueOf), { path: ACKNOWLEDGEMENT_REASON, message: problem }]);
  return withAcknowledgement(body, warnings, acknowledgementReason);
}

/** A version application's body: the screen's input, and the version a 訂正 or 変更取消 acts on. */
export interface VersionBody {
  event: VersionEvent;
  changes?: Record<string, unknown>;
  reason?: string;
}

/**
 * The request a version application stores, checked against the history as it is now: 訂正 and 変更取消 always aim at
 * the latest visible version (DESIGN §3) — on a resubmission too, as the history may have moved since.
 * @throws DomainError not_found | invalid_event | validation_failed
 */
export async function versionRequest(
  ctx: ServiceContext,
  contractNumber: string,
  body: VersionBody,
): Promise<Record<string, unknown>> {
  const state = await getSurety(ctx, contractNumber);
  const target =
    body.event === 'correction' || body.event === 'change_cancellation'
      ? currentVersion(state.versions).seq
      : undefined;
  const { target: _stale, ...rest } = body as VersionBody & { target?: number };
  const request = { ...rest, ...(target !== undefined ? { target } : {}) };
  await checkVersionBody(ctx, contractNumber, request);
  return request;
}

/** @throws DomainError forbidden | not_found | invalid_event | validation_failed */
export async function draftVersion(
  ctx: ServiceContext,
  actor: Actor,
  contractNumber: string,
  body: VersionBody,
): Promise<string> {
  requireRole(actor, 'clerk');
  return saveDraft(ctx, actor, body.event, contractNumber, await versionRequest(ctx, contractNumber, body));
}

/** A validated import (every row already checked) waiting for an approver. */
export async function draftImport(ctx: ServiceContext, actor: Actor, rows: ImportRow[]): Promise<string> {
  requireRole(actor, 'clerk');
  return saveDraft(ctx, actor, 'import', null, { rows });
}

export type Draft = DraftRow;

export const pendingDrafts = (ctx: ServiceContext) => listDrafts(ctx.db, { statuses: ['pending', 'publishing'] });
// A 下書き is its clerk's alone: never in the lists everyone sees.
export const recentDrafts = (ctx: ServiceContext, contractNumber?: string) =>
  listDrafts(ctx.db, { ...(contractNumber ? { contractNumber } : {}), limit: 50, exceptStatus: 'draft' });

export async function getDraft(ctx: ServiceContext, id: string): Promise<StaffDraftTable> {
  const draft = await findDraft(ctx.db, id);
  if (!draft) throw new DomainError('not_found', '申込（下書き）が見つかりません');
  return draft;
}

async function decide(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  from: DraftStatus,
  to: DraftStatus,
  action: string,
  extra: Partial<StaffDraftTable> = {},
  detail: object = {},
  step?: { step: string; reason?: string | null },
): Promise<StaffDraftTable> {
  return writeTransaction(ctx.db, async (tx) => {
    const draft = await findDraft(tx, id);
    if (!draft) throw new DomainError('not_found', '申込（下書き）が見つかりません');
    const at = ctx.clock().toISOString();
    const moved = await transitionDraft(tx, id, from, { status: to, ...extra });
    if (!moved) throw new DomainError('conflict', 'この申込はすでに処理されています');
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action,
      contract_number: draft.contract_number ?? (extra.contract_number as string | undefined) ?? null,
      detail: JSON.stringify({ id, kind: draft.kind, draftedBy: draft.drafted_by, ...detail }),
    });
    if (step) await insertDraftStep(tx, { draftId: id, at, actorId: actor.id, ...step });
    return draft;
  });
}

export type ApproveResult =
  | { kind: 'issue'; contractNumber: string; authKey: string }
  | { kind: 'version'; contractNumber: string; seq: number }
  | { kind: 'import'; report: ImportReport }
  | { kind: 'issue_set'; contractNumbers: string[] };

/**
 * Approves a pending draft and publishes it. The draft is claimed first (pending → publishing, audited), so two
 * approvers cannot both publish it; a publication refused by the rules returns it to pending with the reason.
 * @throws DomainError forbidden (not an approver, or the approver drafted it) | not_found | conflict | any
 *   publication error
 */
export async function approveDraft(ctx: ServiceContext, actor: Actor, id: string): Promise<ApproveResult> {
  requireRole(actor, 'approver');
  const draft = await getDraft(ctx, id);
  if (draft.drafted_by === actor.id) {
    throw new DomainError('forbidden', '自分が作成した申込は承認できません（別の承認者が承認してください）');
  }
  await decide(ctx, actor, id, 'pending', 'publishing', 'draft.approve', {
    decided_by: actor.id,
    decided_at: ctx.clock().toISOString(),
    error: null,
  });
  const body = JSON.parse(draft.body) as Record<string, unknown>;
  try {
    let result: ApproveResult;
    if (draft.kind === 'issue') {
      // The draft id is the idempotency key: a retried approval can never publish a second guarantee.
      const published = await publishSurety(ctx, actor, splitAcknowledgement(body).publication, `draft:${id}`);
      result = { kind: 'issue', contractNumber: published.contractNumber, authKey: published.authKey };
    } else if (draft.kind === 'issue_set') {
      // Both guarantees in one transaction, each under its own key: both are published, or neither.
      const published = await publishSuretySet(ctx, actor, body.guarantees as Record<string, unknown>[], `draft:${id}`);
      result = { kind: 'issue_set', contractNumbers: published.map((p) => p.contractNumber) };
    } else if (draft.kind === 'import') {
      result = { kind: 'import', report: await importRows(ctx, actor, body.rows as ImportRow[]) };
    } else {
      const version = await publishVersion(ctx, actor, draft.contract_number as string, body);
      result = { kind: 'version', contractNumber: draft.contract_number as string, seq: version.seq };
    }
    const summary =
      result.kind === 'import'
        ? { published: result.report.published, skipped: result.report.skipped }
        : result.kind === 'issue_set'
          ? { contractNumbers: result.contractNumbers }
          : { contractNumber: result.contractNumber, ...(result.kind === 'version' ? { seq: result.seq } : {}) };
    await decide(
      ctx,
      actor,
      id,
      'publishing',
      'published',
      'draft.published',
      {
        result: JSON.stringify(summary),
        ...(result.kind === 'issue' ? { contract_number: result.contractNumber } : {}),
      },
      summary,
      { step: 'approved' },
    );
    return result;
  } catch (error) {
    if (error instanceof DomainError) {
      const message = [error.message, ...(error.issues ?? []).map((i) => `${i.path}: ${i.message}`)].join(' / ');
      await decide(
        ctx,
        actor,
        id,
        'publishing',
        'pending',
        'draft.publish_failed',
        { error: message },
        { error: message },
        { step: 'publish_failed', reason: message },
      );
    }
    throw error;
  }
}

export const MAX_SEND_BACK_REASON = 500;

/**
 * 差戻し: the approver's reason is required — it is what the clerk reads to correct the application — and is kept as
 * a step of the application's history (with who and when), not as a publication error.
 * @throws DomainError forbidden | validation_failed (no reason) | not_found | conflict
 */
export async function rejectDraft(ctx: ServiceContext, actor: Actor, id: string, reason: string): Promise<void> {
  requireRole(actor, 'approver');
  const text = reason.trim();
  if (text === '' || text.length > MAX_SEND_BACK_REASON) {
    const message =
      text === ''
        ? '差戻しの理由を入力してください（申込者が修正する手がかりになります）'
        : `差戻しの理由は${MAX_SEND_BACK_REASON}文字以内で入力してください`;
    throw new DomainError('validation_failed', message, { issues: [{ path: 'reason', message }] });
  }
  // A four-eyes request (obligee, key reissue) still shows its reason from `error` (views/admin/pages/requests.tsx);
  // an application shows it from its steps, so that it never reads as a publication error.
  const request = ['obligee', 'reissue_key'].includes((await getDraft(ctx, id)).kind);
  await decide(
    ctx,
    actor,
    id,
    'pending',
    'rejected',
    'draft.reject',
    { decided_by: actor.id, decided_at: ctx.clock().toISOString(), error: request ? text : null },
    { reason: text },
    { step: 'sent_back', reason: text },
  );
}

/** Statuses an application can still be withdrawn from (取り下げ): anything not yet approved. */
const WITHDRAWABLE: readonly DraftStatus[] = ['draft', 'pending', 'rejected'];

/** The clerk who drafted it takes it back. @throws DomainError forbidden | not_found | conflict */
export async function withdrawDraft(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  requireRole(actor, 'clerk');
  const draft = await getDraft(ctx, id);
  if (draft.drafted_by !== actor.id) throw new DomainError('forbidden', '他の担当者の申込は取り下げられません');
  const from = WITHDRAWABLE.find((s) => s === draft.status);
  if (!from) throw new DomainError('conflict', 'この申込はすでに処理されています');
  await decide(ctx, actor, id, from, 'withdrawn', 'draft.withdraw', {}, { from }, { step: 'withdrawn' });
}
