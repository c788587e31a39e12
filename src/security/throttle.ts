// Anti-automation (DESIGN §7): per-client and per-(number, client) failure limits with atomic check-and-consume.
import type { Kysely } from 'kysely';
import { sqliteReader, writeTransaction, type SyncSqlite } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { addFailure, insertAlert, lockBuckets, readFailures, readFailuresSync } from '../repositories/activity.js';
import type { ServiceContext } from '../services/context.js';

export type AttemptOutcome = { outcome: 'ok' } | { outcome: 'no_match' } | { outcome: 'throttled'; retryAfter: number };

export interface AttemptSubject {
  /** The client's throttling identity (IPv4 address or IPv6 /64). */
  client: string;
  /** The normalised contract number, or the raw input when it did not normalise. */
  number: string;
  /** Client in ESURETY_THROTTLE_EXEMPT: no per-client limit (the per-number limit still applies). */
  exempt: boolean;
}

const OK: AttemptOutcome = { outcome: 'ok' };

/** What an attempt checks (e.g. a key against its stored HMAC), in the two forms the database paths need. */
export interface AttemptCheck {
  /** Reads through tx: on PostgreSQL, and in the locked transaction that counts a failure. */
  read(tx: Kysely<Database>): Promise<boolean>;
  /** The same check on SQLite's raw connection, synchronously: the read-only path of every attempt there. */
  readSync(sqlite: SyncSqlite): boolean;
}

/**
 * Runs `check` under the limits. A success or a limit already reached is answered from one read-only snapshot; a
 * failure is checked again and counted in one write transaction holding the buckets' lock, so parallel failures
 * cannot slip past a limit. A success writes nothing.
 * No limit ever applies to a number as a whole: failures from other clients never lock a real officer out.
 */
export async function guardedAttempt(
  ctx: ServiceContext,
  subject: AttemptSubject,
  check: AttemptCheck,
): Promise<AttemptOutcome> {
  const t = ctx.config.throttle;
  const now = ctx.clock().getTime();
  const clientBucket = `c:${subject.client}`;
  const pairBucket = `p:${subject.number}|${subject.client}`;
  type Counters = Map<string, { failures: number; windowEnds: number }>;
  const blockedUntilOf = (counters: Counters) => {
    const client = counters.get(clientBucket);
    const pair = counters.get(pairBucket);
    return Math.max(
      !subject.exempt && client && client.failures >= t.clientLimit ? client.windowEnds : 0,
      pair && pair.failures >= t.pairLimit ? pair.windowEnds : 0,
    );
  };
  const throttled = (blockedUntil: number): AttemptOutcome => ({
    outcome: 'throttled',
    retryAfter: Math.max(1, Math.ceil((blockedUntil - now) / 1000)),
  });
  // First without the write lock: a success writes nothing, and an answer from one consistent snapshot (a limit
  // reached, or the right key) is the answer the locked path would give for an attempt ordered at that snapshot.
  // Only a failure, which must be counted, takes the locked path below — where it is checked again.
  const buckets = [clientBucket, pairBucket];
  const reader = sqliteReader(ctx.db);
  const quick = reader
    ? await reader((sqlite) => {
        const blockedUntil = blockedUntilOf(readFailuresSync(sqlite, buckets, now));
        if (blockedUntil > 0) return throttled(blockedUntil);
        return check.readSync(sqlite) ? OK : undefined;
      })
    : await (async () => {
        const blockedUntil = blockedUntilOf(await readFailures(ctx.db, buckets, now));
        if (blockedUntil > 0) return throttled(blockedUntil);
        return (await check.read(ctx.db)) ? OK : undefined;
      })();
  if (quick) return quick;
  return writeTransaction(
    ctx.db,
    async (tx) => {
      await lockBuckets(tx, buckets);
      const blockedUntil = blockedUntilOf(await readFailures(tx, buckets, now));
      if (blockedUntil > 0) return throttled(blockedUntil);
      if (await check.read(tx)) return OK;
      if (!subject.exempt) await addFailure(tx, clientBucket, now, t.clientWindowMs);
      await addFailure(tx, pairBucket, now, t.pairWindowMs);
      const numberFailures = await addFailure(tx, `n:${subject.number}`, now, t.numberAlertWindowMs);
      if (numberFailures === t.numberAlertThreshold) {
        await insertAlert(tx, {
          at: new Date(now).toISOString(),
          kind: 'many_failures',
          contract_number: subject.number,
          detail: JSON.stringify({ failures: numberFailures, windowMinutes: t.numberAlertWindowMs / 60_000 }),
        });
      }
      return { outcome: 'no_match' };
    },
    { durable: false },
  );
}
