// Periodic mail jobs, run by every instance's delivery worker and safe to run concurrently: the 30-day reminder
// before a guarantee period ends (claimed per subscription and end date, so it goes out once), and purging.
import { writeTransaction } from '../../db/connection.js';
import { jstDate } from '../domain/format.js';
import { queueMail } from '../mail/outbox.js';
import { expiryReminderMail, factsOf } from '../mail/templates.js';
import { claimReminder, listReminderCandidates, purgeSubscriptions } from '../repositories/follow-up.js';
import { purgeSentOutbox, scrubVanishedSubscriptionMail } from '../repositories/outbox.js';
import type { ServiceContext } from './context.js';
import { loadSuretyState } from './surety-state.js';

export const REMINDER_DAYS = 30;
const DAY_MS = 86_400_000;
/** Sent mail is kept this long for staff questions ("did the contractor get it?"), then deleted with its address. */
const SENT_RETENTION_DAYS = 90;
/** A late 保証期限変更 can still follow an expired guarantee; after a year nobody waits for one. */
const ENDED_RETENTION_DAYS = 365;
const PENDING_CONFIRMATION_MS = 7 * DAY_MS;

const addDays = (isoDate: string, days: number) =>
  new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** Queues the reminders that are due today (JST). Returns how many were queued. */
export async function queueDueReminders(ctx: ServiceContext, batch = 200): Promise<number> {
  const today = jstDate(ctx.clock());
  let queued = 0;
  // Every pass claims what it lists, so the loop ends; the bound only guards against a bug turning it endless.
  for (let pass = 0; pass < 1000; pass++) {
    const candidates = await listReminderCandidates(ctx.db, today, addDays(today, REMINDER_DAYS), batch);
    if (candidates.length === 0) return queued;
    for (const sub of candidates) {
      const sent = await writeTransaction(ctx.db, async (tx) => {
        // Claimed first: of two instances, only the one whose UPDATE changed the row writes the mail.
        if (!(await claimReminder(tx, sub.id, sub.guarantee_end))) return false;
        const loaded = await loadSuretyState(ctx, sub.contract_number, tx);
        // Rendered from the verified current version; a cancelled or already expired guarantee gets no reminder.
        if (loaded.kind !== 'ok' || loaded.state.status !== 'active') return false;
        const certificate = loaded.state.current.certificate;
        if (certificate.guaranteePeriod.to !== sub.guarantee_end) return false;
        const daysLeft = Math.round(
          (Date.parse(`${sub.guarantee_end}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS,
        );
        await queueMail(tx, ctx, {
          kind: 'expiry_reminder',
          contractNumber: sub.contract_number,
          recipient: sub.email,
          doc: expiryReminderMail(factsOf(certificate), daysLeft, ctx.config.publicUrl),
          unsubscribe: { subscriptionId: sub.id },
        });
        return true;
      });
      if (sent) queued += 1;
    }
    if (candidates.length < batch) return queued;
  }
  return queued;
}

/** Reminders, then the purges that keep addresses only as long as they serve their purpose. */
export async function runMailHousekeeping(ctx: ServiceContext): Promise<{ reminders: number; purged: number }> {
  const reminders = await queueDueReminders(ctx);
  const now = ctx.clock().getTime();
  const today = jstDate(ctx.clock());
  const purged =
    (await purgeSubscriptions(
      ctx.db,
      new Date(now - PENDING_CONFIRMATION_MS).toISOString(),
      addDays(today, -ENDED_RETENTION_DAYS),
    )) +
    (await scrubVanishedSubscriptionMail(ctx.db)) +
    (await purgeSentOutbox(ctx.db, new Date(now - SENT_RETENTION_DAYS * DAY_MS).toISOString()));
  return { reminders, purged };
}
