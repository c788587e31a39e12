// Use case: show a surety's current authentication key to a clerk or approver who asked for it; the viewing is audited
// and counted against the display cap of key-view-limit.ts.
import { writeTransaction } from '../../../db/connection.js';
import { DomainError } from '../../errors.js';
import { insertAudit } from '../../repositories/audit-log.js';
import { findSurety } from '../../repositories/sureties.js';
import type { Actor, ServiceContext } from '../context.js';
import { consumeKeyView } from './key-view-limit.js';
import { requireRole } from './require-role.js';

/**
 * The current key, decrypted for a staff member who asked for it; the viewing itself is audited.
 * @throws DomainError forbidden | not_found | throttled (the actor's hourly display cap, key-view-limit.ts)
 */
export async function revealAuthKey(ctx: ServiceContext, actor: Actor, contractNumber: string): Promise<string> {
  requireRole(actor, ['clerk', 'approver']);
  const surety = await findSurety(ctx.db, contractNumber);
  if (!surety) throw new DomainError('not_found', `保証契約番号 ${contractNumber} の保証は登録されていません`);
  await writeTransaction(ctx.db, async (tx) => {
    await consumeKeyView(tx, ctx, actor, contractNumber);
    await insertAudit(tx, {
      at: ctx.clock().toISOString(),
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'surety.view_key',
      contract_number: contractNumber,
      detail: '{}',
    });
  });
  return ctx.vault.decrypt(surety.auth_key_jwe);
}
