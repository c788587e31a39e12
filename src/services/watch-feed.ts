// The obligee API's event feed (DESIGN §11): events recorded in the transaction of what they report — a version's
// publication, a key reissue — or by the housekeeping pass that finds a guarantee period ended; and the cursor read.
import type { Kysely } from 'kysely';
import { writeTransaction } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { jstDate, toJstIso } from '../domain/format.js';
import type { Status } from '../domain/history.js';
import { encodeCursor, feedQuerySchema, statusAt, type WatchEventKind } from '../domain/watch-feed.js';
import { findSuretyForUpdate } from '../repositories/sureties.js';
import { appendWatchEvents, listDueExpiries, markExpiredFor, readWatchEvents } from '../repositories/watches.js';
import type { VersionPayload } from '../signing/versions.js';
import type { ServiceContext } from './context.js';
import { parseOrThrow } from './validation.js';
import type { ObligeeActor } from './obligee-tokens.js';

/**
 * Records a just-inserted version for whoever watches its certificate (inside the publication's transaction, which
 * holds the certificate's row lock). A version that leaves the certificate expired carries that status itself, so the
 * housekeeping pass records no separate `expired` for the same end date.
 */
export async function recordVersionEvent(tx: Kysely<Database>, payload: VersionPayload): Promise<void> {
  const end = payload.certificate.guaranteePeriod.to;
  const status = statusAt(payload.status === 'cancelled', end, new Date(payload.issuedAt));
  const written = await appendWatchEvents(tx, {
    contract_number: payload.sub,
    seq: payload.seq,
    event: payload.event,
    target: payload.target,
    status,
    issued_at: payload.issuedAt,
  });
  if (written > 0 && status === 'expired') await markExpiredFor(tx, payload.sub, end);
}

/** Records a key reissue (never the key) for whoever watches the certificate, inside the reissue's transaction. */
export async function recordKeyReissued(
  tx: Kysely<Database>,
  ctx: Pick<ServiceContext, 'clock'>,
  contractNumber: string,
  guaranteeEnd: string | null,
): Promise<void> {
  const now = ctx.clock();
  await appendWatchEvents(tx, {
    contract_number: contractNumber,
    seq: null,
    event: 'key_reissued',
    target: null,
    status: await statusNow(tx, contractNumber, guaranteeEnd, now),
    issued_at: toJstIso(now),
  });
}

async function statusNow(tx: Kysely<Database>, contractNumber: string, guaranteeEnd: string | null, now: Date) {
  const cancellation = await tx
    .selectFrom('versions')
    .select('seq')
    .where('contract_number', '=', contractNumber)
    .where('event', '=', 'cancellation')
    .executeTakeFirst();
  return statusAt(cancellation !== undefined, guaranteeEnd ?? '9999-12-31', now);
}

/**
 * The housekeeping pass: an `expired` event for every watched certificate whose guarantee period ended before today
 * (JST) and whose expiry is not in its watcher's feed yet. Each is claimed under the certificate's row lock and
 * checked again there, so two instances running the pass at once record it once.
 * @returns how many events were recorded
 */
export async function recordDueExpiries(ctx: ServiceContext, batch = 200): Promise<number> {
  let recorded = 0;
  // Each round records (or marks) what it lists, so the loop ends; the bound guards against a bug making it endless.
  for (let round = 0; round < 1000; round++) {
    const now = ctx.clock();
    const due = await listDueExpiries(ctx.db, jstDate(now), batch);
    for (const watch of due) {
      recorded += await writeTransaction(ctx.db, async (tx) => {
        const surety = await findSuretyForUpdate(tx, watch.contract_number);
        const still = await listDueExpiries(tx, jstDate(now), 1, {
          obligeeId: watch.obligee_id,
          contractNumber: watch.contract_number,
        });
        if (!surety?.guarantee_end || still.length === 0) return 0;
        const written = await appendWatchEvents(
          tx,
          {
            contract_number: watch.contract_number,
            seq: null,
            event: 'expired',
            target: null,
            status: 'expired',
            issued_at: toJstIso(now),
          },
          watch.obligee_id,
        );
        await markExpiredFor(tx, watch.contract_number, surety.guarantee_end, watch.obligee_id);
        return written;
      });
    }
    if (due.length < batch) return recorded;
  }
  return recorded;
}

export interface FeedEvent {
  cursor: string;
  contractNumber: string;
  seq: number | null;
  event: WatchEventKind;
  target: number | null;
  status: Status;
  issuedAt: string;
  jws: string | null;
}

/**
 * One page of the obligee's feed after a cursor. `next` is never null: the last event's cursor, or `after` itself
 * (the start when none was given) when nothing follows yet.
 * @throws DomainError validation_failed (a cursor this API did not issue, or limit outside 1–1000)
 */
export async function readFeed(
  ctx: ServiceContext,
  actor: ObligeeActor,
  query: { after?: string | undefined; limit?: string | undefined },
): Promise<{ events: FeedEvent[]; next: string }> {
  const { after, limit } = parseOrThrow(feedQuerySchema, query);
  const rows = await readWatchEvents(ctx.db, actor.obligeeId, after, limit);
  const events = rows.map((r) => ({
    cursor: encodeCursor(r.id),
    contractNumber: r.contract_number,
    seq: r.seq,
    event: r.event as WatchEventKind,
    target: r.target,
    status: r.status as Status,
    issuedAt: r.issued_at,
    jws: r.seq === null ? null : r.jws,
  }));
  return { events, next: events.at(-1)?.cursor ?? encodeCursor(after) };
}
