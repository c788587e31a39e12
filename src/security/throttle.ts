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

/**
 * Runs `check` under the limits. The check (which may read through `tx`), the limit test and the failure count happen
 * in one write transaction holding the buckets' lock, so parallel attempts cannot slip past a limit; a success
 * writes nothing.
 * No limit ever applies to a number as a whole: failures from other clients never lock a real officer out.
 */
export async function guardedAttempt(
  ctx: ServiceContext,
  subject: AttemptSubject,
  check: (tx: Kysely<Database>) => Promise<boolean> | boolean,
): Promise<AttemptOutcome> {
  const t = ctx.config.throttle;
  const now = ctx.clock().getTime();
  const clientBucket = `c:${subject.client}`;
  const pairBucket = `p:${subject.number}|${subject.client}`;
  return writeTransaction(
    ctx.db,
    async (tx) => {
      await lockBuckets(tx, [clientBucket, pairBucket]);
      const counters = await readFailures(tx, [clientBucket, pairBucket], now);
      const client = counters.get(clientBucket);
      const pair = counters.get(pairBucket);
      const blockedUntil = Math.max(
        !subject.exempt && client && client.failures >= t.clientLimit ? client.windowEnds : 0,
        pair && pair.failures >= t.pairLimit ? pair.windowEnds : 0,
      );
      if (blockedUntil > 0)
        return { outcome: 'throttled', retryAfter: Math.max(1, Math.ceil((blockedUntil - now) / 1000)) };
      if (await check(tx)) return { outcome: 'ok' };
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
