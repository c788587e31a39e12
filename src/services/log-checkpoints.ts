// The transparency log's checkpoints (DESIGN §12): one leader instance signs a checkpoint whenever the log has grown
// (every second by default, so every version is covered within 5 s of its publication), after storing the subtree
// hashes the growth completed; and remembers the last one OUTSIDE the database (log-hold.ts reads it back).
import type { LogCheckpointTable } from '../../db/schema.js';
import { checkpointBody, signNote } from '../log/note.js';
import { insertCheckpoint, latestCheckpoint, logHead } from '../repositories/transparency-log.js';
import type { ServiceContext } from './context.js';
import { instanceName, resignLeadership, runAsLeader } from './leadership.js';
import { checkLogRollback, recordPublishedCheckpoint } from './log-hold.js';
import { storeCompletedNodes, treeRoot } from './log-tree.js';

/** The log's origin and key name: the public host and `/log` (e.g. `localhost:3000/log`). */
export function logOrigin(publicUrl: string): string {
  return `${new URL(publicUrl).host}/log`;
}

/**
 * Signs a checkpoint of the whole log when it has grown since the last one.
 * @returns the new checkpoint, or null when there was nothing new (or the log is on hold)
 */
export async function publishCheckpoint(ctx: ServiceContext): Promise<LogCheckpointTable | null> {
  const latest = await latestCheckpoint(ctx.db);
  const head = await logHead(ctx.db);
  const from = latest?.size ?? 0;
  if (head.held !== null || head.size <= from) {
    // Shorter than what was published: a rollback under a running instance. Hold publication (log-hold.ts).
    if (head.held === null && head.size < from) await checkLogRollback(ctx);
    return null;
  }
  // Leaves [0, head.size) are committed: the index and its leaf are written in one transaction. Nodes are
  // idempotent rows written outside a transaction, so a first checkpoint over millions of back-filled leaves never
  // holds the write lock publications need.
  await storeCompletedNodes(ctx.db, from, head.size);
  const root = Buffer.from(await treeRoot(ctx.db, head.size));
  const note = signNote(
    checkpointBody({ origin: logOrigin(ctx.config.publicUrl), size: head.size, root }),
    ctx.logSigner,
  );
  const row: LogCheckpointTable = {
    size: head.size,
    root: root.toString('base64'),
    note,
    created_at: ctx.clock().toISOString(),
  };
  await insertCheckpoint(ctx.db, row);
  recordPublishedCheckpoint(ctx.config.numbersDir, note);
  return row;
}

/** Runs publishCheckpoint every `everyMs` on the instance that leads the job. */
export function startLogCheckpoints(
  ctx: ServiceContext,
  options: { everyMs?: number; holder?: string } = {},
): { stop(): Promise<void> } {
  const everyMs = options.everyMs ?? 1000;
  const holder = options.holder ?? instanceName();
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const run = () => {
    running = running
      .then(async () => {
        if (stopped) return;
        await runAsLeader(ctx, 'log-checkpoint', holder, 5 * everyMs, () => publishCheckpoint(ctx));
      })
      .catch((error: unknown) => ctx.logger.error({ msg: 'log checkpoint failed', error: String(error) }));
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await resignLeadership(ctx, 'log-checkpoint', holder).catch(() => undefined);
    },
  };
}
