// Use case: staff lift a verification pause (DESIGN §7) for a caller — an officer or contractor who mistyped the key
// too often and phones the surety company. By client address (its per-client counter and every (number, client)
// pair of that client) or by contract number (every client's pair counter for that number). Administrators and
// clerks (the ones such a call reaches); audited in the same transaction. The limits themselves stay as configured.
import { isIP } from 'node:net';
import { writeTransaction } from '../../../db/connection.js';
import { normalizeContractNumber } from '../../domain/identifiers.js';
import { DomainError } from '../../errors.js';
import { deleteCounters, listCounterBuckets } from '../../repositories/activity.js';
import { insertAudit } from '../../repositories/audit-log.js';
import { clientKey } from '../../security/client-address.js';
import type { Actor, ServiceContext } from '../context.js';
import { requireRole } from './require-role.js';

export const LIFT_ROLES = ['admin', 'clerk'] as const;

export interface LiftInput {
  /** An IPv4 or IPv6 address as the caller reads it (an IPv6 address lifts its whole /64). */
  client?: string | undefined;
  contractNumber?: string | undefined;
}

/**
 * Lifts the pauses named; returns how many counters were removed (0: nothing was paused there).
 * @throws DomainError forbidden — not an administrator or clerk; validation_failed — neither or a malformed input
 */
export async function liftPause(ctx: ServiceContext, actor: Actor, input: LiftInput): Promise<{ lifted: number }> {
  requireRole(actor, LIFT_ROLES);
  const address = input.client?.trim() ?? '';
  const numberInput = input.contractNumber?.trim() ?? '';
  if (!address && !numberInput) {
    throw new DomainError('validation_failed', '接続元のアドレスまたは保証契約番号を入力してください');
  }
  if (address && (isIP(address) === 0 || address.length > 64)) {
    throw new DomainError('validation_failed', '接続元のアドレスは IPv4 または IPv6 のアドレスで入力してください');
  }
  const number = numberInput ? normalizeContractNumber(numberInput.slice(0, 32)) : null;
  if (numberInput && !number) {
    throw new DomainError('validation_failed', '保証契約番号は 12345-123456 の形で入力してください');
  }
  const client = address ? clientKey(address) : null;
  const at = ctx.clock().toISOString();
  return writeTransaction(ctx.db, async (tx) => {
    // Exact matches only: bucket names are c:<client> and p:<number>|<client> (security/throttle.ts).
    const candidates = await listCounterBuckets(tx, [
      ...(client ? [`c:${client}`, `p:%|${client}`] : []),
      ...(number ? [`p:${number}|%`] : []),
    ]);
    // Both given: that client's own counter and its pair with that number; one given: everything of it.
    const buckets = candidates.filter((b) => {
      if (b.startsWith('c:')) return b.slice(2) === client;
      const [pairNumber, pairClient] = b.slice(2).split('|');
      if (client !== null && number !== null) return pairClient === client && pairNumber === number;
      return pairClient === client || pairNumber === number;
    });
    await deleteCounters(tx, buckets);
    await insertAudit(tx, {
      at,
      actor_type: 'staff',
      actor_id: actor.id,
      action: 'throttle.lift',
      contract_number: number,
      detail: JSON.stringify({ email: actor.email, client, contractNumber: number, lifted: buckets.length }),
    });
    return { lifted: buckets.length };
  });
}
