// A cap on how many authentication keys one staff member may display in an hour (the key on screen and the key
// notice PDF), with an alert on unusual volume. Clerks and approvers need a key now and then — a contractor lost the
// notice — never hundreds: a burst is what copying keys out looks like, so it is refused and raised for review.
// Counted in the shared throttle counters (database-wide, so several instances agree), check-and-consume under the
// bucket's lock.
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { DomainError } from '../../errors.js';
import { addFailure, insertAlert, lockBuckets, readFailures } from '../../repositories/activity.js';
import type { ServiceContext } from '../context.js';
import type { StaffActor } from './require-role.js';

export const KEY_VIEW_LIMITS = {
  windowMs: 60 * 60_000,
  /** The display that reaches this count in the window raises a `staff_key_views` alert (once per window). */
  alertAt: 20,
  /** Displays beyond this count in the window are refused (429) until the window passes. */
  max: 30,
};

/**
 * Counts one key display by `actor`; call inside the transaction that writes the display's audit row.
 * @throws DomainError throttled (with retryAfter) when the actor's displays in the window reached the maximum
 */
export async function consumeKeyView(
  tx: Kysely<Database>,
  ctx: ServiceContext,
  actor: StaffActor,
  contractNumber: string,
): Promise<void> {
  const bucket = `keyview:${actor.id}`;
  const now = ctx.clock().getTime();
  await lockBuckets(tx, [bucket]);
  const current = (await readFailures(tx, [bucket], now)).get(bucket);
  if (current && current.failures >= KEY_VIEW_LIMITS.max) {
    throw new DomainError(
      'throttled',
      `認証キーの表示が1時間あたりの上限（${KEY_VIEW_LIMITS.max}件）に達しました。しばらくしてから再度お試しください`,
      { retryAfter: Math.max(1, Math.ceil((current.windowEnds - now) / 1000)) },
    );
  }
  const count = await addFailure(tx, bucket, now, KEY_VIEW_LIMITS.windowMs);
  if (count === KEY_VIEW_LIMITS.alertAt) {
    await insertAlert(tx, {
      at: new Date(now).toISOString(),
      kind: 'staff_key_views',
      contract_number: contractNumber,
      detail: JSON.stringify({
        staffId: actor.id,
        email: actor.email,
        role: actor.role,
        views: count,
        windowMinutes: KEY_VIEW_LIMITS.windowMs / 60_000,
      }),
    });
    ctx.logger.warn({ staffId: actor.id, views: count }, 'unusual number of authentication key displays');
  }
}
