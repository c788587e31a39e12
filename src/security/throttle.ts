// Anti-automation (DESIGN §7): per-client and per-(number, client) failure limits with atomic check-and-consume.
import type { Kysely } from 'kysely';
import { writeTransaction } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { addFailure, insertAlert, lockBuckets, readFailures } from '../repositories/activity.js';
import type { ServiceContext } from '../services/context.js';
import { databaseFault, isWriteFault } from '../services/db-errors.js';

/**
 * `remaining`: failures this client may still make (for this number, and overall) before a pause — counted on the
 * (number, client) pair and the client, never on the number alone, so it says nothing about whether the number
 * exists. Absent when the failure could not be counted.
 */
export type AttemptOutcome =
  { outcome: 'ok' } | { outcome: 'no_match'; remaining?: number } | { outcome: 'throttled'; retryAfter: number };

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
  return countFailure(ctx, () =>
    writeTransaction(
      ctx.db,
      async (tx) => {
        await lockBuckets(tx, buckets);
        const blockedUntil = blockedUntilOf(await readFailures(tx, buckets, now));
        if (blockedUntil > 0) return throttled(blockedUntil);
        if (await check(tx)) return OK;
        const clientFailures = subject.exempt ? 0 : await addFailure(tx, clientBucket, now, t.clientWindowMs);
        const pairFailures = await addFailure(tx, pairBucket, now, t.pairWindowMs);
        const numberFailures = await addFailure(tx, `n:${subject.number}`, now, t.numberAlertWindowMs);
        if (numberFailures === t.numberAlertThreshold) {
          await insertAlert(tx, {
            at: new Date(now).toISOString(),
            kind: 'many_failures',
            contract_number: subject.number,
            detail: JSON.stringify({ failures: numberFailures, windowMinutes: t.numberAlertWindowMs / 60_000 }),
          });
        }
        const remaining = Math.min(
          t.pairLimit - pairFailures,
          subject.exempt ? Number.POSITIVE_INFINITY : t.clientLimit - clientFailures,
        );
        return { outcome: 'no_match', remaining: Math.max(0, remaining) };
      },
      { durable: false },
    ),
  );
}

/**
 * A wrong key is still answered as one (401) while the database cannot be written (a full disk, a read-only
 * standby): the key was checked by the plain read above, only its counting failed. That failure is logged with its
 * cause; the instance reports not-ready meanwhile (readiness.ts), so the load balancer moves traffic away from it.
 */
async function countFailure(ctx: ServiceContext, count: () => Promise<AttemptOutcome>): Promise<AttemptOutcome> {
  try {
    return await count();
  } catch (error) {
    const fault = databaseFault(error);
    if (!isWriteFault(fault)) throw error;
    ctx.logger.error(
      { err: error, fault: fault.kind, cause: fault.cause },
      `failed verification not counted: database cannot be written (${fault.cause})`,
    );
    return { outcome: 'no_match' };
  }
}

/**
 * Seconds until the per-client limit lets `client` try again, or 0 when it is not reached (or the client is exempt):
 * what a bulk verification checks before its first item, so that a client already throttled is answered 429 while
 * one that reaches a limit midway still has every item reported (DESIGN §11).
 */
export async function clientRetryAfter(ctx: ServiceContext, client: string, exempt: boolean): Promise<number> {
  if (exempt) return 0;
  const now = ctx.clock().getTime();
  const bucket = `c:${client}`;
  const counter = (await readFailures(ctx.db, [bucket], now)).get(bucket);
  if (!counter || counter.failures < ctx.config.throttle.clientLimit) return 0;
  return Math.max(1, Math.ceil((counter.windowEnds - now) / 1000));
}
