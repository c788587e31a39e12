// Use cases: four-eyes for the portal's changes that are not publications — an obligee's registration and rules
// (requested by an administrator) and a key reissue (requested by a clerk). A request is a staff_drafts row of kind
// 'obligee' | 'reissue_key', so it waits on the one approval screen (申込・承認) beside the applications, and a
// different staff member with the approver role applies it. Unlike a publication, applying is one transaction —
// claim, change, both audit rows — so a request is never left half-applied ('publishing' is never used) and the
// drafts' publication/crash-recovery paths never see one.
import { randomUUID } from 'node:crypto';
import { writeTransaction } from '../../../db/connection.js';
import type { StaffDraftTable } from '../../../db/schema.js';
import type { ObligeeRule } from '../../domain/eligibility.js';
import type { PlausibilityChecks } from '../../domain/plausibility.js';
import { obligeeIdSchema, obligeeRequestSchema, type ObligeeRequest } from '../../domain/requests.js';
import { DomainError, type FieldIssue } from '../../errors.js';
import { insertAudit } from '../../repositories/audit-log.js';
import { findObligee, lockObligee } from '../../repositories/obligees.js';
import { pendingDraftsOfKind } from '../../repositories/staff-requests.js';
import { transitionDraft } from '../../repositories/staff.js';
import { findSuretyForUpdate } from '../../repositories/sureties.js';
import type { Actor, ServiceContext } from '../context.js';
import { checksOf, writeObligee } from '../obligees.js';
import { newAuthKey, replaceAuthKey } from '../reissue-auth-key.js';
import { fieldIssues } from '../validation.js';
import { approveDraft, getDraft, insertPendingDraft, withdrawDraft, type ApproveResult } from './drafts.js';

export const REQUEST_KINDS = ['obligee', 'reissue_key'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];
export const isRequestKind = (kind: string): kind is RequestKind => (REQUEST_KINDS as readonly string[]).includes(kind);

type StaffActor = Extract<Actor, { type: 'staff' }>;

function requireRole(actor: Actor, role: StaffActor['role']): asserts actor is StaffActor {
  if (actor.type !== 'staff' || actor.role !== role) {
    throw new DomainError('forbidden', 'この操作を行う権限がありません');
  }
}

/** The obligee as it was when the change was requested: shown as 変更前, and compared again on approval. */
export interface ObligeeSnapshot {
  name: string;
  title: string | null;
  rules: ObligeeRule[];
  /** Plausibility settings; absent in requests filed before they existed (read as the defaults). */
  checks?: PlausibilityChecks | null;
  updatedAt: string;
}

export interface ObligeeRequestBody {
  obligeeId: string;
  name: string;
  title: string | null;
  rules: ObligeeRule[];
  checks?: PlausibilityChecks | null;
  base: ObligeeSnapshot | null;
}

export interface ReissueRequestBody {
  reason: string | null;
}

const invalid = (issues: FieldIssue[]) => new DomainError('validation_failed', '入力内容に誤りがあります', { issues });

/**
 * Files a request: `build` locks what the request is about, checks that no request for it waits yet, and returns the
 * body — all inside the write transaction, so that two identical requests filed at once cannot both pass the check.
 */
async function saveRequest<B extends ObligeeRequestBody | ReissueRequestBody>(
  ctx: ServiceContext,
  actor: StaffActor,
  kind: RequestKind,
  contractNumber: string | null,
  build: (tx: ServiceContext['db']) => Promise<B>,
): Promise<string> {
  const id = randomUUID();
  await writeTransaction(ctx.db, async (tx) => {
    // The write transaction alone is enough on SQLite (BEGIN IMMEDIATE), not on PostgreSQL: under READ COMMITTED
    // two transactions both find no pending request and both insert one. `build` takes the lock that serialises them.
    const body = await build(tx);
    const at = ctx.clock().toISOString();
    await insertPendingDraft(
      tx,
      { id, at, actor, kind, contractNumber, body },
      'obligeeId' in body ? { obligee: body.obligeeId } : { reason: body.reason },
    );
  });
  return id;
}

const sameRules = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Empty settings are the defaults: stored and compared as null. */
const normalChecks = (checks: PlausibilityChecks | undefined): PlausibilityChecks | null =>
  checks && Object.keys(checks).length > 0 ? checks : null;

/**
 * Whether the obligee is still what the request was made against. The time stamp alone is not enough (two writes
 * can share a millisecond), nor the content alone (a change and its undoing would pass), so both are compared.
 */
function unchangedSince(
  current:
    { name: string; title: string | null; rules: string; checks?: string | null; updated_at: string } | undefined,
  base: ObligeeSnapshot | null,
): boolean {
  if (!current || !base) return !current && !base;
  return (
    current.updated_at === base.updatedAt &&
    current.name === base.name &&
    current.title === base.title &&
    sameRules(JSON.parse(current.rules), base.rules) &&
    sameRules(checksOf(current) ?? null, base.checks ?? null)
  );
}

/**
 * An administrator asks for an obligee to be registered (isNew) or its name, 宛名 or rules replaced; nothing
 * changes until a different staff member approves.
 * @throws DomainError forbidden | validation_failed | not_found | conflict (a request for it already waits)
 */
export async function requestObligeeChange(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  input: unknown,
  isNew: boolean,
): Promise<string> {
  requireRole(actor, 'admin');
  const idResult = obligeeIdSchema.safeParse(id);
  const bodyResult = obligeeRequestSchema.safeParse(input);
  if (!idResult.success || !bodyResult.success) {
    throw invalid([
      ...(idResult.success ? [] : fieldIssues(idResult.error, ['id'])),
      ...(bodyResult.success ? [] : fieldIssues(bodyResult.error)),
    ]);
  }
  const obligeeId = idResult.data;
  const requested: ObligeeRequest = bodyResult.data;
  return saveRequest(ctx, actor, 'obligee', null, async (tx) => {
    await lockObligee(tx, obligeeId);
    const existing = await findObligee(tx, obligeeId);
    if (isNew && existing) throw invalid([{ path: 'id', message: `ID ${obligeeId} の発注者はすでに登録されています` }]);
    if (!isNew && !existing) throw new DomainError('not_found', '発注者が見つかりません');
    const waiting = (await pendingDraftsOfKind(tx, 'obligee')).find(
      (d) => (JSON.parse(d.body) as ObligeeRequestBody).obligeeId === obligeeId,
    );
    if (waiting) {
      throw new DomainError(
        'conflict',
        'この発注者には承認待ちの変更申請があります。先にその申請の承認・差戻し・取下げを済ませてください',
      );
    }
    const base: ObligeeSnapshot | null = existing
      ? {
          name: existing.name,
          title: existing.title,
          rules: JSON.parse(existing.rules) as ObligeeRule[],
          checks: checksOf(existing) ?? null,
          updatedAt: existing.updated_at,
        }
      : null;
    if (
      base &&
      base.name === requested.name &&
      base.title === (requested.title ?? null) &&
      sameRules(base.rules, requested.rules) &&
      sameRules(base.checks ?? null, normalChecks(requested.checks))
    ) {
      throw invalid([{ path: '_', message: '変更された項目がありません' }]);
    }
    return {
      obligeeId,
      name: requested.name,
      title: requested.title ?? null,
      rules: requested.rules as ObligeeRule[],
      checks: normalChecks(requested.checks),
      base,
    };
  });
}

/**
 * A clerk asks for a guarantee's key to be reissued; the old key keeps working until an approver applies it.
 * @throws DomainError forbidden | not_found | validation_failed | conflict (a reissue already waits)
 */
export async function requestKeyReissue(
  ctx: ServiceContext,
  actor: Actor,
  contractNumber: string,
  reason: string,
): Promise<string> {
  requireRole(actor, 'clerk');
  const text = reason.normalize('NFKC').trim();
  // A reissue cuts off whoever holds the old key: the approver and, later, the audit log must be able to say why.
  if (text === '') throw invalid([{ path: 'reason', message: '認証キーを再発行する理由を入力してください' }]);
  if (text.length > 200) throw invalid([{ path: 'reason', message: '理由は200文字以内で入力してください' }]);
  return saveRequest(ctx, actor, 'reissue_key', contractNumber, async (tx) => {
    // The surety's row lock (PostgreSQL) serialises requests for the same guarantee.
    if (!(await findSuretyForUpdate(tx, contractNumber)))
      throw new DomainError('not_found', `保証契約番号 ${contractNumber} の保証は登録されていません`);
    if ((await pendingDraftsOfKind(tx, 'reissue_key', contractNumber)).length > 0)
      throw new DomainError('conflict', 'この保証の認証キー再発行はすでに申請されていて、承認を待っています');
    return { reason: text };
  });
}

export type ApplicationResult =
  ApproveResult | { kind: 'obligee'; obligeeId: string } | { kind: 'reissue_key'; contractNumber: string };

/** Said when a 取消 is approved without the approver confirming what ends (checked here, not only in the page). */
export const CANCELLATION_UNCONFIRMED =
  '取消は元に戻せません。取り消される保証の内容を確認し、「上記の保証を取り消すことを確認しました」にチェックを入れてから承認してください';

/**
 * The approval screen's one entry point: a request is applied here, an application goes to approveDraft. A 取消
 * ends a guarantee for good, so its approval must carry the approver's explicit confirmation.
 * @throws DomainError not_found | forbidden | validation_failed (取消 not confirmed) | conflict | any publication error
 */
export async function approveApplication(
  ctx: ServiceContext,
  actor: Actor,
  id: string,
  options: { confirmedCancellation?: boolean } = {},
): Promise<ApplicationResult> {
  requireRole(actor, 'approver');
  const draft = await getDraft(ctx, id);
  if (draft.kind === 'cancellation' && options.confirmedCancellation !== true) {
    throw new DomainError('validation_failed', CANCELLATION_UNCONFIRMED, {
      issues: [{ path: 'confirmCancellation', message: CANCELLATION_UNCONFIRMED }],
    });
  }
  return isRequestKind(draft.kind) ? approveRequest(ctx, actor, draft) : approveDraft(ctx, actor, id);
}

async function approveRequest(ctx: ServiceContext, actor: Actor, draft: StaffDraftTable): Promise<ApplicationResult> {
  requireRole(actor, 'approver');
  if (draft.drafted_by === actor.id) {
    throw new DomainError('forbidden', '自分が申請した変更は承認できません（別の承認者が承認してください）');
  }
  const fresh = draft.kind === 'reissue_key' ? await newAuthKey(ctx) : null;
  return writeTransaction(ctx.db, async (tx) => {
    const at = ctx.clock().toISOString();
    let result: ApplicationResult;
    if (draft.kind === 'obligee') {
      const body = JSON.parse(draft.body) as ObligeeRequestBody;
      // Locked before the comparison, so an issuer API write cannot land between the check and this write.
      await lockObligee(tx, body.obligeeId);
      const current = await findObligee(tx, body.obligeeId);
      // The approver saw 変更前 as it was at the request: if it moved since, that comparison no longer holds.
      if (!unchangedSince(current, body.base)) {
        throw new DomainError(
          'conflict',
          '申請のあとで発注者の登録内容が変更されたため、この申請は適用できません。差し戻して、最新の内容で申請し直してください',
        );
      }
      await writeObligee(tx, ctx, actor, body.obligeeId, {
        name: body.name,
        ...(body.title ? { title: body.title } : {}),
        rules: body.rules,
        ...(body.checks ? { checks: body.checks } : {}),
      });
      result = { kind: 'obligee', obligeeId: body.obligeeId };
    } else {
      const { reason } = JSON.parse(draft.body) as ReissueRequestBody;
      await replaceAuthKey(
        tx,
        ctx,
        actor,
        draft.contract_number as string,
        fresh as { authKey: string; jwe: string },
        reason,
      );
      result = { kind: 'reissue_key', contractNumber: draft.contract_number as string };
    }
    const { kind: _kind, ...summary } = result;
    const moved = await transitionDraft(tx, draft.id, 'pending', {
      status: 'applied',
      decided_by: actor.id,
      decided_at: at,
      result: JSON.stringify(summary),
      error: null,
    });
    if (!moved) throw new DomainError('conflict', 'この申請はすでに処理されています');
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'draft.approve',
      contract_number: draft.contract_number,
      detail: JSON.stringify({
        id: draft.id,
        kind: draft.kind,
        draftedBy: draft.drafted_by,
        ...summary,
        ...(draft.kind === 'reissue_key' ? { reason: (JSON.parse(draft.body) as ReissueRequestBody).reason } : {}),
      }),
    });
    return result;
  });
}

/**
 * The author takes a pending request or application back.
 * @throws DomainError not_found | forbidden | conflict
 */
export async function withdrawApplication(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  const draft = await getDraft(ctx, id);
  if (!isRequestKind(draft.kind)) return withdrawDraft(ctx, actor, id);
  if (actor.type !== 'staff' || draft.drafted_by !== actor.id) {
    throw new DomainError('forbidden', '他の担当者の申請は取り下げられません');
  }
  await writeTransaction(ctx.db, async (tx) => {
    const at = ctx.clock().toISOString();
    const moved = await transitionDraft(tx, id, 'pending', {
      status: 'withdrawn',
      decided_by: actor.id,
      decided_at: at,
    });
    if (!moved) throw new DomainError('conflict', 'この申請はすでに処理されています');
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'draft.withdraw',
      contract_number: draft.contract_number,
      detail: JSON.stringify({ id, kind: draft.kind, draftedBy: draft.drafted_by }),
    });
  });
}

/** What the approval screen shows of a request. */
export type RequestView =
  | {
      kind: 'obligee';
      obligeeId: string;
      before: ObligeeSnapshot | null;
      after: { name: string; title: string | null; rules: ObligeeRule[]; checks: PlausibilityChecks | null };
      /** The obligee changed after the request: approving would be refused. */
      stale: boolean;
    }
  | { kind: 'reissue_key'; contractNumber: string; reason: string | null };

/** @throws DomainError not_found */
export async function requestView(ctx: ServiceContext, draft: StaffDraftTable): Promise<RequestView> {
  if (draft.kind === 'obligee') {
    const body = JSON.parse(draft.body) as ObligeeRequestBody;
    const current = await findObligee(ctx.db, body.obligeeId);
    return {
      kind: 'obligee',
      obligeeId: body.obligeeId,
      before: body.base,
      after: { name: body.name, title: body.title, rules: body.rules, checks: body.checks ?? null },
      stale: draft.status === 'pending' && !unchangedSince(current, body.base),
    };
  }
  const body = JSON.parse(draft.body) as ReissueRequestBody;
  return { kind: 'reissue_key', contractNumber: draft.contract_number as string, reason: body.reason };
}

/** Obligee ids with a change waiting for approval, and the request to open for each. */
export async function pendingObligeeRequests(ctx: ServiceContext): Promise<Map<string, string>> {
  const waiting = await pendingDraftsOfKind(ctx.db, 'obligee');
  return new Map(waiting.map((d) => [(JSON.parse(d.body) as ObligeeRequestBody).obligeeId, d.id]));
}
