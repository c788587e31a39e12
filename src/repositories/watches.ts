// The certificates obligee organisations watch and their event feed (DESIGN §11): append-only events whose ids are
// assigned under the feed clock's row lock, so they become visible in id order on PostgreSQL as on SQLite.
import { sql, type Kysely } from 'kysely';
import type { Database, WatchEventTable, WatchTable } from '../../db/schema.js';

export type WatchEventInput = Omit<WatchEventTable, 'id' | 'obligee_id'>;

/** Adds a watch; false when the obligee watches the certificate already. */
export async function insertWatch(db: Kysely<Database>, row: WatchTable): Promise<boolean> {
  const result = await db
    .insertInto('watches')
    .values(row)
    .onConflict((oc) => oc.columns(['obligee_id', 'contract_number']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function deleteWatch(db: Kysely<Database>, obligeeId: string, contractNumber: string): Promise<boolean> {
  const result = await db
    .deleteFrom('watches')
    .where('obligee_id', '=', obligeeId)
    .where('contract_number', '=', contractNumber)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** An obligee's watches with each certificate's latest seq (which keys the verified-state cache). */
export async function listWatches(db: Kysely<Database>, obligeeId: string) {
  return db
    .selectFrom('watches as w')
    .innerJoin('sureties as s', 's.contract_number', 'w.contract_number')
    .select(['w.contract_number', 'w.created_at', 's.latest_seq'])
    .where('w.obligee_id', '=', obligeeId)
    .orderBy('w.contract_number')
    .execute();
}

/** Marks the end date whose expiry needs no event of its own (recorded already, or carried by a version's status). */
export async function markExpiredFor(
  db: Kysely<Database>,
  contractNumber: string,
  guaranteeEnd: string,
  obligeeId?: string,
): Promise<void> {
  await db
    .updateTable('watches')
    .set({ expired_for: guaranteeEnd })
    .where('contract_number', '=', contractNumber)
    .$if(obligeeId !== undefined, (q) => q.where('obligee_id', '=', obligeeId as string))
    .execute();
}

/**
 * Appends one event for every obligee watching the certificate (or only `onlyObligee`), inside the caller's write transaction. Nobody
 * watching: nothing is written and no lock taken. Otherwise the ids come from the feed clock's row, whose lock
 * (taken by the UPDATE) is held until this transaction commits: a concurrent writer waits, so no reader ever sees a
 * higher id before a lower one has committed.
 * @returns how many events were written
 */
export async function appendWatchEvents(
  db: Kysely<Database>,
  event: WatchEventInput,
  onlyObligee?: string,
): Promise<number> {
  const watchers = await db
    .selectFrom('watches')
    .select('obligee_id')
    .where('contract_number', '=', event.contract_number)
    .$if(onlyObligee !== undefined, (q) => q.where('obligee_id', '=', onlyObligee as string))
    .orderBy('obligee_id')
    .execute();
  if (watchers.length === 0) return 0;
  const { last_id } = await db
    .updateTable('watch_feed_clock')
    .set({ last_id: sql`last_id + ${watchers.length}` })
    .where('name', '=', 'events')
    .returning('last_id')
    .executeTakeFirstOrThrow();
  const first = Number(last_id) - watchers.length + 1;
  await db
    .insertInto('watch_events')
    .values(watchers.map((w, i) => ({ ...event, id: first + i, obligee_id: w.obligee_id })))
    .execute();
  return watchers.length;
}

/** An obligee's events after `afterId`, in feed order, each with its version's JWS (null for status events). */
export async function readWatchEvents(db: Kysely<Database>, obligeeId: string, afterId: number, limit: number) {
  const rows = await db
    .selectFrom('watch_events as e')
    .leftJoin('versions as v', (join) =>
      join.onRef('v.contract_number', '=', 'e.contract_number').onRef('v.seq', '=', 'e.seq'),
    )
    .select(['e.id', 'e.contract_number', 'e.seq', 'e.event', 'e.target', 'e.status', 'e.issued_at', 'v.jws'])
    .where('e.obligee_id', '=', obligeeId)
    .where('e.id', '>', afterId)
    .orderBy('e.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/**
 * Watches of certificates whose guarantee period ended before `today` (JST), not cancelled, whose expiry has no
 * event yet: what the housekeeping pass records.
 */
export async function listDueExpiries(
  db: Kysely<Database>,
  today: string,
  limit: number,
  only?: { obligeeId: string; contractNumber: string },
) {
  return db
    .selectFrom('watches as w')
    .innerJoin('sureties as s', 's.contract_number', 'w.contract_number')
    .select(['w.obligee_id', 'w.contract_number', 's.guarantee_end'])
    .$if(only !== undefined, (q) =>
      q.where('w.obligee_id', '=', only!.obligeeId).where('w.contract_number', '=', only!.contractNumber),
    )
    .where('s.guarantee_end', '<', today)
    .where((eb) => eb.or([eb('w.expired_for', 'is', null), eb('w.expired_for', '!=', eb.ref('s.guarantee_end'))]))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('versions as c')
            .select('c.seq')
            .whereRef('c.contract_number', '=', 'w.contract_number')
            .where('c.event', '=', 'cancellation'),
        ),
      ),
    )
    .orderBy('w.contract_number')
    .limit(limit)
    .execute();
}
