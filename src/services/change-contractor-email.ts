// Use case: the issuer changes (or removes) the contractor's mail address of a published guarantee. Address, audit
// row and the two notices (to the new address, and to the old one so an unasked change is noticed) are written in
// one transaction. The audit row keeps only short hashes of the addresses: the log is kept for good, the address
// itself only as long as the guarantee needs it.
import { createHash } from 'node:crypto';
import { writeTransaction } from '../../db/connection.js';
import { contractorEmailRequestSchema } from '../domain/requests.js';
import { DomainError } from '../errors.js';
import { insertAudit } from '../repositories/audit-log.js';
import { findSuretyForUpdate, updateSurety } from '../repositories/sureties.js';
import type { Actor, ServiceContext } from './context.js';
import { queueContactChangedMails } from './contractor-mails.js';
import { parseOrThrow } from './validation.js';

export interface ContractorEmailResult {
  contractNumber: string;
  contractorEmail: string | null;
  /** false when the address was already the one given (nothing written, nothing sent). */
  changed: boolean;
}

/** Enough to tell two audit rows' addresses apart, not enough to read them back. */
const addressTag = (address: string | null) =>
  address === null ? null : createHash('sha256').update(`contractor-email:${address}`).digest('base64url').slice(0, 12);

/** @throws DomainError validation_failed | not_found */
export async function changeContractorEmail(
  ctx: ServiceContext,
  actor: Actor,
  contractNumber: string,
  body: unknown,
): Promise<ContractorEmailResult> {
  const { contractorEmail } = parseOrThrow(contractorEmailRequestSchema, body);
  return writeTransaction(ctx.db, async (tx) => {
    const surety = await findSuretyForUpdate(tx, contractNumber);
    if (!surety) throw new DomainError('not_found', `保証契約番号 ${contractNumber} の保証は登録されていません`);
    const previous = surety.contractor_email;
    if (previous === contractorEmail) return { contractNumber, contractorEmail, changed: false };
    const at = ctx.clock().toISOString();
    await updateSurety(tx, contractNumber, { contractor_email: contractorEmail, updated_at: at });
    const mailed = await queueContactChangedMails(ctx, tx, {
      contractNumber,
      from: previous,
      to: contractorEmail,
      changedAt: at,
    });
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'surety.contractor_email',
      contract_number: contractNumber,
      detail: JSON.stringify({ from: addressTag(previous), to: addressTag(contractorEmail), mailed }),
    });
    return { contractNumber, contractorEmail, changed: true };
  });
}
