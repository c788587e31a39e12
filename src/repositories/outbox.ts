// The mail outbox and its single-use links. Leasing is one conditional UPDATE (portable SQL on SQLite and
// PostgreSQL): whoever changes the row owns it until the lease runs out, so several workers never send one mail twice.
import { sql, type ExpressionBuilder, type Insertable, type Kysely, type Selectable } from 'kysely';
import { isPostgres } from '../../db/connection.js';
import type { Database, MailLinkTable, MailOutboxTable } from '../../db/schema.js';

export type OutboxRow = Selectable<MailOutboxTable>;

export type OutboxState = MailOutboxTable['state'];

export async function insertOutbox(db: Kysely<Database>, row: Insertable<MailOutboxTable>): Promise<void> {
  await db.insertInto('mail_outbox').values(row).execute();
}

export async function insertMailLink(db: Kysely<Database>, row: MailLinkTable): Promise<void> {
  await db.insertInto('mail_links').values(row).execute();
}

/** Ids of pending mails that are due and not leased (or whose lease ran out), oldest first. */
export async function listDueOutbox(db: Kysely<Database>, nowIso: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('mail_outbox')
    .select('id')
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', nowIso)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowIso)]))
    .orderBy('next_attempt_at')
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Takes the lease on one mail and counts the attempt (a worker that dies mid-send still used it up). Fixes the
 * links' issue time at the first attempt, so every retry signs exactly the same links. True when this caller won.
 */
export async function leaseOutbox(
  db: Kysely<Database>,
  id: string,
  owner: string,
  nowIso: string,
  untilIso: string,
): Promise<boolean> {
  const result = await db
    .updateTable('mail_outbox')
    .set({
      lease_owner: owner,
      lease_until: untilIso,
      attempts: sql<number>`attempts + 1`,
      links_issued_at: sql<string>`coalesce(links_issued_at, ${nowIso})`,
    })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', nowIso)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowIso)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Claims the oldest due mail for `owner` until `untilIso` and counts the attempt, in one statement; undefined when
 * nothing is due. On PostgreSQL the candidate is chosen `FOR UPDATE SKIP LOCKED`: parallel claimers (lanes of one
 * worker, or other instances) each get a different row at once instead of queueing on the same one. On SQLite the
 * statement runs under the database's single write lock, which serialises claimers by itself. A mail waits while an
 * older one to the same recipient is being sent (strictly within one worker, whose claims are serialised; across
 * instances two simultaneous claims may still cross, and the Date header keeps the order in the mailbox).
 */
export async function claimNextOutbox(
  db: Kysely<Database>,
  owner: string,
  nowIso: string,
  untilIso: string,
): Promise<OutboxRow | undefined> {
  const due = (eb: ExpressionBuilder<Database, 'mail_outbox'>) =>
    eb.and([
      eb('state', '=', 'pending'),
      eb('next_attempt_at', '<=', nowIso),
      eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowIso)]),
    ]);
  const candidate = db
    .selectFrom('mail_outbox')
    .select('id')
    .where(due)
    // One mail at a time per recipient, oldest first: a contractor reads 新規 before its 変更 even when several
    // lanes send at once (and one mailbox never gets parallel connections from us).
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('mail_outbox as earlier')
            .select('earlier.id')
            .whereRef('earlier.recipient', '=', 'mail_outbox.recipient')
            .whereRef('earlier.seq', '<', 'mail_outbox.seq')
            .where('earlier.state', '=', 'pending')
            .where('earlier.lease_until', '>=', nowIso),
        ),
      ),
    )
    .orderBy('next_attempt_at')
    .orderBy('seq')
    .limit(1)
    .$if(isPostgres(db), (q) => q.forUpdate().skipLocked());
  return (
    db
      .updateTable('mail_outbox')
      .set({
        lease_owner: owner,
        lease_until: untilIso,
        attempts: sql<number>`attempts + 1`,
        links_issued_at: sql<string>`coalesce(links_issued_at, ${nowIso})`,
      })
      .where('id', '=', candidate)
      // Checked again on the row itself: the candidate was chosen from a snapshot.
      .where(due)
      .returningAll()
      .executeTakeFirst()
  );
}

/**
 * Keeps the leases of the mails `owner` is sending from running out while a slow SMTP server holds the send: the
 * lease then only has to outlast a missed heartbeat, not the longest send. Returns how many leases were extended.
 */
export async function extendOutboxLeases(
  db: Kysely<Database>,
  owner: string,
  ids: readonly string[],
  untilIso: string,
): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .updateTable('mail_outbox')
    .set({ lease_until: untilIso })
    .where('id', 'in', ids)
    .where('lease_owner', '=', owner)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function findOutbox(db: Kysely<Database>, id: string): Promise<OutboxRow | undefined> {
  return db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Records the outcome of an attempt, only while the caller still holds the lease. */
export async function finishOutboxAttempt(
  db: Kysely<Database>,
  id: string,
  owner: string,
  outcome:
    | { state: 'sent'; at: string }
    | { state: 'pending'; nextAttemptAt: string; error: string }
    | { state: 'dead'; error: string },
): Promise<boolean> {
  const result = await db
    .updateTable('mail_outbox')
    .set({
      state: outcome.state,
      lease_owner: null,
      lease_until: null,
      ...(outcome.state === 'sent' ? { sent_at: outcome.at, last_error: null } : { last_error: outcome.error }),
      ...(outcome.state === 'pending' ? { next_attempt_at: outcome.nextAttemptAt } : {}),
    })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function listOutboxByState(db: Kysely<Database>, state: OutboxState, limit: number): Promise<OutboxRow[]> {
  return db
    .selectFrom('mail_outbox')
    .selectAll()
    .where('state', '=', state)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
}

export async function countOutboxByState(db: Kysely<Database>): Promise<Record<OutboxState, number>> {
  const rows = await db
    .selectFrom('mail_outbox')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('state')
    .execute();
  const counts: Record<OutboxState, number> = { pending: 0, sent: 0, dead: 0 };
  for (const r of rows) counts[r.state] = Number(r.n);
  return counts;
}

/**
 * Puts a dead (or waiting) mail back in the queue as if new: due now, with a fresh attempt budget and links that
 * start their 7 days again at the next attempt (a dead letter's old links may have expired while it waited).
 */
export async function requeueOutbox(db: Kysely<Database>, id: string, nowIso: string): Promise<boolean> {
  const result = await db
    .updateTable('mail_outbox')
    .set({
      state: 'pending',
      attempts: 0,
      next_attempt_at: nowIso,
      lease_owner: null,
      lease_until: null,
      links_issued_at: null,
    })
    .where('id', '=', id)
    // Never a mail a worker is sending right now: clearing its lease would let a second worker send it too.
    .where((eb) =>
      eb.or([
        eb('state', '=', 'dead'),
        eb.and([eb('state', '=', 'pending'), eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowIso)])]),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function purgeSentOutbox(db: Kysely<Database>, beforeIso: string): Promise<number> {
  const result = await db
    .deleteFrom('mail_outbox')
    .where('state', '=', 'sent')
    .where('sent_at', '<', beforeIso)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** After an unsubscribe: its waiting mail is dropped and the address leaves the record of mail already sent. */
export async function forgetSubscriptionMail(db: Kysely<Database>, subscriptionId: string): Promise<void> {
  await db
    .deleteFrom('mail_outbox')
    .where('subscription_id', '=', subscriptionId)
    .where('state', 'in', ['pending', 'dead'])
    .execute();
  await db.updateTable('mail_outbox').set({ recipient: '' }).where('subscription_id', '=', subscriptionId).execute();
}

/**
 * Mail of subscriptions that no longer exist (purged, or their guarantee cancelled): sent mail keeps no address, and
 * dead letters, which nobody could resend any more, go. Waiting mail stays: a cancellation alert is still due.
 */
export async function scrubVanishedSubscriptionMail(db: Kysely<Database>): Promise<number> {
  const vanished = (eb: ExpressionBuilder<Database, 'mail_outbox'>) =>
    eb.and([
      eb('subscription_id', 'is not', null),
      eb.not(
        eb.exists(
          eb
            .selectFrom('mail_subscriptions')
            .select('mail_subscriptions.id')
            .whereRef('mail_subscriptions.id', '=', 'mail_outbox.subscription_id'),
        ),
      ),
    ]);
  const dead = await db.deleteFrom('mail_outbox').where('state', '=', 'dead').where(vanished).executeTakeFirst();
  const sent = await db
    .updateTable('mail_outbox')
    .set({ recipient: '' })
    .where('state', '=', 'sent')
    .where('recipient', '<>', '')
    .where(vanished)
    .executeTakeFirst();
  return Number(dead.numDeletedRows) + Number(sent.numUpdatedRows);
}

export async function findMailLink(db: Kysely<Database>, jti: string): Promise<MailLinkTable | undefined> {
  return db.selectFrom('mail_links').selectAll().where('jti', '=', jti).executeTakeFirst();
}

/** Marks a single-use link used; false when it already was (a parallel request won). */
export async function useMailLink(db: Kysely<Database>, jti: string, at: string, client: string): Promise<boolean> {
  const result = await db
    .updateTable('mail_links')
    .set({ used_at: at, used_client: client })
    .where('jti', '=', jti)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function listUsedMailLinks(db: Kysely<Database>, contractNumber: string): Promise<MailLinkTable[]> {
  return db
    .selectFrom('mail_links')
    .selectAll()
    .where('contract_number', '=', contractNumber)
    .where('used_at', 'is not', null)
    .orderBy('used_at')
    .execute();
}

/** What the staff mail screen reads of a mail: never the bodies or the link specs. */
export type OutboxSummaryRow = Pick<
  OutboxRow,
  | 'id'
  | 'kind'
  | 'contract_number'
  | 'recipient'
  | 'subject'
  | 'state'
  | 'attempts'
  | 'next_attempt_at'
  | 'lease_until'
  | 'last_error'
  | 'created_at'
  | 'sent_at'
>;

export interface OutboxSearch {
  state: OutboxState;
  contractNumber?: string | undefined;
  kind?: string | undefined;
}

/** One page of mails in a state (optionally of one guarantee or kind), newest first, with the total. */
export async function searchOutbox(
  db: Kysely<Database>,
  s: OutboxSearch,
  offset: number,
  limit: number,
): Promise<{ rows: OutboxSummaryRow[]; total: number }> {
  const base = db
    .selectFrom('mail_outbox')
    .where('state', '=', s.state)
    .$if(s.contractNumber !== undefined, (q) => q.where('contract_number', '=', s.contractNumber as string))
    .$if(s.kind !== undefined, (q) => q.where('kind', '=', s.kind as string));
  const [rows, count] = await Promise.all([
    base
      .select([
        'id',
        'kind',
        'contract_number',
        'recipient',
        'subject',
        'state',
        'attempts',
        'next_attempt_at',
        'lease_until',
        'last_error',
        'created_at',
        'sent_at',
      ])
      .orderBy('seq', 'desc')
      .offset(offset)
      .limit(limit)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}
