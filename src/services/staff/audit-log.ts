// Use cases reading the audit log for staff: the 監査ログ search, and the dashboard's recent publications.
import { searchAudit, type AuditSearch } from '../../repositories/staff.js';
import type { Actor, ServiceContext } from '../context.js';
import { requireRole } from './require-role.js';

export type { AuditSearch };

const AUDIT_PAGE_SIZE = 50;

/** @throws DomainError forbidden */
export async function auditLog(ctx: ServiceContext, actor: Actor, filters: AuditSearch, page: number) {
  requireRole(actor, ['admin', 'approver']);
  const { rows, total } = await searchAudit(ctx.db, filters, (page - 1) * AUDIT_PAGE_SIZE, AUDIT_PAGE_SIZE);
  return { rows, total, page, pages: Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE)) };
}

/** The dashboard's recent publications (新規 and every later version), newest first. */
export async function recentPublications(ctx: ServiceContext) {
  const { rows } = await searchAudit(ctx.db, { action: 'surety.' }, 0, 40);
  return rows
    .filter((r) => r.action !== 'surety.view_key' && r.action !== 'surety.reissue_key')
    .slice(0, 10)
    .map((r) => ({ at: r.at, contractNumber: r.contract_number, action: r.action }));
}
