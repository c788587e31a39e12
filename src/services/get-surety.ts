// Use case: the issuer reads a guarantee with every version, hidden ones included (API GET …/sureties/{n}).
import type { ContractorContact } from '../domain/requests.js';
import { DomainError } from '../errors.js';
import { findSurety } from '../repositories/sureties.js';
import type { ServiceContext } from './context.js';
import { loadSuretyState, type SuretyState } from './surety-state.js';

/** @throws DomainError not_found | internal (the stored chain fails verification) */
export async function getSurety(ctx: ServiceContext, contractNumber: string): Promise<SuretyState> {
  const loaded = await loadSuretyState(ctx, contractNumber);
  if (loaded.kind === 'not_found')
    throw new DomainError('not_found', `保証契約番号 ${contractNumber} の保証は登録されていません`);
  if (loaded.kind === 'tampered') {
    throw new DomainError(
      'internal',
      `保証契約番号 ${contractNumber} の保存データの署名を検証できません（${loaded.problems[0]?.message}）`,
    );
  }
  return loaded.state;
}

/**
 * The contractor's contact kept beside the guarantee for staff (担当部署, 担当者名, 電話番号); null when none was given.
 * Never part of a signed version: only the issuer API and the staff portal read it.
 */
export async function getContractorContact(
  ctx: ServiceContext,
  contractNumber: string,
): Promise<ContractorContact | null> {
  const row = await findSurety(ctx.db, contractNumber);
  return row?.contractor_contact ? (JSON.parse(row.contractor_contact) as ContractorContact) : null;
}
