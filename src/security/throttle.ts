// Anti-automation (DESIGN §7): per-client and per-(number, client) failure limits with atomic check-and-consume.
import type { Kysely } from 'kysely';
import { writeTransaction } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { addFailure, insertAlert, lockBuckets, readFailures } from '../repositories/activity.js';
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

/**
 * What an attempt checks (e.g. a key against its stored HMAC), reading through `db`: the database itself on the
 * read-only path, the locked transaction that counts a failure.
 */
export type AttemptCheck = (db: Kysely<Database>) => Promise<boolean>;

/**
 * Runs `check` under the limits. A success or a limit already reached is answered from plain reads; a failure is
 * checked again and counted in one write transaction holding the buckets' lock, so parallel failures cannot slip
 * past a limit. A success writes nothing.
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
  // First without the write lock, as two plain reads: a success writes nothing. A limit already reached is answered
  // from the counters as read, the right key as an attempt ordered at that read. Only a failure, which must be
  // counted, takes the locked path below, where everything is checked again — so failures are counted exactly up to
  // each limit however many arrive together.
  const buckets = [clientBucket, pairBucket];
  const blockedUntil = blockedUntilOf(await readFailures(ctx.db, buckets, now));
  if (blockedUntil > 0) return throttled(blockedUntil);
  if (await check(ctx.db)) return OK;
  return writeTransaction(
    ctx.db,
    async (tx) => {
      await lockBuckets(tx, buckets);
      const blockedUntil = blockedUntilOf(await readFailures(tx, buckets, now));
      if (blockedUntil > 0) return throttled(blockedUntil);
      if (await check(tx)) return OK;
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

/**
 * Counts one use of an action limited per client whatever its outcome (an anonymous file upload): up to `limit` in
 * a window of `windowMs`, then throttled until the window passes. Atomic like guardedAttempt, and shared by instances.
 */
export async function consumeAllowance(
  ctx: ServiceContext,
  bucket: string,
  limit: number,
  windowMs: number,
): Promise<AttemptOutcome> {
  const now = ctx.clock().getTime();
  return writeTransaction(
    ctx.db,
    async (tx) => {
      await lockBuckets(tx, [bucket]);
      const used = (await readFailures(tx, [bucket], now)).get(bucket);
      if (used && used.failures >= limit) {
        return { outcome: 'throttled', retryAfter: Math.max(1, Math.ceil((used.windowEnds - now) / 1000)) };
      }
      await addFailure(tx, bucket, now, windowMs);
      return OK;
    },
    { durable: false },
  );
}
