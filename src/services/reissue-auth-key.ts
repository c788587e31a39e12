// Use case: the issuer reissues a guarantee's authentication key; the old key stops working at once, and the
// contractor (when its address is known) is mailed a single-use link to the new notice in the same transaction, and
// everything obtained with the old key ends with it: mail subscriptions here, viewer grants through their key tag.
import type { Kysely } from 'kysely';
import { writeTransaction } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { generateAuthKey } from '../domain/identifiers.js';
import { DomainError } from '../errors.js';
import { insertAudit } from '../repositories/audit-log.js';
import { findSuretyForUpdate, updateSurety } from '../repositories/sureties.js';
import type { Actor, ServiceContext } from './context.js';
import { queueKeyReissuedMail } from './contractor-mails.js';
import { endSubscriptionsForReissue } from './subscriptions.js';
import { recordKeyReissued } from './watch-feed.js';

/** @throws DomainError not_found */
export async function reissueAuthKey(
  ctx: ServiceContext,
  actor: Actor,
  contractNumber: string,
): Promise<{ authKey: string }> {
  const fresh = await newAuthKey(ctx);
  return writeTransaction(ctx.db, async (tx) => {
    await replaceAuthKey(tx, ctx, actor, contractNumber, fresh);
    return { authKey: fresh.authKey };
  });
}

/** A new key and its encrypted copy (encrypted before the write transaction, which then only writes). */
export async function newAuthKey(ctx: ServiceContext): Promise<{ authKey: string; jwe: string }> {
  const authKey = generateAuthKey();
  return { authKey, jwe: await ctx.vault.encrypt(authKey) };
}

/**
 * Stores a new key with its audit row inside the caller's write transaction (the staff portal's four-eyes approval
 * applies a reissue request this way, together with the approval's own audit row).
 * @throws DomainError not_found
 */
export async function replaceAuthKey(
  tx: Kysely<Database>,
  ctx: ServiceContext,
  actor: Actor,
  contractNumber: string,
  fresh: { authKey: string; jwe: string },
  /** Why staff reissued it (the portal requires one); kept in the audit row. */
  reason: string | null = null,
): Promise<void> {
  const surety = await findSuretyForUpdate(tx, contractNumber);
  if (!surety) throw new DomainError('not_found', `保証契約番号 ${contractNumber} の保証は登録されていません`);
  const at = ctx.clock().toISOString();
  const authKeyHmac = ctx.vault.hmac(contractNumber, fresh.authKey);
  await updateSurety(tx, contractNumber, {
    auth_key_hmac: authKeyHmac,
    auth_key_jwe: fresh.jwe,
    updated_at: at,
  });
  await recordKeyReissued(tx, ctx, contractNumber, surety.guarantee_end);
  // The contractor learns of the reissue in the same transaction: a single-use link to the new notice, never the key.
  const mailed = surety.contractor_email
    ? await queueKeyReissuedMail(ctx, tx, {
        contractNumber,
        recipient: surety.contractor_email,
        authKeyHmac,
        reissuedAt: at,
      })
    : false;
  // Subscriptions were made with the old key: they end here (viewer grants end by themselves, see viewer-access.ts).
  const subscriptionsEnded = await endSubscriptionsForReissue(tx, ctx, contractNumber, at);
  await insertAudit(tx, {
    at,
    actor_type: actor.type,
    actor_id: actor.id,
    action: 'surety.reissue_key',
    contract_number: contractNumber,
    detail: JSON.stringify({ contractorMailed: mailed, subscriptionsEnded, ...(reason ? { reason } : {}) }),
  });
}
