// Use cases: an officer subscribes an address to a guarantee's alerts (double opt-in), confirms it through the mailed
// link, and unsubscribes with one click. Addresses serve this purpose only: unconfirmed ones are purged after 7
// days, unsubscribed ones at once, and all of a guarantee's when it is cancelled or its key is reissued.
import { createHmac, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { writeTransaction } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { linkSignerFor } from '../mail/links.js';
import { queueMail } from '../mail/outbox.js';
import { factsOf, subscriptionConfirmMail, subscriptionEndedMail } from '../mail/templates.js';
import { insertAudit } from '../repositories/audit-log.js';
import { forgetSubscriptionMail } from '../repositories/outbox.js';
import {
  activateSubscription,
  countSubscriptions,
  deleteSubscription,
  findSubscription,
  findSubscriptionByAddress,
  insertSubscription,
  listSubscriptionsOf,
  updateSubscription,
} from '../repositories/follow-up.js';
import { consumeBudgets } from './budgets.js';
import type { ServiceContext } from './context.js';
import { loadSuretyState } from './surety-state.js';

/** Enough for every officer of one obligee; more is more likely abuse of the form than a real need. */
export const MAX_SUBSCRIPTIONS = 20;
/** A repeated request for the same pending address re-sends the confirmation at most this often. */
const RESEND_AFTER_MS = 10 * 60_000;

const emailSchema = z
  .string()
  .transform((s) => s.normalize('NFKC').trim().toLowerCase())
  .pipe(z.email().max(254));

export type SubscribeOutcome = 'sent' | 'already_active' | 'invalid' | 'limit' | 'busy' | 'closed';

/**
 * The per-address budget's bucket: a keyed digest, so the throttle table holds no address (and no guessable hash of
 * one) for the day it keeps the counter.
 */
function addressBucket(ctx: ServiceContext, email: string): string {
  const tag = createHmac('sha256', Buffer.from(ctx.cookieSecret, 'base64url'))
    .update(`subscription-address:${email}`)
    .digest('base64url')
    .slice(0, 22);
  return `sub:a:${tag}`;
}

/**
 * Ends every subscription of a guarantee inside the caller's (key reissue) transaction: whoever subscribed with the
 * old key must not keep receiving the versions published for the new one. Confirmed subscribers get one mail saying
 * so, without content; unconfirmed addresses hear nothing more; mail still waiting for any of them is dropped.
 * Returns how many subscriptions ended.
 */
export async function endSubscriptionsForReissue(
  tx: Kysely<Database>,
  ctx: ServiceContext,
  contractNumber: string,
  reissuedAt: string,
): Promise<number> {
  const subs = await listSubscriptionsOf(tx, contractNumber);
  for (const sub of subs) {
    await forgetSubscriptionMail(tx, sub.id);
    await deleteSubscription(tx, sub.id);
    if (sub.state !== 'active') continue;
    // Linked to the ended subscription only so that housekeeping scrubs the address once the mail is sent.
    await queueMail(tx, ctx, {
      kind: 'subscription_ended',
      contractNumber,
      recipient: sub.email,
      doc: subscriptionEndedMail(contractNumber, reissuedAt, ctx.config.publicUrl),
      subscriptionId: sub.id,
    });
  }
  return subs.length;
}

/** Asks for alerts to an address; the address hears nothing but the confirmation mail until it confirms. */
export async function requestSubscription(
  ctx: ServiceContext,
  input: { contractNumber: string; email: string; client: string },
): Promise<SubscribeOutcome> {
  const parsed = emailSchema.safeParse(input.email.slice(0, 300));
  if (!parsed.success) return 'invalid';
  const email = parsed.data;
  return writeTransaction(ctx.db, async (tx): Promise<SubscribeOutcome> => {
    const loaded = await loadSuretyState(ctx, input.contractNumber, tx);
    if (loaded.kind !== 'ok') return 'closed';
    if (loaded.state.status === 'cancelled') return 'closed';
    const now = ctx.clock();
    const at = now.toISOString();
    const existing = await findSubscriptionByAddress(tx, input.contractNumber, email);
    if (existing?.state === 'active') return 'already_active';
    if (existing && now.getTime() - new Date(existing.confirm_sent_at).getTime() < RESEND_AFTER_MS) return 'sent';
    if (!existing && (await countSubscriptions(tx, input.contractNumber)) >= MAX_SUBSCRIPTIONS) return 'limit';
    // Every confirmation mail, first or repeated, spends from the address's budget (whatever the certificate) and
    // the certificate's (whatever the address): the form cannot be turned into a way to flood somebody's mailbox.
    const { limits } = ctx.config;
    const spent = await consumeBudgets(tx, now.getTime(), [
      { name: 'address', bucket: addressBucket(ctx, email), budget: limits.subscriptionMailsPerAddress },
      {
        name: 'certificate',
        bucket: `sub:n:${input.contractNumber}`,
        budget: limits.subscriptionMailsPerCertificate,
      },
    ]);
    if (!spent.ok) return 'busy';

    const id = existing?.id ?? randomUUID();
    if (existing) {
      await updateSubscription(tx, id, { confirm_sent_at: at });
    } else {
      await insertSubscription(tx, {
        id,
        contract_number: input.contractNumber,
        email,
        state: 'pending',
        created_at: at,
        confirm_sent_at: at,
        confirmed_at: null,
        guarantee_end: loaded.state.current.certificate.guaranteePeriod.to,
        reminded_for: null,
      });
    }
    await queueMail(tx, ctx, {
      kind: 'subscription_confirm',
      contractNumber: input.contractNumber,
      recipient: email,
      doc: subscriptionConfirmMail(factsOf(loaded.state.current.certificate)),
      confirm: { subscriptionId: id },
    });
    // The audit row names the subscription, not the address: the address is deleted with it.
    await insertAudit(tx, {
      at,
      actor_type: 'officer',
      actor_id: `client:${input.client}`,
      action: existing ? 'subscription.resend' : 'subscription.request',
      contract_number: input.contractNumber,
      detail: JSON.stringify({ subscription: id }),
    });
    return 'sent';
  });
}

export interface SubscriptionTarget {
  contractNumber: string;
  worksName: string;
  obligeeName: string;
}

export type SubscriptionLinkResult =
  { status: 'ok' | 'done'; target: SubscriptionTarget; expiresAt: Date } | { status: 'gone' | 'expired' | 'invalid' };

async function targetOf(ctx: ServiceContext, contractNumber: string): Promise<SubscriptionTarget> {
  const loaded = await loadSuretyState(ctx, contractNumber);
  const c = loaded.kind === 'ok' ? loaded.state.current.certificate : null;
  return { contractNumber, worksName: c?.works.name ?? '', obligeeName: c?.obligee.name ?? '' };
}

/**
 * Checks a confirmation or unsubscribe link without changing anything (the page a mail link opens; mail scanners
 * that fetch links must not confirm or unsubscribe anybody). `done`: already confirmed.
 */
export async function inspectSubscriptionLink(
  ctx: ServiceContext,
  token: string,
  purpose: 'confirm' | 'unsubscribe',
): Promise<SubscriptionLinkResult> {
  const check = await linkSignerFor(ctx).verify(token, purpose, ctx.clock());
  if (!check.ok) return { status: check.reason };
  const sub = await findSubscription(ctx.db, check.claims.sub);
  if (!sub) return { status: 'gone' };
  const done = purpose === 'confirm' && sub.state === 'active';
  return { status: done ? 'done' : 'ok', target: await targetOf(ctx, sub.contract_number), expiresAt: check.expiresAt };
}

/** Confirms the address (double opt-in). Confirming twice is harmless and says so. */
export async function confirmSubscription(ctx: ServiceContext, token: string): Promise<SubscriptionLinkResult> {
  const check = await linkSignerFor(ctx).verify(token, 'confirm', ctx.clock());
  if (!check.ok) return { status: check.reason };
  const id = check.claims.sub;
  const result = await writeTransaction(ctx.db, async (tx) => {
    const sub = await findSubscription(tx, id);
    if (!sub) return null;
    const at = ctx.clock().toISOString();
    if (await activateSubscription(tx, id, at)) {
      await insertAudit(tx, {
        at,
        actor_type: 'subscriber',
        actor_id: id,
        action: 'subscription.confirm',
        contract_number: sub.contract_number,
        detail: JSON.stringify({ subscription: id }),
      });
      return { sub, changed: true };
    }
    return { sub, changed: false };
  });
  if (!result) return { status: 'gone' };
  return {
    status: result.changed ? 'ok' : 'done',
    target: await targetOf(ctx, result.sub.contract_number),
    expiresAt: check.expiresAt,
  };
}

/** Removes the subscription, its waiting mail and its address. Unsubscribing twice is harmless (`gone`). */
export async function unsubscribe(ctx: ServiceContext, token: string): Promise<SubscriptionLinkResult> {
  const check = await linkSignerFor(ctx).verify(token, 'unsubscribe', ctx.clock());
  if (!check.ok) return { status: check.reason };
  const id = check.claims.sub;
  const removed = await writeTransaction(ctx.db, async (tx) => {
    const sub = await findSubscription(tx, id);
    if (!sub || !(await deleteSubscription(tx, id))) return null;
    await forgetSubscriptionMail(tx, id);
    await insertAudit(tx, {
      at: ctx.clock().toISOString(),
      actor_type: 'subscriber',
      actor_id: id,
      action: 'subscription.unsubscribe',
      contract_number: sub.contract_number,
      detail: JSON.stringify({ subscription: id }),
    });
    return sub;
  });
  if (!removed) return { status: 'gone' };
  return { status: 'ok', target: await targetOf(ctx, removed.contract_number), expiresAt: check.expiresAt };
}
