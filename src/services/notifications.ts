// The mails a new version causes, written into the publishing transaction: the contractor's 発行完了のお知らせ
// (with the single-use notice link) and the confirmed subscribers' alerts. Rendered from verified payloads only.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { labelledChanges } from '../domain/diff.js';
import { changeKind, currentVersion } from '../domain/history.js';
import { rowAtArrival, storyOf } from '../domain/version-story.js';
import { fieldFormatters } from '../i18n/format.js';
import { translator } from '../i18n/index.js';
import { storyText } from '../i18n/story.js';
import { queueMail } from '../mail/outbox.js';
import {
  contractorEventMail,
  factsOf,
  subscriberEventMail,
  type EventFacts,
  type EventKind,
} from '../mail/templates.js';
import {
  deleteSubscriptionsOf,
  listActiveSubscriptions,
  listReceipts,
  setGuaranteeEnd,
} from '../repositories/follow-up.js';
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
 * What differs, for a mail about version `seq`: from the latest version the obligee confirmed receipt of (what it
 * relied on), else from the guarantee as it stood just before this version.
 */
async function changesForMail(tx: Kysely<Database>, state: SuretyState, seq: number): Promise<EventFacts['changes']> {
  const t = translator('ja');
  const confirmed = (await listReceipts(tx, state.contractNumber))
    .map((r) => Number(r.seq))
    .filter((s) => s < seq)
    .reduce((a, s) => Math.max(a, s), 0);
  const base = confirmed > 0 ? confirmed : currentVersion(state.versions.filter((v) => v.seq < seq)).seq;
  const before = state.versions.find((v) => v.seq === base);
  if (!before) return undefined;
  const row = rowAtArrival(state.versions, base);
  const label = row ? `No.${row.no} ${t(`kind.${row.kind}`)}` : '';
  return {
    since: confirmed > 0 ? `受領確認済みの版（${label}）` : `この履歴の直前の版（${label}）`,
    rows: labelledChanges(before.certificate, state.current.certificate, fieldFormatters('ja')).map((c) => ({
      label: t(c.label),
      before: mailValue(c.before),
      after: mailValue(c.after),
    })),
  };
}

const mailValue = (v: string | string[] | undefined) =>
  v === undefined ? '（記載なし）' : typeof v === 'string' ? v : v.join('、');

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
  const event: EventFacts = {
    kind: eventKindOf(state, seq),
    issuedAt: version.issuedAt,
    reason: version.reason,
    story: seq === 1 ? undefined : storyText(translator('ja'), storyOf(state.versions, seq)),
    changes: seq === 1 ? undefined : await changesForMail(tx, state, seq),
    logged: true,
  };
  // The version's leaf, written in this transaction: the mail names its index and covering checkpoint when sent.
  const log = { contractNumber, seq, digest: createHash('sha256').update(version.jws, 'ascii').digest('base64') };

  if (surety.contractor_email) {
    await queueMail(tx, ctx, {
      kind: 'contractor_event',
      contractNumber,
      recipient: surety.contractor_email,
      doc: contractorEventMail(facts, event, ctx.config.issuerName, ctx.config.publicUrl),
      notice: { contractNumber, authKeyHmac: surety.auth_key_hmac },
      log,
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
      log,
    });
  }
  if (state.status === 'cancelled') {
    // A cancellation is terminal (DESIGN §3): nothing more will ever be sent, so the addresses go now.
    await deleteSubscriptionsOf(tx, contractNumber);
  } else {
    await setGuaranteeEnd(tx, contractNumber, state.current.certificate.guaranteePeriod.to);
  }
}
