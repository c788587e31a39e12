// The contractor's mails that no new version causes: a reissued key (with a single-use link to the new notice) and
// a changed contact address. Written into the caller's transaction, from verified payloads only, never the key.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { queueMail } from '../mail/outbox.js';
import { contactChangedMail, factsOf, keyReissuedMail, type GuaranteeFacts } from '../mail/templates.js';
import type { ServiceContext } from './context.js';
import { loadSuretyState } from './surety-state.js';

/** What the mails may say about the guarantee, or null when its stored chain does not verify. */
async function verifiedFacts(
  ctx: ServiceContext,
  tx: Kysely<Database>,
  contractNumber: string,
): Promise<GuaranteeFacts | null> {
  const loaded = await loadSuretyState(ctx, contractNumber, tx);
  return loaded.kind === 'ok' ? factsOf(loaded.state.current.certificate) : null;
}

/**
 * Queues 認証キー再発行のお知らせ to the contractor; call inside the transaction that stored the new key, with that
 * key's HMAC, so the link opens the notice of this key only (and stops working if the key is reissued again).
 * @returns false when the chain does not verify: no mail is written from unverified data (the reissue itself
 *   still stands — a key that leaked must stop working whatever else is wrong)
 */
export async function queueKeyReissuedMail(
  ctx: ServiceContext,
  tx: Kysely<Database>,
  input: { contractNumber: string; recipient: string; authKeyHmac: string; reissuedAt: string },
): Promise<boolean> {
  const facts = await verifiedFacts(ctx, tx, input.contractNumber);
  if (!facts) return false;
  await queueMail(tx, ctx, {
    kind: 'key_reissued',
    contractNumber: input.contractNumber,
    recipient: input.recipient,
    doc: keyReissuedMail(facts, input.reissuedAt, ctx.config.issuerName, ctx.config.publicUrl),
    notice: { contractNumber: input.contractNumber, authKeyHmac: input.authKeyHmac },
  });
  return true;
}

/**
 * Queues the contact-change mails: to the new address and to the old one (either may be absent).
 * @returns false when the chain does not verify (nothing queued)
 */
export async function queueContactChangedMails(
  ctx: ServiceContext,
  tx: Kysely<Database>,
  input: { contractNumber: string; from: string | null; to: string | null; changedAt: string },
): Promise<boolean> {
  const facts = await verifiedFacts(ctx, tx, input.contractNumber);
  if (!facts) return false;
  for (const [recipient, side] of [
    [input.to, 'new'],
    [input.from, 'old'],
  ] as const) {
    if (!recipient) continue;
    await queueMail(tx, ctx, {
      kind: 'contact_changed',
      contractNumber: input.contractNumber,
      recipient,
      doc: contactChangedMail(facts, side, input.changedAt, ctx.config.issuerName),
    });
  }
  return true;
}
