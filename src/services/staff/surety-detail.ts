// Use case: 電子保証概要 — one surety with every version, why each hidden one is hidden, and what each changed.
import { diffCertificates, type FieldChange } from '../../domain/diff.js';
import { allowedEvents, historyNumbers } from '../../domain/history.js';
import type { ContractorContact } from '../../domain/requests.js';
import { findSurety } from '../../repositories/sureties.js';
import type { ServiceContext } from '../context.js';
import { getSurety } from '../get-surety.js';
import type { SuretyState, VersionView } from '../surety-state.js';
import { recentDrafts } from './drafts.js';

/** Hidden by a later version: `by` is its internal sequence, `byNo` its No. (null for a 変更取消 record). */
export type HiddenReason =
  { kind: 'corrected' | 'change_cancelled'; by: number; byNo: number | null } | { kind: 'cancellation_record' };

export interface VersionDetail {
  version: VersionView;
  /** The No. officers see (or saw) for this version; null for a 変更取消 record (src/domain/history.ts). */
  no: number | null;
  hiddenBecause: HiddenReason | null;
  changes: FieldChange[];
}

export interface SuretyDetail {
  state: SuretyState;
  versions: VersionDetail[];
  allowed: ReturnType<typeof allowedEvents>;
  contractorEmail: string | null;
  /** The contractor's contact for staff (never signed, never shown to officers). */
  contractorContact: ContractorContact | null;
}

/**
 * 電子保証概要: every version, hidden ones with why, and what each one changed against the version before it.
 * @throws DomainError not_found | tampered (through getSurety)
 */
export async function suretyDetail(ctx: ServiceContext, contractNumber: string): Promise<SuretyDetail> {
  const state = await getSurety(ctx, contractNumber);
  const numbers = historyNumbers(state.versions);
  const versions = state.versions.map((v, i): VersionDetail => {
    let hiddenBecause: HiddenReason | null = null;
    if (v.event === 'change_cancellation') hiddenBecause = { kind: 'cancellation_record' };
    else if (v.hidden) {
      const by = state.versions.find(
        (x) => (x.event === 'correction' || x.event === 'change_cancellation') && x.target === v.seq,
      );
      if (by)
        hiddenBecause = {
          kind: by.event === 'correction' ? 'corrected' : 'change_cancelled',
          by: by.seq,
          byNo: numbers.get(by.seq) ?? null,
        };
    }
    const previous = i > 0 ? (state.versions[i - 1] as VersionView).certificate : null;
    return {
      version: v,
      no: numbers.get(v.seq) ?? null,
      hiddenBecause,
      changes: diffCertificates(previous, v.certificate),
    };
  });
  const row = await findSurety(ctx.db, contractNumber);
  return {
    state,
    versions,
    allowed: allowedEvents(state.versions),
    contractorEmail: row?.contractor_email ?? null,
    contractorContact: row?.contractor_contact ? (JSON.parse(row.contractor_contact) as ContractorContact) : null,
  };
}

/** The whole 電子保証概要 screen: the detail and the applications filed against this surety. */
export async function suretyScreen(ctx: ServiceContext, contractNumber: string) {
  return { detail: await suretyDetail(ctx, contractNumber), drafts: await recentDrafts(ctx, contractNumber) };
}
