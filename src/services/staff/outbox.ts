// Use cases behind the staff mail screen (メール送信状況): pending, dead-lettered and sent mail with why each failed,
// and 再送 through the same retryMail the issuer API uses. Staff see a masked address and the subject, never a
// body: bodies hold the contractor's details and the placeholders of signed links, which nobody needs to read here.
import { classifyMailFailure, maskAddress, scrubMailReason, type MailFailure } from '../../mail/failure-kind.js';
import { DomainError } from '../../errors.js';
import type { MailKind as QueuedMailKind } from '../../mail/outbox.js';
import { countOutboxByState, searchOutbox, type OutboxState } from '../../repositories/outbox.js';
import type { Actor, ServiceContext } from '../context.js';
import { OUTBOX_STATES, retryMail, type OutboxEntry } from '../outbox-admin.js';

/**
 * Who may open the mail screen and send again: administrators, and clerks — they are the ones a contractor calls
 * when a notice did not arrive. A retry resends the stored mail to the stored address; it cannot redirect it.
 */
export const MAIL_ROLES = ['admin', 'clerk'] as const;
/**
 * Every kind of mail the outbox holds, in the order the screen's filter lists them. Keyed by the outbox's own
 * MailKind, so a kind added there is a type error here (and then, through `mailKind.${kind}`, in the catalog) rather
 * than a mail the screen calls その他 and cannot filter.
 */
const KINDS = {
  contractor_event: true,
  key_reissued: true,
  contact_changed: true,
  receipt_confirmed: true,
  subscription_confirm: true,
  subscriber_event: true,
  subscription_ended: true,
  expiry_reminder: true,
  staff_enrolment: true,
} satisfies Record<QueuedMailKind, true>;
export type MailKind = keyof typeof KINDS;
export const MAIL_KINDS = Object.keys(KINDS) as readonly MailKind[];
export const MAIL_PAGE_SIZE = 50;

export { OUTBOX_STATES, type OutboxState };

function requireMailRole(actor: Actor): void {
  if (actor.type !== 'staff' || !(MAIL_ROLES as readonly string[]).includes(actor.role)) {
    throw new DomainError('forbidden', 'この操作を行う権限がありません');
  }
}

export interface MailFilters {
  state: OutboxState;
  contractNumber?: string | undefined;
  kind?: MailKind | undefined;
}

export interface StaffMailRow {
  id: string;
  kind: string;
  contractNumber: string | null;
  /** Masked (`ta***@example.jp`); empty once the address was forgotten after an unsubscribe. */
  recipient: string;
  subject: string;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: string | null;
  createdAt: string;
  sentAt: string | null;
  failure: (MailFailure & { detail: string }) | null;
  /** A worker holds it right now (a retry would be refused). */
  sending: boolean;
  retryable: boolean;
}

export interface MailScreen {
  counts: Record<OutboxState, number>;
  rows: StaffMailRow[];
  total: number;
  page: number;
  pages: number;
  smtpConfigured: boolean;
}

/** One page of the outbox for staff. @throws DomainError forbidden */
export async function staffOutbox(
  ctx: ServiceContext,
  actor: Actor,
  filters: MailFilters,
  page: number,
): Promise<MailScreen> {
  requireMailRole(actor);
  const now = ctx.clock().toISOString();
  const [counts, found] = await Promise.all([
    countOutboxByState(ctx.db),
    searchOutbox(ctx.db, filters, (page - 1) * MAIL_PAGE_SIZE, MAIL_PAGE_SIZE),
  ]);
  const rows = found.rows.map((r): StaffMailRow => {
    const sending = r.state === 'pending' && r.lease_until !== null && r.lease_until >= now;
    return {
      id: r.id,
      kind: r.kind,
      contractNumber: r.contract_number,
      recipient: maskAddress(r.recipient),
      subject: r.subject,
      state: r.state,
      attempts: Number(r.attempts),
      nextAttemptAt: r.state === 'pending' ? r.next_attempt_at : null,
      createdAt: r.created_at,
      sentAt: r.sent_at,
      failure:
        r.last_error && r.state !== 'sent'
          ? { ...classifyMailFailure(r.last_error), detail: scrubMailReason(r.last_error) }
          : null,
      sending,
      retryable: r.state === 'dead' || (r.state === 'pending' && !sending),
    };
  });
  return {
    counts,
    rows,
    total: found.total,
    page,
    pages: Math.max(1, Math.ceil(found.total / MAIL_PAGE_SIZE)),
    smtpConfigured: ctx.config.smtpUrl !== undefined,
  };
}

/** The dashboard's mail line; null for roles that cannot act on it. */
export async function mailCounts(ctx: ServiceContext, actor: Actor): Promise<Record<OutboxState, number> | null> {
  if (actor.type !== 'staff' || !(MAIL_ROLES as readonly string[]).includes(actor.role)) return null;
  return countOutboxByState(ctx.db);
}

/**
 * 再送: the mail is due again at once with a fresh attempt budget (audited as mail.retry in the same transaction).
 * @throws DomainError forbidden | not_found | conflict (sent already, or being sent right now)
 */
export async function staffRetryMail(ctx: ServiceContext, actor: Actor, id: string): Promise<OutboxEntry> {
  requireMailRole(actor);
  return retryMail(ctx, actor, id);
}
