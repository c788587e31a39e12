// Use case: 保証契約一覧 — the staff search over every surety, with exact counts and pages.
import { jstDate, jstDayEnd, jstDayStart } from '../../domain/format.js';
import { listObligees } from '../../repositories/obligees.js';
import { searchSureties, type SuretySearch } from '../../repositories/staff.js';
import type { ServiceContext } from '../context.js';
import { loadSuretyState } from '../surety-state.js';

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

/** The search form's 発注者 choices: every registered obligee, accepting e-surety or not (old sureties stay findable). */
export async function obligeeOptions(ctx: ServiceContext) {
  return (await listObligees(ctx.db)).map((o) => ({ id: o.id, name: o.name, title: o.title }));
}

/** The whole 保証契約一覧 screen: one page of results and the filter's choices. */
export async function suretySearchScreen(ctx: ServiceContext, filters: SuretyListFilters, page: number) {
  return { obligees: await obligeeOptions(ctx), result: await listSureties(ctx, filters, page) };
}
