// Which checkpoint GET /log/checkpoint serves once witnesses are configured: the latest signed one when a witness has
// cosigned it; otherwise the latest cosigned one while it is under COSIGNED_GRACE_MS old (the witnesses answer within
// a tick, and a client that requires cosignatures keeps finding some); past that, the latest signed one alone — a
// failing witness never holds the log's public view back more than that. Cosignature lines follow the log's own
// signature line, in the configured order of the witnesses (C2SP signed-note allows several signature lines).
import type { LogCheckpointTable } from '../../db/schema.js';
import { checkpointOfSize, cosignaturesAt, latestCosignedSize } from '../repositories/log-witnesses.js';
import type { ServiceContext } from './context.js';

/** DESIGN §12: a checkpoint covering a version exists within 5 s of its publication; the served one keeps to that. */
export const COSIGNED_GRACE_MS = 5000;

async function withCosignatures(ctx: ServiceContext, checkpoint: LogCheckpointTable, keys: string[]) {
  const lines = await cosignaturesAt(ctx.db, checkpoint.size, keys);
  if (lines.length === 0) return null;
  const ordered = keys.flatMap((k) => lines.filter((l) => l.witness_key === k).map((l) => l.line));
  return `${checkpoint.note}${ordered.join('')}`;
}

export async function servedCheckpoint(ctx: ServiceContext, latest: LogCheckpointTable): Promise<string> {
  const keys = ctx.config.logWitnesses.map((w) => w.verifierKey);
  if (keys.length === 0) return latest.note;
  const cosignedLatest = await withCosignatures(ctx, latest, keys);
  if (cosignedLatest) return cosignedLatest;
  const size = await latestCosignedSize(ctx.db, keys);
  const older = size === null || size >= latest.size ? undefined : await checkpointOfSize(ctx.db, size);
  if (older && ctx.clock().getTime() - Date.parse(older.created_at) < COSIGNED_GRACE_MS) {
    return (await withCosignatures(ctx, older, keys)) ?? latest.note;
  }
  return latest.note;
}
