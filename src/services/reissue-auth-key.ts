// Use case: the issuer reissues a guarantee's authentication key; the old key stops working at once.
import { writeTransaction } from '../../db/connection.js';
import { generateAuthKey } from '../domain/identifiers.js';
import { DomainError } from '../errors.js';
import { insertAudit } from '../repositories/audit-log.js';
import { findSuretyForUpdate, updateSurety } from '../repositories/sureties.js';
import type { Actor, ServiceContext } from './context.js';

/** @throws DomainError not_found */
export async function reissueAuthKey(
  ctx: ServiceContext,
  actor: Actor,
  contractNumber: string,
): Promise<{ authKey: string }> {
  const authKey = generateAuthKey();
  const jwe = await ctx.vault.encrypt(authKey);
  return writeTransaction(ctx.db, async (tx) => {
    const surety = await findSuretyForUpdate(tx, contractNumber);
    if (!surety) throw new DomainError('not_found', `保証契約番号 ${contractNumber} の保証は登録されていません`);
    const at = ctx.clock().toISOString();
    await updateSurety(tx, contractNumber, {
      auth_key_hmac: ctx.vault.hmac(contractNumber, authKey),
      auth_key_jwe: jwe,
      updated_at: at,
    });
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'surety.reissue_key',
      contract_number: contractNumber,
      detail: '{}',
    });
    return { authKey };
  });
}
