// Writing mail: every mail becomes an outbox row inside the caller's transaction, so it exists exactly when the event
// that causes it commits. Links are described here and signed only at sending (see worker.ts).
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Config } from '../config.js';
import { insertMailLink, insertOutbox } from '../repositories/outbox.js';
import { render, type MailDoc } from './render.js';

export type MailKind =
  | 'contractor_event'
  | 'key_reissued'
  | 'contact_changed'
  | 'receipt_confirmed'
  | 'subscription_confirm'
  | 'subscriber_event'
  | 'subscription_ended'
  | 'expiry_reminder'
  | 'staff_enrolment';

/** The links a mail's placeholders stand for. */
export interface LinkSpec {
  notice?: { jti: string; contractNumber: string; kh: string };
  confirm?: { subscriptionId: string };
  unsubscribe?: { subscriptionId: string };
  enrol?: { jti: string; userId: string };
  /** The version whose transparency-log line the mail carries (its JWS digest, base64): resolved when sent. */
  log?: { contractNumber: string; seq: number; digest: string };
}

export interface QueuedMail {
  kind: MailKind;
  contractNumber: string | null;
  recipient: string;
  doc: MailDoc;
  /** The key notice link, when the mail carries one: a single-use link recorded in mail_links. */
  notice?: { contractNumber: string; authKeyHmac: string };
  confirm?: { subscriptionId: string };
  unsubscribe?: { subscriptionId: string };
  /** The subscription a mail without links concerns, so its address is scrubbed with the subscription's mail. */
  subscriptionId?: string;
  /** A staff account's enrolment link: its single-use row (staff_enrolments) is written by the caller. */
  enrol?: { jti: string; userId: string };
  log?: LinkSpec['log'];
}

/**
 * Binds a notice link to the key current when the mail was written: after a reissue the link no longer opens the
 * notice (a reissue usually means the old key, and perhaps the mailbox, leaked). A hash of the stored HMAC, so the
 * claim says nothing about the key itself.
 */
export function keyBinding(authKeyHmac: string): string {
  return createHash('sha256').update(`notice-link:${authKeyHmac}`).digest('base64url').slice(0, 22);
}

/** Adds one mail to the outbox; call inside the transaction of the event it reports. Returns the outbox id. */
export async function queueMail(
  tx: Kysely<Database>,
  env: { config: Readonly<Config>; clock: () => Date },
  mail: QueuedMail,
): Promise<string> {
  const id = randomUUID();
  const at = env.clock().toISOString();
  const links: LinkSpec = {};
  if (mail.notice) {
    const jti = randomUUID();
    links.notice = { jti, contractNumber: mail.notice.contractNumber, kh: keyBinding(mail.notice.authKeyHmac) };
    await insertMailLink(tx, {
      jti,
      purpose: 'notice',
      contract_number: mail.notice.contractNumber,
      outbox_id: id,
      created_at: at,
      used_at: null,
      used_client: null,
    });
  }
  if (mail.confirm) links.confirm = mail.confirm;
  if (mail.unsubscribe) links.unsubscribe = mail.unsubscribe;
  if (mail.enrol) links.enrol = mail.enrol;
  if (mail.log) links.log = mail.log;
  const rendered = render(mail.doc, { issuerName: env.config.issuerName, publicUrl: env.config.publicUrl });
  await insertOutbox(tx, {
    id,
    kind: mail.kind,
    contract_number: mail.contractNumber,
    subscription_id: mail.subscriptionId ?? mail.unsubscribe?.subscriptionId ?? mail.confirm?.subscriptionId ?? null,
    recipient: mail.recipient,
    subject: rendered.subject,
    body_text: rendered.text,
    body_html: rendered.html,
    links: JSON.stringify(links),
    state: 'pending',
    attempts: 0,
    next_attempt_at: at,
    lease_owner: null,
    lease_until: null,
    links_issued_at: null,
    last_error: null,
    created_at: at,
    sent_at: null,
  });
  return id;
}
