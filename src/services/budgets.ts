// Budgets for repeated follow-up actions (verification receipts, subscription mails): several fixed-window counters
// checked and consumed together inside the caller's write transaction, so parallel requests cannot pass a limit and
// an action that fails later (rolled back) is not counted. Counters live in throttle_counters, shared by instances.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Budget } from '../config.js';
import { addFailure, lockBuckets, readFailures } from '../repositories/activity.js';

export interface BudgetCheck<Name extends string> {
  /** Which budget this is, for the caller's message. */
  name: Name;
  bucket: string;
  budget: Budget;
}

export type BudgetResult<Name extends string> =
  { ok: true } | { ok: false; name: Name; budget: Budget; retryAfter: number };

/** Consumes one unit of every budget, or none when any is used up (then names the one that waits longest). */
export async function consumeBudgets<Name extends string>(
  tx: Kysely<Database>,
  nowMs: number,
  checks: BudgetCheck<Name>[],
): Promise<BudgetResult<Name>> {
  const buckets = checks.map((c) => c.bucket);
  await lockBuckets(tx, buckets);
  const used = await readFailures(tx, buckets, nowMs);
  let refused: BudgetResult<Name> = { ok: true };
  for (const check of checks) {
    const u = used.get(check.bucket);
    if (!u || u.failures < check.budget.limit) continue;
    const retryAfter = Math.max(1, Math.ceil((u.windowEnds - nowMs) / 1000));
    if (refused.ok || retryAfter > refused.retryAfter)
      refused = { ok: false, name: check.name, budget: check.budget, retryAfter };
  }
  if (!refused.ok) return refused;
  for (const check of checks) await addFailure(tx, check.bucket, nowMs, check.budget.windowMs);
  return refused;
}

/** A window as Japanese text: 10分間, 1時間, 24時間. */
export function windowText(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}時間` : `${Math.ceil(ms / 60_000)}分間`;
}
