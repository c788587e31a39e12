// Use cases behind the staff API token screen: the list, a second administrator's approval of a token with a
// four-eyes scope, and revocation (issuing is services/api-tokens.ts, shared with the command line).
import { writeTransaction } from '../../../db/connection.js';
import { DomainError } from '../../errors.js';
import { insertAudit } from '../../repositories/audit-log.js';
import { approveApiToken, findApiToken } from '../../repositories/api-tokens.js';
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

/**
 * A different administrator approves a token that waits for it; from then on the token authenticates.
 * @throws DomainError forbidden (not an administrator, or the token's own maker) | not_found | conflict (not waiting)
 */
export async function approveToken(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  requireRole(actor, ['admin']);
  await writeTransaction(ctx.db, async (tx) => {
    const token = await findApiToken(tx, id);
    if (!token) throw new DomainError('not_found', 'このトークンは存在しません');
    if (token.created_by === actor.id) {
      throw new DomainError('forbidden', '自分が作成したトークンは承認できません（別の管理者が承認してください）');
    }
    const at = ctx.clock().toISOString();
    if (!(await approveApiToken(tx, id, actor.id, at))) {
      throw new DomainError('conflict', 'このトークンは承認待ちではありません（承認済みまたは失効済みです）');
    }
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'token.approve',
      contract_number: null,
      detail: JSON.stringify({ id, name: token.name, scopes: token.scopes, createdBy: token.created_by }),
    });
  });
}
