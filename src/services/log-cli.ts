// The transparency log's operator commands (`log:status`, `log:resume`): terminal output around log-hold.ts.
import { latestTimestamp } from '../repositories/log-timestamps.js';
import { latestCheckpoint, logHead } from '../repositories/transparency-log.js';
import type { Actor, ServiceContext } from './context.js';
import { DAY_MS } from './log-timestamps.js';
import { readRecordedCheckpoint, resumeLog, type LogHold } from './log-hold.js';

const REASONS: Record<LogHold['reason'], string> = {
  leaves_missing: 'leaf rows are missing (deleted, or the database was partly restored)',
  behind_checkpoint: "the log is shorter than the database's own latest checkpoint",
  behind_record: 'the log is shorter than the last checkpoint this deployment published (restored or rolled back)',
};

/** `log:status`: exit 0 while the log accepts publications, 1 while it is on hold. */
export async function logStatusCommand(ctx: ServiceContext, hold: LogHold | null): Promise<number> {
  const head = await logHead(ctx.db);
  const latest = await latestCheckpoint(ctx.db);
  console.log(hold ? `log ON HOLD since ${hold.since}: ${REASONS[hold.reason]}` : 'log: accepting publications');
  console.log(`  leaves ${head.size}, latest checkpoint ${latest?.size ?? 'none'}`);
  console.log(
    `  last checkpoint recorded outside the database (${ctx.config.numbersDir}): ` +
      `${readRecordedCheckpoint(ctx.config.numbersDir) ?? 'none'}`,
  );
  const stamp = await latestTimestamp(ctx.db);
  // A stamp more than a day and a half old while a TSA is configured: the authority has been failing (the server
  // log says why, under 'time-stamp failed'); checkpoints and publications go on regardless.
  const overdue =
    stamp && ctx.config.tsaUrl && +ctx.clock() - Date.parse(stamp.stamped_at) > 1.5 * DAY_MS
      ? " — OVERDUE: see the server log for 'log checkpoint time-stamp failed'"
      : '';
  console.log(
    stamp
      ? `  latest time-stamped checkpoint: size ${stamp.size} at ${stamp.stamped_at}${overdue}`
      : `  no checkpoint time-stamped yet${ctx.config.tsaUrl ? '' : ' (no ESURETY_TSA_URL)'}`,
  );
  console.log(`  log key: ${ctx.logSigner.verifierKey}`);
  return hold ? 1 : 0;
}

/** `log:resume` */
export async function logResumeCommand(ctx: ServiceContext, actor: Actor): Promise<number> {
  const { lifted } = await resumeLog(ctx, actor);
  console.log(lifted ? `hold lifted (${REASONS[lifted.reason]}); the log is whole again` : 'the log was not on hold');
  return 0;
}
