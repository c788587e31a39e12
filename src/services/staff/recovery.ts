// Use case: crash recovery of applications claimed for publishing. approveDraft claims a draft (pending →
// publishing), publishes, then records the outcome; a process that dies in between leaves it 発行処理中 for ever.
// A draft still 'publishing' well after its claim is settled from what the database shows: marked published when its
// publication exists, returned to pending (to be approved again) when it does not — each with an audit row.
import { writeTransaction } from '../../../db/connection.js';
import type { StaffDraftTable } from '../../../db/schema.js';
import { DomainError } from '../../errors.js';
import { insertAudit } from '../../repositories/audit-log.js';
import { listStuckDrafts, publishedDraftResults, versionAuditSince } from '../../repositories/draft-recovery.js';
import { findIdempotentNumbers, transitionDraft } from '../../repositories/staff.js';
import type { Actor, ServiceContext } from '../context.js';
import { instanceName, resignLeadership, runAsLeader } from '../leadership.js';
import type { ImportRow } from './import.js';

/**
 * A publication takes milliseconds and a 50,000-row import about a minute: a claim this old belongs to a process
 * that is gone. (Were it alive after all, the worst case stays safe for 新規 and imports, whose idempotency keys
 * make a second approval publish nothing twice.)
 */
export const STUCK_AFTER_MS = 10 * 60_000;

export interface RecoveredDraft {
  id: string;
  kind: string;
  outcome: 'published' | 'pending';
  contractNumber: string | null;
}

type Found =
  | { published: true; result: Record<string, unknown>; contractNumber: string | null }
  | { published: false; note: string };

/** Did the publication of this claimed draft happen? Read from rows its publication would have written. */
async function findPublication(ctx: ServiceContext, draft: StaffDraftTable): Promise<Found> {
  const body = JSON.parse(draft.body) as Record<string, unknown>;
  if (draft.kind === 'issue') {
    // approveDraft publishes a 新規 under the idempotency key draft:<id>, in the same transaction as the surety.
    const number = (await findIdempotentNumbers(ctx.db, [`draft:${draft.id}`])).get(`draft:${draft.id}`);
    return number
      ? { published: true, result: { contractNumber: number, recovered: true }, contractNumber: number }
      : { published: false, note: '発行されていないことを確認しました' };
  }
  if (draft.kind === 'issue_set') {
    // publishSuretySet writes all of them in one transaction under draft:<id>:<i>: all exist, or none does.
    const keys = (body.guarantees as unknown[]).map((_, i) => `draft:${draft.id}:${i}`);
    const found = await findIdempotentNumbers(ctx.db, keys);
    return found.size === keys.length
      ? {
          published: true,
          result: { contractNumbers: keys.map((k) => found.get(k)), recovered: true },
          contractNumber: null,
        }
      : { published: false, note: '発行されていないことを確認しました' };
  }
  if (draft.kind === 'import') {
    const rows = body.rows as ImportRow[];
    const known = await findIdempotentNumbers(
      ctx.db,
      rows.map((r) => r.key),
    );
    const done = rows.filter((r) => known.has(r.key)).length;
    return done === rows.length
      ? { published: true, result: { published: done, skipped: 0, recovered: true }, contractNumber: null }
      : {
          published: false,
          note: `${rows.length}件中${done}件は発行済みです。再度承認すると残りを発行します（発行済みの行は二重に発行されません）`,
        };
  }
  // A version carries no draft id, but its audit row (written with it) names the approver, the event, the target
  // and the reason: one written by the claiming approver since the claim, and not already some other draft's result.
  const n = draft.contract_number as string;
  const claimed = new Set(
    (await publishedDraftResults(ctx.db, n)).map((r) => (JSON.parse(r) as { seq?: number }).seq).filter(Boolean),
  );
  const candidates = await versionAuditSince(
    ctx.db,
    n,
    `surety.${draft.kind}`,
    draft.decided_by as string,
    draft.decided_at as string,
  );
  for (const row of candidates) {
    const d = JSON.parse(row.detail) as { seq: number; target: number | null; reason: string | null };
    if (claimed.has(d.seq)) continue;
    if ((d.target ?? null) !== ((body.target as number | undefined) ?? null)) continue;
    if ((d.reason ?? null) !== ((body.reason as string | undefined) ?? null)) continue;
    return { published: true, result: { contractNumber: n, seq: d.seq, recovered: true }, contractNumber: n };
  }
  return { published: false, note: '発行されていないことを確認しました' };
}

/**
 * Settles every draft claimed for publishing more than `stuckAfterMs` ago. Safe to run anywhere at any time (start-up,
 * a timer on each instance, an approver's button): each move is a conditional update from 'publishing', so two
 * runs never settle one draft twice.
 * @throws DomainError forbidden (a staff member who is not an approver)
 */
export async function recoverStuckDrafts(
  ctx: ServiceContext,
  actor: Actor,
  options: { stuckAfterMs?: number } = {},
): Promise<RecoveredDraft[]> {
  if (actor.type === 'staff' && actor.role !== 'approver') {
    throw new DomainError('forbidden', 'この操作を行う権限がありません');
  }
  const before = new Date(ctx.clock().getTime() - (options.stuckAfterMs ?? STUCK_AFTER_MS)).toISOString();
  const settled: RecoveredDraft[] = [];
  for (const draft of await listStuckDrafts(ctx.db, before)) {
    // Requests (obligee, key reissue) are applied in one transaction and never wait in 'publishing'.
    if (
      !['issue', 'issue_set', 'change', 'correction', 'change_cancellation', 'cancellation', 'import'].includes(
        draft.kind,
      )
    )
      continue;
    const found = await findPublication(ctx, draft);
    const moved = await writeTransaction(ctx.db, async (tx) => {
      const at = ctx.clock().toISOString();
      const ok = await transitionDraft(
        tx,
        draft.id,
        'publishing',
        found.published
          ? {
              status: 'published',
              result: JSON.stringify(found.result),
              error: null,
              ...(draft.kind === 'issue' ? { contract_number: found.contractNumber } : {}),
            }
          : { status: 'pending', error: `発行処理が中断されたため承認待ちに戻しました（${found.note}）` },
      );
      if (!ok) return false;
      await insertAudit(tx, {
        at,
        actor_type: actor.type,
        actor_id: actor.id,
        action: 'draft.recovered',
        contract_number: found.published ? found.contractNumber : draft.contract_number,
        detail: JSON.stringify({
          id: draft.id,
          kind: draft.kind,
          outcome: found.published ? 'published' : 'pending',
          claimedBy: draft.decided_by,
          claimedAt: draft.decided_at,
          ...(found.published ? found.result : {}),
        }),
      });
      return true;
    });
    if (moved) {
      settled.push({
        id: draft.id,
        kind: draft.kind,
        outcome: found.published ? 'published' : 'pending',
        contractNumber: found.published ? found.contractNumber : draft.contract_number,
      });
    }
  }
  return settled;
}

/**
 * Runs the recovery at start-up and every few minutes in the server process that leads it (one instance at a time;
 * another takes over within three intervals of the leader's death, or at once after it stops); stop() waits for a
 * run in flight.
 */
export function startDraftRecovery(
  ctx: ServiceContext,
  options: { everyMs?: number; holder?: string } = {},
): { stop(): Promise<void> } {
  const everyMs = options.everyMs ?? 5 * 60_000;
  const holder = options.holder ?? instanceName();
  const actor: Actor = { type: 'system', id: 'draft-recovery' };
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = running
      .then(async () => {
        const settled = await runAsLeader(ctx, 'draft-recovery', holder, 3 * everyMs, () =>
          recoverStuckDrafts(ctx, actor),
        );
        for (const d of settled ?? []) {
          ctx.logger.info({ msg: 'draft recovered', draft: d.id, kind: d.kind, outcome: d.outcome });
        }
      })
      .catch((error: unknown) => ctx.logger.error({ msg: 'draft recovery failed', error: String(error) }));
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await resignLeadership(ctx, 'draft-recovery', holder).catch(() => undefined);
    },
  };
}
