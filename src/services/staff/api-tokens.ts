// Use cases behind the staff API token screen: the list and revocation (issuing is services/api-tokens.ts, shared
// with the command line).
import { writeTransaction } from '../../../db/connection.js';
import { DomainError } from '../../errors.js';
import { insertAudit } from '../../repositories/audit-log.js';
import { listApiTokens, revokeApiToken } from '../../repositories/staff.js';
import type { Actor, ServiceContext } from '../context.js';
import { requireRole } from './require-role.js';

/** @throws DomainError forbidden */
export async function listTokens(ctx: ServiceContext, actor: Actor) {
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
