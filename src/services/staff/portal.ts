// Use cases behind the staff screens that are not drafts: surety search (保証契約一覧), the detail with every version
// and its diff (電子保証概要), the key on demand, API tokens and the audit log. A key reissue is a four-eyes request
// (requests.ts), never applied directly from here.
import { writeTransaction } from '../../../db/connection.js';
import { diffCertificates, type FieldChange } from '../../domain/diff.js';
import { jstDate, jstDayEnd, jstDayStart } from '../../domain/format.js';
import { allowedEvents } from '../../domain/history.js';
import { DomainError } from '../../errors.js';
import { insertAudit } from '../../repositories/audit-log.js';
import { listObligees } from '../../repositories/obligees.js';
import { findSurety } from '../../repositories/sureties.js';
import {
  listApiTokens,
  revokeApiToken,
  searchAudit,
  searchSureties,
  type AuditSearch,
  type SuretySearch,
} from '../../repositories/staff.js';
import type { Actor, ServiceContext } from '../context.js';
import { getSurety } from '../get-surety.js';
import { loadSuretyState, type SuretyState, type VersionView } from '../surety-state.js';

type StaffRole = Extract<Actor, { type: 'staff' }>['role'];

function requireRole(actor: Actor, roles: readonly StaffRole[]): void {
  if (actor.type !== 'staff' || !roles.includes(actor.role)) {
    throw new DomainError('forbidden', 'この操作を行う権限がありません');
  }
}

export const PAGE_SIZE = 20;

export interface SuretyListFilters extends Omit<SuretySearch, 'status' | 'from' | 'to'> {
  status?: 'active' | 'expired' | 'cancelled' | undefined;
  /** Published on or after this JST calendar date (YYYY-MM-DD). */
  from?: string | undefined;
  /** Published on or before this JST calendar date (YYYY-MM-DD, inclusive). */
  to?: string | undefined;
}

export interface SuretyListRow {
  contractNumber: string;
  product: string;
  obligeeName: string;
  worksName: string;
  contractorName: string;
  contractAmount: number | null;
  status: string;
  createdAt: string;
}

/**
 * 保証契約一覧. Every filter is decided in SQL, so counts and pages are exact: status from the cancellation
 * versions and the `guarantee_end` lookup column against today in JST, the date range on JST day boundaries. The
 * rows shown are then rendered from the verified current version (a tampered row says so).
 */
export async function listSureties(
  ctx: ServiceContext,
  filters: SuretyListFilters,
  page: number,
): Promise<{ rows: SuretyListRow[]; total: number; page: number; pages: number }> {
  const { status, from, to, ...rest } = filters;
  const search: SuretySearch = {
    ...rest,
    ...(status ? { status: { is: status, today: jstDate(ctx.clock()) } } : {}),
    ...(from ? { from: jstDayStart(from) } : {}),
    ...(to ? { to: jstDayEnd(to) } : {}),
  };
  const { rows, total } = await searchSureties(ctx.db, search, (page - 1) * PAGE_SIZE, PAGE_SIZE);
  const out: SuretyListRow[] = [];
  for (const r of rows) {
    const loaded = await loadSuretyState(ctx, r.contract_number);
    const state = loaded.kind === 'ok' ? loaded.state : null;
    out.push({
      contractNumber: r.contract_number,
      product: r.product,
      obligeeName: r.obligee_title ?? r.obligee_name,
      worksName: state?.current.certificate.works.name ?? r.works_name,
      contractorName: state?.current.certificate.contractor.name ?? r.contractor_name,
      contractAmount: state?.current.certificate.contractAmount ?? null,
      status: state?.status ?? 'tampered',
      createdAt: r.created_at,
    });
  }
  return { rows: out, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
}

export type HiddenReason = { kind: 'corrected' | 'change_cancelled'; by: number } | { kind: 'cancellation_record' };

export interface VersionDetail {
  version: VersionView;
  hiddenBecause: HiddenReason | null;
  changes: FieldChange[];
}

export interface SuretyDetail {
  state: SuretyState;
  versions: VersionDetail[];
  allowed: ReturnType<typeof allowedEvents>;
  contractorEmail: string | null;
}

/** 電子保証概要: every version, hidden ones with why, and what each one changed against the version before it. */
export async function suretyDetail(ctx: ServiceContext, contractNumber: string): Promise<SuretyDetail> {
  const state = await getSurety(ctx, contractNumber);
  const versions = state.versions.map((v, i): VersionDetail => {
    let hiddenBecause: HiddenReason | null = null;
    if (v.event === 'change_cancellation') hiddenBecause = { kind: 'cancellation_record' };
    else if (v.hidden) {
      const by = state.versions.find(
        (x) => (x.event === 'correction' || x.event === 'change_cancellation') && x.target === v.seq,
      );
      if (by) hiddenBecause = { kind: by.event === 'correction' ? 'corrected' : 'change_cancelled', by: by.seq };
    }
    const previous = i > 0 ? (state.versions[i - 1] as VersionView).certificate : null;
    return { version: v, hiddenBecause, changes: diffCertificates(previous, v.certificate) };
  });
  const row = await findSurety(ctx.db, contractNumber);
  return { state, versions, allowed: allowedEvents(state.versions), contractorEmail: row?.contractor_email ?? null };
}

/**
 * The current key, decrypted for a staff member who asked for it; the viewing itself is audited.
 * @throws DomainError forbidden | not_found
 */
export async function revealAuthKey(ctx: ServiceContext, actor: Actor, contractNumber: string): Promise<string> {
  requireRole(actor, ['clerk', 'approver']);
  const surety = await findSurety(ctx.db, contractNumber);
  if (!surety) throw new DomainError('not_found', `保証契約番号 ${contractNumber} の保証は登録されていません`);
  await writeTransaction(ctx.db, (tx) =>
    insertAudit(tx, {
      at: ctx.clock().toISOString(),
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'surety.view_key',
      contract_number: contractNumber,
      detail: '{}',
    }),
  );
  return ctx.vault.decrypt(surety.auth_key_jwe);
}

export async function obligeeOptions(ctx: ServiceContext) {
  return (await listObligees(ctx.db)).map((o) => ({ id: o.id, name: o.name, title: o.title }));
}

export async function tokens(ctx: ServiceContext, actor: Actor) {
  requireRole(actor, ['admin']);
  return listApiTokens(ctx.db);
}

/** @throws DomainError forbidden | not_found (unknown or already revoked) */
export async function revokeToken(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  requireRole(actor, ['admin']);
  await writeTransaction(ctx.db, async (tx) => {
    const at = ctx.clock().toISOString();
    if (!(await revokeApiToken(tx, id, at)))
      throw new DomainError('not_found', 'このトークンは存在しないか、失効済みです');
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'token.revoke',
      contract_number: null,
      detail: JSON.stringify({ id }),
    });
  });
}

export async function auditLog(ctx: ServiceContext, actor: Actor, filters: AuditSearch, page: number) {
  requireRole(actor, ['admin', 'approver']);
  const { rows, total } = await searchAudit(ctx.db, filters, (page - 1) * 50, 50);
  return { rows, total, page, pages: Math.max(1, Math.ceil(total / 50)) };
}

/** The dashboard's recent publications (新規 and every later version), newest first. */
export async function recentPublications(ctx: ServiceContext) {
  const { rows } = await searchAudit(ctx.db, { action: 'surety.' }, 0, 40);
  return rows
    .filter((r) => r.action !== 'surety.view_key' && r.action !== 'surety.reissue_key')
    .slice(0, 10)
    .map((r) => ({ at: r.at, contractNumber: r.contract_number, action: r.action }));
}
