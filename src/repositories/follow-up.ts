// Follow-up records: receipt confirmations (受領確認), obligee mail subscriptions and view statistics.
import type { Kysely } from 'kysely';
import type { Database, MailSubscriptionTable, ReceiptConfirmationTable } from '../../db/schema.js';

export async function insertReceipt(db: Kysely<Database>, row: ReceiptConfirmationTable): Promise<void> {
  await db.insertInto('receipt_confirmations').values(row).execute();
}

/** The confirmations of one version (every officer's), oldest first. */
export async function listVersionReceipts(
  db: Kysely<Database>,
  contractNumber: string,
  seq: number,
): Promise<ReceiptConfirmationTable[]> {
  return db
    .selectFrom('receipt_confirmations')
    .selectAll()
    .where('contract_number', '=', contractNumber)
    .where('seq', '=', seq)
    .orderBy('confirmed_at')
    .orderBy('id')
    .execute();
}

export async function listReceipts(db: Kysely<Database>, contractNumber: string): Promise<ReceiptConfirmationTable[]> {
  return db
    .selectFrom('receipt_confirmations')
    .selectAll()
    .where('contract_number', '=', contractNumber)
    .orderBy('seq')
    .orderBy('confirmed_at')
    .orderBy('id')
    .execute();
}

/**
 * How often the certificate was shown to someone holding number + key: certificate page views and successful API
 * verifications. The contractor's own status checks are not views.
 */
export async function viewStats(
  db: Kysely<Database>,
  contractNumber: string,
): Promise<{ count: number; lastAt: string | null }> {
  const row = await db
    .selectFrom('access_events')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('at').as('last')])
    .where('contract_number', '=', contractNumber)
    .where('outcome', '=', 'ok')
    .where((eb) => eb.or([eb('kind', '=', 'view'), eb.and([eb('kind', '=', 'verify'), eb('channel', '=', 'api')])]))
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), lastAt: (row.last as string | null) ?? null };
}

export async function findSubscription(db: Kysely<Database>, id: string): Promise<MailSubscriptionTable | undefined> {
  return db.selectFrom('mail_subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findSubscriptionByAddress(
  db: Kysely<Database>,
  contractNumber: string,
  email: string,
): Promise<MailSubscriptionTable | undefined> {
  return db
    .selectFrom('mail_subscriptions')
    .selectAll()
    .where('contract_number', '=', contractNumber)
    .where('email', '=', email)
    .executeTakeFirst();
}

export async function countSubscriptions(db: Kysely<Database>, contractNumber: string): Promise<number> {
  const row = await db
    .selectFrom('mail_subscriptions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('contract_number', '=', contractNumber)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertSubscription(db: Kysely<Database>, row: MailSubscriptionTable): Promise<void> {
  await db.insertInto('mail_subscriptions').values(row).execute();
}

export async function updateSubscription(
  db: Kysely<Database>,
  id: string,
  changes: Partial<Omit<MailSubscriptionTable, 'id' | 'contract_number'>>,
): Promise<void> {
  await db.updateTable('mail_subscriptions').set(changes).where('id', '=', id).execute();
}

/** Confirms a pending subscription; false when it was not pending (already confirmed, or gone). */
export async function activateSubscription(db: Kysely<Database>, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('mail_subscriptions')
    .set({ state: 'active', confirmed_at: at })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteSubscription(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('mail_subscriptions').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function deleteSubscriptionsOf(db: Kysely<Database>, contractNumber: string): Promise<number> {
  const result = await db
    .deleteFrom('mail_subscriptions')
    .where('contract_number', '=', contractNumber)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Every subscription of a guarantee, pending and active. */
export async function listSubscriptionsOf(
  db: Kysely<Database>,
  contractNumber: string,
): Promise<MailSubscriptionTable[]> {
  return db
    .selectFrom('mail_subscriptions')
    .selectAll()
    .where('contract_number', '=', contractNumber)
    .orderBy('id')
    .execute();
}

export async function listActiveSubscriptions(
  db: Kysely<Database>,
  contractNumber: string,
): Promise<MailSubscriptionTable[]> {
  return db
    .selectFrom('mail_subscriptions')
    .selectAll()
    .where('contract_number', '=', contractNumber)
    .where('state', '=', 'active')
    .orderBy('id')
    .execute();
}

export async function setGuaranteeEnd(db: Kysely<Database>, contractNumber: string, end: string): Promise<void> {
  await db
    .updateTable('mail_subscriptions')
    .set({ guarantee_end: end })
    .where('contract_number', '=', contractNumber)
    .execute();
}

/** Active subscriptions whose guarantee ends within [from, to] and that were not yet reminded of that end date. */
export async function listReminderCandidates(
  db: Kysely<Database>,
  from: string,
  to: string,
  limit: number,
): Promise<MailSubscriptionTable[]> {
  return db
    .selectFrom('mail_subscriptions')
    .selectAll()
    .where('state', '=', 'active')
    .where('guarantee_end', '>=', from)
    .where('guarantee_end', '<=', to)
    .where((eb) => eb.or([eb('reminded_for', 'is', null), eb('reminded_for', '<>', eb.ref('guarantee_end'))]))
    .orderBy('guarantee_end')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Claims the reminder for one end date; false when another instance already did (or the date moved on). */
export async function claimReminder(db: Kysely<Database>, id: string, end: string): Promise<boolean> {
  const result = await db
    .updateTable('mail_subscriptions')
    .set({ reminded_for: end })
    .where('id', '=', id)
    .where('state', '=', 'active')
    .where('guarantee_end', '=', end)
    .where((eb) => eb.or([eb('reminded_for', 'is', null), eb('reminded_for', '<>', end)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Unconfirmed addresses older than the confirmation window, and subscriptions long past their guarantee's end. */
export async function purgeSubscriptions(
  db: Kysely<Database>,
  pendingBefore: string,
  endedBefore: string,
): Promise<number> {
  const result = await db
    .deleteFrom('mail_subscriptions')
    .where((eb) =>
      eb.or([
        eb.and([eb('state', '=', 'pending'), eb('confirm_sent_at', '<', pendingBefore)]),
        eb('guarantee_end', '<', endedBefore),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The latest recorded view of a certificate from one client before an instant (an earlier viewing session). */
export async function lastViewBefore(
  db: Kysely<Database>,
  contractNumber: string,
  client: string,
  before: string,
): Promise<{ at: string; seq: number } | undefined> {
  const row = await db
    .selectFrom('access_events')
    .select(['at', 'seq'])
    .where('contract_number', '=', contractNumber)
    .where('kind', '=', 'view')
    .where('outcome', '=', 'ok')
    .where('client', '=', client)
    .where('seq', 'is not', null)
    .where('at', '<', before)
    .orderBy('at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && row.seq !== null ? { at: row.at, seq: Number(row.seq) } : undefined;
}
