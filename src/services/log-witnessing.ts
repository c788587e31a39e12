// Submitting the log's checkpoints to its witnesses (C2SP tlog-witness, ESURETY_LOG_WITNESSES): one leader sends
// each witness the latest checkpoint with a consistency proof from the size that witness last acknowledged, keeps the
// verified cosignature, and — when a witness answers 409 with a size larger than the log the database holds — puts
// the log on hold (a restored or rolled-back database). A slow or failing witness never delays checkpoints or
// publication: it has its own job, a timeout and an exponential back-off.
import { writeTransaction } from '../../db/connection.js';
import type { LogWitnessConfig } from '../config.js';
import { findCosignature, parseCosignatureKey } from '../log/cosignature.js';
import { formatAddCheckpoint } from '../log/witness-protocol.js';
import { cosignaturesAt, insertCosignature, setWitnessSize, witnessSizes } from '../repositories/log-witnesses.js';
import { latestCheckpoint, logHead } from '../repositories/transparency-log.js';
import type { ServiceContext } from './context.js';
import { instanceName, resignLeadership, runAsLeader } from './leadership.js';
import { currentCheckpoint } from './log-answers.js';
import { holdBehindWitness } from './log-hold.js';
import { treeConsistency } from './log-tree.js';

export type WitnessResult =
  | { outcome: 'cosigned'; size: number }
  | { outcome: 'up_to_date'; size: number }
  | { outcome: 'idle' }
  | { outcome: 'held'; witnessed: number; head: number }
  | { outcome: 'failed'; reason: string };

type Fetch = typeof fetch;

/**
 * Brings one witness up to the latest checkpoint (at most one retry after a 409 naming an older size). A `probe`
 * (each start) first sends "old 0", not the size the database remembers: a restored database remembers an old one,
 * and the witness's 409 tells its real size (the spec's way to learn it) before this instance publishes anything.
 * @returns what happened; `failed` carries a reason fit for the log (no URL: it may hold credentials)
 */
export async function submitToWitness(
  ctx: ServiceContext,
  witness: LogWitnessConfig,
  options: { fetch?: Fetch; timeoutMs?: number; probe?: boolean } = {},
): Promise<WitnessResult> {
  const fetchFn = options.fetch ?? fetch;
  const verifier = parseCosignatureKey(witness.verifierKey);
  for (let attempt = 0; attempt < 2; attempt++) {
    const head = await logHead(ctx.db);
    const probe = options.probe === true && attempt === 0;
    // Before the first checkpoint, a probe sends the signed empty tree (which any witness may cosign).
    const latest =
      (await latestCheckpoint(ctx.db)) ??
      (probe ? { size: 0, note: await currentCheckpoint(ctx), root: '', created_at: '' } : undefined);
    if (head.held !== null || !latest) return { outcome: 'idle' };
    const old = probe ? 0 : ((await witnessSizes(ctx.db, [witness.verifierKey])).get(witness.verifierKey) ?? 0);
    if (old > latest.size) {
      // The checkpoint job has not caught up with leaves the database still holds; a larger size is a rollback.
      if (old <= head.size) return { outcome: 'idle' };
      await holdBehindWitness(ctx, witness, old);
      return { outcome: 'held', witnessed: old, head: head.size };
    }
    if (
      !probe &&
      old === latest.size &&
      (await cosignaturesAt(ctx.db, latest.size, [witness.verifierKey])).length > 0
    ) {
      return { outcome: 'up_to_date', size: old };
    }
    const proof = old === 0 || old === latest.size ? [] : await treeConsistency(ctx.db, old, latest.size);
    const body = formatAddCheckpoint({ oldSize: old, proof: proof.map((h) => Buffer.from(h)), note: latest.note });
    let res: Response;
    try {
      res = await fetchFn(`${witness.url}/add-checkpoint`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
    } catch (error) {
      const name = (error as Error).name;
      return { outcome: 'failed', reason: name === 'TimeoutError' ? 'timed out' : `unreachable (${name})` };
    }
    const text = await res.text().catch(() => '');
    if (res.status === 200) {
      const checkpointBody = latest.note.slice(0, latest.note.indexOf('\n\n') + 1);
      const cosignature = findCosignature(text, checkpointBody, verifier);
      if (!cosignature) return { outcome: 'failed', reason: 'answered 200 without a valid cosignature of its key' };
      const at = ctx.clock().toISOString();
      await writeTransaction(ctx.db, async (tx) => {
        await insertCosignature(tx, {
          size: latest.size,
          witness_key: witness.verifierKey,
          line: cosignature.line,
          created_at: at,
        });
        await setWitnessSize(tx, witness.verifierKey, latest.size, at);
      });
      return { outcome: 'cosigned', size: latest.size };
    }
    const reported = /^(0|[1-9][0-9]*)\n$/.exec(text);
    if (res.status === 409 && reported && Number.isSafeInteger(Number(reported[1]))) {
      const size = Number(reported[1]);
      const now = await logHead(ctx.db);
      if (size > now.size) {
        await holdBehindWitness(ctx, witness, size);
        return { outcome: 'held', witnessed: size, head: now.size };
      }
      await setWitnessSize(ctx.db, witness.verifierKey, size, ctx.clock().toISOString());
      continue;
    }
    return {
      outcome: 'failed',
      reason:
        res.status === 422
          ? `refused the checkpoint of size ${latest.size} as inconsistent with the one it cosigned (422)`
          : `answered ${res.status}`,
    };
  }
  return { outcome: 'failed', reason: 'its acknowledged size kept changing (409 twice)' };
}

/**
 * The start-up check: every witness probed in parallel, each for at most `timeoutMs` (an unreachable witness is
 * logged and left to the job). Run before the instance accepts publications.
 */
export async function probeWitnesses(ctx: ServiceContext, timeoutMs = 3000): Promise<WitnessResult[]> {
  return Promise.all(
    ctx.config.logWitnesses.map(async (witness) => {
      const result = await submitToWitness(ctx, witness, { probe: true, timeoutMs }).catch(
        (error: unknown): WitnessResult => ({ outcome: 'failed', reason: String(error) }),
      );
      if (result.outcome === 'failed')
        ctx.logger.warn({ witness: witness.name }, `log witness ${witness.name}: ${result.reason}`);
      return result;
    }),
  );
}

/** Runs submitToWitness for every configured witness, each on its own schedule, on the job's leader. */
export function startLogWitnessing(
  ctx: ServiceContext,
  options: { everyMs?: number; holder?: string; timeoutMs?: number } = {},
): { stop(): Promise<void> } {
  const witnesses = ctx.config.logWitnesses;
  if (witnesses.length === 0) return { stop: async () => undefined };
  const everyMs = options.everyMs ?? 1000;
  const holder = options.holder ?? instanceName();
  const inFlight = new Map<string, Promise<void>>();
  const failures = new Map<string, { count: number; retryAt: number }>();
  let ticking = false;
  let stopped = false;

  const submit = (witness: LogWitnessConfig) =>
    submitToWitness(ctx, witness, options.timeoutMs ? { timeoutMs: options.timeoutMs } : {})
      .catch((error: unknown): WitnessResult => ({ outcome: 'failed', reason: String(error) }))
      .then((result) => {
        if (result.outcome === 'failed') {
          const count = (failures.get(witness.verifierKey)?.count ?? 0) + 1;
          // 2 s, 4 s, … up to 5 minutes between attempts at a witness that keeps failing.
          const delay = Math.min(1000 * 2 ** count, 300_000);
          failures.set(witness.verifierKey, { count, retryAt: Date.now() + delay });
          ctx.logger.warn(
            { witness: witness.name, failures: count, retryInMs: delay },
            `log witness ${witness.name}: ${result.reason}`,
          );
          return;
        }
        if (failures.delete(witness.verifierKey)) ctx.logger.info({ witness: witness.name }, 'log witness recovered');
        if (result.outcome === 'held') {
          ctx.logger.error(
            { witness: witness.name, witnessed: result.witnessed, head: result.head },
            'the transparency log is ON HOLD: a witness cosigned a larger checkpoint than this database holds ' +
              '(restored or rolled back); publication is refused until the leaves are restored and log:resume runs',
          );
        }
      })
      .finally(() => inFlight.delete(witness.verifierKey));

  const tick = async () => {
    if (ticking || stopped) return;
    ticking = true;
    try {
      await runAsLeader(ctx, 'log-witness', holder, 5 * everyMs, async () => {
        for (const witness of witnesses) {
          const failing = failures.get(witness.verifierKey);
          if (inFlight.has(witness.verifierKey) || (failing && failing.retryAt > Date.now())) continue;
          inFlight.set(witness.verifierKey, submit(witness));
        }
      });
    } catch (error) {
      ctx.logger.error({ msg: 'log witness job failed', error: String(error) });
    } finally {
      ticking = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all(inFlight.values());
      await resignLeadership(ctx, 'log-witness', holder).catch(() => undefined);
    },
  };
}
