// The mails a new version causes, written into the publishing transaction: the contractor's 発行完了のお知らせ
// (with the single-use notice link) and the confirmed subscribers' alerts. Rendered from verified payloads only.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { changeKind } from '../domain/history.js';
import { queueMail } from '../mail/outbox.js';
import {
  contractorEventMail,
  factsOf,
  subscriberEventMail,
  type EventFacts,
  type EventKind,
} from '../mail/templates.js';
import { deleteSubscriptionsOf, listActiveSubscriptions, setGuaranteeEnd } from '../repositories/follow-up.js';
import { findSurety } from '../repositories/sureties.js';
import type { ServiceContext } from './context.js';
import { loadSuretyState, type SuretyState } from './surety-state.js';

/** What the history table would call this version (a 変更取消 has no row of its own but is still news). */
export function eventKindOf(state: SuretyState, seq: number): EventKind {
  const version = state.versions.find((v) => v.seq === seq);
  if (!version) throw new Error(`version ${seq} not loaded`);
  if (version.event === 'change_cancellation') return 'change_cancellation';
  const i = state.visible.findIndex((v) => v.seq === seq);
  return changeKind(version, i > 0 ? state.visible[i - 1] : undefined);
}

/**
 * Queues the mails for version `seq` of a guarantee; call inside the transaction that wrote it.
 * @throws Error when the chain just written does not verify (the publication then rolls back)
 */
export async function queueVersionMails(
  ctx: ServiceContext,
  tx: Kysely<Database>,
  contractNumber: string,
  seq: number,
): Promise<void> {
  const surety = await findSurety(tx, contractNumber);
  if (!surety) throw new Error(`cannot find ${contractNumber} to notify about version ${seq}`);
  // A new guarantee without a contractor address has nobody to tell (nobody can have subscribed yet).
  if (seq === 1 && !surety.contractor_email) return;
  const loaded = await loadSuretyState(ctx, contractNumber, tx);
  if (loaded.kind !== 'ok') throw new Error(`cannot verify ${contractNumber} to notify about version ${seq}`);
  const { state } = loaded;
  const version = state.versions.find((v) => v.seq === seq);
  if (!version) throw new Error(`version ${seq} of ${contractNumber} not found`);
  // The guarantee as it now stands: after a 変更取消 that is the restored state, not the cancelled change.
  const facts = factsOf(state.current.certificate);
  const event: EventFacts = { kind: eventKindOf(state, seq), issuedAt: version.issuedAt, reason: version.reason };

  if (surety.contractor_email) {
    await queueMail(tx, ctx, {
      kind: 'contractor_event',
      contractNumber,
      recipient: surety.contractor_email,
      doc: contractorEventMail(facts, event, ctx.config.issuerName, ctx.config.publicUrl),
      notice: { contractNumber, authKeyHmac: surety.auth_key_hmac },
    });
  }

  if (seq === 1) return;
  for (const sub of await listActiveSubscriptions(tx, contractNumber)) {
    await queueMail(tx, ctx, {
      kind: 'subscriber_event',
      contractNumber,
      recipient: sub.email,
      doc: subscriberEventMail(facts, event, ctx.config.publicUrl),
      unsubscribe: { subscriptionId: sub.id },
    });
  }
  if (state.status === 'cancelled') {
    // A cancellation is terminal (DESIGN §3): nothing more will ever be sent, so the addresses go now.
    await deleteSubscriptionsOf(tx, contractNumber);
  } else {
    await setGuaranteeEnd(tx, contractNumber, state.current.certificate.guaranteePeriod.to);
  }
}
