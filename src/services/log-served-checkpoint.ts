// Which checkpoint GET /log/checkpoint serves once witnesses are configured: the largest one that a witness has
// cosigned or that was signed at least UNWITNESSED_AFTER_MS ago (before any qualifies, the first one). Witnesses
// answer within a tick, so clients that require cosignatures keep finding them; a failing witness holds the public
// view back by that much at most, never longer. And the served size never goes down (a cosignature or an age, once
// there, stays), which a monitor would report as a shrinking log. Cosignature lines follow the log's own line, in
// the configured order of the witnesses (C2SP signed-note allows several signature lines).
import type { LogCheckpointTable } from '../../db/schema.js';
import {
  checkpointOfSize,
  checkpointSignedBy,
  cosignaturesAt,
  latestCosignedSize,
} from '../repositories/log-witnesses.js';
import type { ServiceContext } from './context.js';

/** DESIGN §12 wants a checkpoint covering a version within 5 s: 3 s here plus the 1 s checkpoint tick keeps to it. */
export const UNWITNESSED_AFTER_MS = 3000;

async function withCosignatures(ctx: ServiceContext, checkpoint: LogCheckpointTable, keys: string[]) {
  const lines = await cosignaturesAt(ctx.db, checkpoint.size, keys);
  const ordered = keys.flatMap((k) => lines.filter((l) => l.witness_key === k).map((l) => l.line));
  return `${checkpoint.note}${ordered.join('')}`;
}

export async function servedCheckpoint(ctx: ServiceContext, latest: LogCheckpointTable): Promise<string> {
  const keys = ctx.config.logWitnesses.map((w) => w.verifierKey);
  if (keys.length === 0) return latest.note;
  const cosigned = await latestCosignedSize(ctx.db, keys);
  if (cosigned === latest.size) return withCosignatures(ctx, latest, keys);
  const aged = await checkpointSignedBy(ctx.db, new Date(ctx.clock().getTime() - UNWITNESSED_AFTER_MS).toISOString());
  const size = Math.max(cosigned ?? -1, aged?.size ?? -1);
  const chosen =
    size < 0
      ? await checkpointSignedBy(ctx.db, null)
      : size === aged?.size
        ? aged
        : await checkpointOfSize(ctx.db, size);
  return withCosignatures(ctx, chosen ?? latest, keys);
}
