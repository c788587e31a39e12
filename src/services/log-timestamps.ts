// The daily RFC 3161 time-stamp of the latest checkpoint (DESIGN §12), so even the issuer cannot later back-date a
// checkpoint. One leader instance (the 'log-timestamp' lease) checks every minute whether a stamp is due; a failing
// authority is retried with back-off and logged (never with its credentials) and never holds up checkpoints or
// publications, which run in their own job.
import type { LogTimestampTable } from '../../db/schema.js';
import { checkpointImprint, timestampReply } from '../log/timestamp.js';
import type { TimeStamper } from '../pdf-sign/cms.js';
import { DomainError } from '../errors.js';
import {
  findCheckpointNote,
  findTimestamp,
  insertTimestamp,
  latestTimestamp,
  listTimestampSizes,
} from '../repositories/log-timestamps.js';
import { latestCheckpoint } from '../repositories/transparency-log.js';
import type { ServiceContext } from './context.js';
import { instanceName, resignLeadership, runAsLeader } from './leadership.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Stamps the latest checkpoint when the last stamp is at least `intervalMs` old (or there is none) and the log has
 * grown since it.
 * @returns the stored stamp, or null when none was due
 * @throws whatever the time-stamper throws (TimeStampError): nothing is stored then
 */
export async function stampLatestCheckpoint(
  ctx: ServiceContext,
  stamper: TimeStamper,
  intervalMs = DAY_MS,
): Promise<LogTimestampTable | null> {
  const checkpoint = await latestCheckpoint(ctx.db);
  if (!checkpoint) return null;
  const last = await latestTimestamp(ctx.db);
  if (last && (Number(last.size) >= checkpoint.size || Date.parse(last.stamped_at) + intervalMs > +ctx.clock())) {
    return null;
  }
  const token = await stamper(checkpointImprint(checkpoint.note));
  const row: LogTimestampTable = {
    size: checkpoint.size,
    note: checkpoint.note,
    token: Buffer.from(token).toString('base64'),
    stamped_at: ctx.clock().toISOString(),
  };
  await insertTimestamp(ctx.db, row);
  return row;
}

/** The time-stamp of the checkpoint of `size` as a TimeStampResp (DER). @throws DomainError not_found */
export async function checkpointTimestamp(ctx: ServiceContext, size: number): Promise<Uint8Array<ArrayBuffer>> {
  const row = await findTimestamp(ctx.db, size);
  if (!row) throw new DomainError('not_found', `ツリーサイズ ${size} のチェックポイントにはタイムスタンプがありません`);
  return timestampReply(Buffer.from(row.token, 'base64'));
}

/** The signed note of the checkpoint of exactly `size` (what its time-stamp covers). @throws DomainError not_found */
export async function checkpointNoteOfSize(ctx: ServiceContext, size: number): Promise<string> {
  const note = await findCheckpointNote(ctx.db, size);
  if (note === undefined) throw new DomainError('not_found', `ツリーサイズ ${size} のチェックポイントはありません`);
  return note;
}

const PAGE = 1000;

/** Stamped checkpoint sizes above `after`, ascending, one page; `next` is where the following page starts. */
export async function stampedSizes(
  ctx: ServiceContext,
  after: number,
): Promise<{ sizes: number[]; next: number | null }> {
  const sizes = await listTimestampSizes(ctx.db, after, PAGE);
  return { sizes, next: sizes.length === PAGE ? sizes[sizes.length - 1]! : null };
}

export interface LogTimestampOptions {
  /** How often a stamp is due (a day). */
  intervalMs?: number;
  /** How often the leader looks (a minute). */
  everyMs?: number;
  /** The first retry after a failure; doubled per failure up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  holder?: string;
}

/** Runs stampLatestCheckpoint on the instance that leads the job, with back-off after a failing authority. */
export function startLogTimestamps(
  ctx: ServiceContext,
  stamper: TimeStamper,
  options: LogTimestampOptions = {},
): { stop(): Promise<void> } {
  const intervalMs = options.intervalMs ?? DAY_MS;
  const everyMs = options.everyMs ?? 60_000;
  const backoffMs = options.backoffMs ?? 60_000;
  const maxBackoffMs = options.maxBackoffMs ?? 60 * 60_000;
  const holder = options.holder ?? instanceName();
  let failures = 0;
  let retryAt = 0;
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  let stopped = false;
  const attempt = async () => {
    if (stopped || Date.now() < retryAt) return;
    try {
      const stamp = await runAsLeader(ctx, 'log-timestamp', holder, Math.max(5 * everyMs, 60_000), () =>
        stampLatestCheckpoint(ctx, stamper, intervalMs),
      );
      if (stamp) ctx.logger.info({ size: stamp.size }, `log checkpoint of size ${stamp.size} time-stamped`);
      failures = 0;
      retryAt = 0;
    } catch (error) {
      failures++;
      const wait = Math.min(maxBackoffMs, backoffMs * 2 ** (failures - 1));
      retryAt = Date.now() + wait;
      // TimeStampError messages name the authority without its userinfo (pdf-sign/tsa.ts).
      ctx.logger.error(
        { failures, retryInMs: wait, error: error instanceof Error ? error.message : String(error) },
        'log checkpoint time-stamp failed; checkpoints and publications go on, retrying with back-off',
      );
    }
  };
  const run = () => {
    if (busy) return;
    busy = true;
    running = running.then(attempt).finally(() => {
      busy = false;
    });
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await resignLeadership(ctx, 'log-timestamp', holder).catch(() => undefined);
    },
  };
}
