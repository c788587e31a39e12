// The transparency log's operator commands (`log:status`, `log:resume`, `log:restore-leaves`): terminal output around
// log-hold.ts and log-restore-leaves.ts.
import { witnessSizes } from '../repositories/log-witnesses.js';
import { latestTimestamp } from '../repositories/log-timestamps.js';
import { latestCheckpoint, logHead } from '../repositories/transparency-log.js';
import type { Actor, ServiceContext } from './context.js';
import { DAY_MS } from './log-timestamps.js';
import { readRecordedCheckpoint, resumeLog, type LogHold } from './log-hold.js';
import { leafSourceOf, restoreLogLeaves } from './log-restore-leaves.js';

const REASONS: Record<LogHold['reason'], string> = {
  leaves_missing: 'leaf rows are missing (deleted, or the database was partly restored)',
  behind_checkpoint: "the log is shorter than the database's own latest checkpoint",
  behind_record: 'the log is shorter than the last checkpoint this deployment published (restored or rolled back)',
  behind_witness:
    'a witness cosigned a larger checkpoint of this log than the database holds (restored or rolled back)',
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
  const witnesses = ctx.config.logWitnesses;
  const sizes = await witnessSizes(
    ctx.db,
    witnesses.map((w) => w.verifierKey),
  );
  for (const w of witnesses) {
    console.log(`  witness ${w.name}: last acknowledged size ${sizes.get(w.verifierKey) ?? 'none yet'}`);
  }
  return hold ? 1 : 0;
}

/** `log:resume` */
export async function logResumeCommand(ctx: ServiceContext, actor: Actor): Promise<number> {
  const { lifted } = await resumeLog(ctx, actor);
  console.log(lifted ? `hold lifted (${REASONS[lifted.reason]}); the log is whole again` : 'the log was not on hold');
  return 0;
}

/** `log:restore-leaves --from <url|dir>` @throws DomainError when the mirror cannot restore the leaves (nothing written) */
export async function logRestoreLeavesCommand(ctx: ServiceContext, actor: Actor, from: string): Promise<number> {
  const source = leafSourceOf(from);
  const { checkpoint, restored } = await restoreLogLeaves(ctx, actor, source);
  if (restored.length === 0) {
    console.log(`no leaf is missing below the last published checkpoint (size ${checkpoint}); nothing changed`);
    return 0;
  }
  console.log(
    `restored ${restored.length} leaves (${restored[0]}…${restored[restored.length - 1]}) from ${source.name}: ` +
      `they reproduce the signed root of checkpoint ${checkpoint}`,
  );
  console.log('  their versions were lost in the restore: `audit` lists them; then run `log:resume`');
  return 0;
}
