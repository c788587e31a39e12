// Use cases reading the audit log for staff: the 監査ログ search (each row with the names its ids stand for), and the
// dashboard's recent publications.
import { historyNumbers, type VersionEvent } from '../../domain/history.js';
import { obligeeNames, staffEmails, tokenNames, versionEvents } from '../../repositories/audit-names.js';
import { searchAudit, type AuditSearch } from '../../repositories/staff.js';
import type { Actor, ServiceContext } from '../context.js';
import { requireRole } from './require-role.js';

export type { AuditSearch };

const AUDIT_PAGE_SIZE = 50;

/** The names the ids of one page of audit rows stand for; an id not found here is shown as it is. */
export interface AuditNames {
  /** Staff account id → e-mail (the name staff know each other by in the portal). */
  staff: Record<string, string>;
  /** API token id → its label. */
  tokens: Record<string, string>;
  /** Obligee id → name. */
  obligees: Record<string, string>;
  /** Contract number → seq → the officers' No. (null: a 変更取消 record). */
  numbers: Record<string, Record<number, number | null>>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Detail members that hold an obligee id. */
export const OBLIGEE_KEYS: ReadonlySet<string> = new Set(['obligee', 'obligeeId']);
/** Detail members that name a version of the row's guarantee by seq. */
export const SEQ_KEYS: ReadonlySet<string> = new Set(['seq', 'target']);

export const parseDetail = (detail: string): Record<string, unknown> | null => {
  try {
    const value: unknown = JSON.parse(detail);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
};

async function namesFor(
  ctx: ServiceContext,
  rows: { actor_type: string; actor_id: string; action: string; contract_number: string | null; detail: string }[],
): Promise<AuditNames> {
  const ids = new Set<string>();
  const obligees = new Set<string>();
  const numbers = new Set<string>();
  for (const r of rows) {
    if (r.actor_type === 'staff' || r.actor_type === 'api_token') ids.add(r.actor_id);
    const detail = parseDetail(r.detail) ?? {};
    for (const [key, value] of Object.entries(detail)) {
      if (typeof value === 'string' && UUID.test(value)) ids.add(value);
      if (typeof value === 'string' && (OBLIGEE_KEYS.has(key) || (key === 'id' && r.action.startsWith('obligee.'))))
        obligees.add(value);
      if (SEQ_KEYS.has(key) && typeof value === 'number' && r.contract_number) numbers.add(r.contract_number);
    }
  }
  const [staff, tokens, obligeeMap, versions] = await Promise.all([
    staffEmails(ctx.db, [...ids]),
    tokenNames(ctx.db, [...ids]),
    obligeeNames(ctx.db, [...obligees]),
    versionEvents(ctx.db, [...numbers]),
  ]);
  const byNumber = new Map<string, { seq: number; event: VersionEvent; target: number | null }[]>();
  for (const v of versions) {
    const list = byNumber.get(v.contract_number) ?? [];
    list.push({ seq: v.seq, event: v.event as VersionEvent, target: v.target });
    byNumber.set(v.contract_number, list);
  }
  return {
    staff: Object.fromEntries(staff),
    tokens: Object.fromEntries(tokens),
    obligees: Object.fromEntries(obligeeMap),
    numbers: Object.fromEntries([...byNumber].map(([n, list]) => [n, Object.fromEntries(historyNumbers(list))])),
  };
}

/** @throws DomainError forbidden */
export async function auditLog(ctx: ServiceContext, actor: Actor, filters: AuditSearch, page: number) {
  requireRole(actor, ['admin', 'approver']);
  const { rows, total } = await searchAudit(ctx.db, filters, (page - 1) * AUDIT_PAGE_SIZE, AUDIT_PAGE_SIZE);
  const names = await namesFor(ctx, rows);
  return { rows, names, total, page, pages: Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE)) };
}

/** The dashboard's recent publications (新規 and every later version), newest first. */
export async function recentPublications(ctx: ServiceContext) {
  const { rows } = await searchAudit(ctx.db, { action: 'surety.' }, 0, 40);
  return rows
    .filter((r) => r.action !== 'surety.view_key' && r.action !== 'surety.reissue_key')
    .slice(0, 10)
    .map((r) => ({ at: r.at, contractNumber: r.contract_number, action: r.action }));
}
