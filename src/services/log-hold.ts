// Rollback detection for the transparency log (DESIGN §12, issue 18 item 5). A log index, once in a published
// checkpoint, is never handed out again. The last checkpoint this deployment published is remembered OUTSIDE the
// database too (`log-checkpoint` in the issued-numbers directory, ESURETY_NUMBERS_DIR, beside the numbers it
// remembers for the same reason); a database whose log is shorter than that, or than its own latest checkpoint, or
// than a checkpoint a witness says it cosigned (log-witnessing.ts), or whose leaf rows have gaps, puts the log on hold — the head row's `held`, which the very UPDATE that hands out an
// index checks, so a held log refuses every publication at no cost to the others — until an operator restores the
// missing leaves and runs `log:resume`, which lifts the hold only once the log is whole again.
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { writeTransaction } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { parseCheckpointBody } from '../log/note.js';
import { DomainError } from '../errors.js';
import { insertAudit } from '../repositories/audit-log.js';
import { largestWitnessedSize, setWitnessSize } from '../repositories/log-witnesses.js';
import { countLeaves, latestCheckpoint, logHead, setLogHold } from '../repositories/transparency-log.js';
import type { Actor, ServiceContext } from './context.js';

const FILE = 'log-checkpoint';

export interface LogHold {
  reason: 'leaves_missing' | 'behind_checkpoint' | 'behind_record' | 'behind_witness';
  since: string;
  /** The head counter, the leaf rows there are, and the checkpoints it is shorter than. */
  head: number;
  leaves: number;
  checkpoint: number | null;
  recorded: number | null;
  /** The largest size a witness said it cosigned (its 409 answer), when that is what the log is behind. */
  witnessed?: number | null;
}

/** The signed note of the last checkpoint recorded outside the database, or null when none was. */
export function readRecordedCheckpointNote(dir: string): string | null {
  try {
    return fs.readFileSync(path.join(dir, FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** The size of the last checkpoint recorded outside the database, or null when none was. */
export function readRecordedCheckpoint(dir: string): number | null {
  const text = readRecordedCheckpointNote(dir);
  if (text === null) return null;
  const body = parseCheckpointBody(text.slice(0, text.indexOf('\n\n') + 1));
  if (!body) throw new Error(`${path.join(dir, FILE)} does not hold a log checkpoint`);
  return body.size;
}

/**
 * Records a published checkpoint (the signed note) unless a larger one is recorded: temporary file, fsync, rename,
 * as the issued numbers are. Only ever grows.
 */
export function recordPublishedCheckpoint(dir: string, note: string): void {
  const body = parseCheckpointBody(note.slice(0, note.indexOf('\n\n') + 1));
  if (!body) throw new Error('not a checkpoint note');
  const current = readRecordedCheckpoint(dir);
  if (current !== null && current >= body.size) return;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(dir, `.${FILE}.${process.pid}.tmp`);
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.writeSync(fd, note);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, path.join(dir, FILE));
}

export async function getLogHold(db: Kysely<Database>): Promise<LogHold | null> {
  const { held } = await logHead(db);
  return held === null ? null : (JSON.parse(held) as LogHold);
}

/** What is wrong with the log's length, or null when it is whole and no shorter than anything published. */
async function findShortfall(db: Kysely<Database>, numbersDir: string, now: Date): Promise<LogHold | null> {
  const head = await logHead(db);
  const leaves = await countLeaves(db);
  const checkpoint = (await latestCheckpoint(db))?.size ?? null;
  const recorded = readRecordedCheckpoint(numbersDir);
  const facts = { since: now.toISOString(), head: head.size, leaves: leaves.count, checkpoint, recorded };
  if (leaves.count !== head.size || leaves.end !== head.size) return { reason: 'leaves_missing', ...facts };
  if (checkpoint !== null && checkpoint > head.size) return { reason: 'behind_checkpoint', ...facts };
  if (recorded !== null && recorded > head.size) return { reason: 'behind_record', ...facts };
  const witnessed = await largestWitnessedSize(db);
  if (witnessed !== null && witnessed > head.size) return { reason: 'behind_witness', ...facts, witnessed };
  return null;
}

/**
 * The start-up check (and the checkpoint job's, when it sees the log shrink): holds the log, with an audit row, when
 * it is shorter than a checkpoint this deployment published; otherwise brings the outside record up to the
 * database's latest checkpoint (a new instance, a first start).
 * @returns the hold in force, or null
 */
export async function checkLogRollback(
  ctx: Pick<ServiceContext, 'db' | 'clock' | 'config'>,
  options: { readOnly?: boolean } = {},
): Promise<LogHold | null> {
  const existing = await getLogHold(ctx.db);
  if (existing || options.readOnly) return existing;
  const now = ctx.clock();
  const hold = await findShortfall(ctx.db, ctx.config.numbersDir, now);
  if (!hold) {
    const latest = await latestCheckpoint(ctx.db);
    if (latest) recordPublishedCheckpoint(ctx.config.numbersDir, latest.note);
    return null;
  }
  await writeTransaction(ctx.db, async (tx) => {
    await setLogHold(tx, JSON.stringify(hold));
    await insertAudit(tx, {
      at: now.toISOString(),
      actor_type: 'system',
      actor_id: 'log-check',
      action: 'log.held',
      contract_number: null,
      detail: JSON.stringify(hold),
    });
  });
  return hold;
}

/**
 * A witness answered that it cosigned a checkpoint of `size`, larger than any this database holds: the database lost
 * checkpoints the outside world saw (restored from an old backup with its issued-numbers directory, or rolled back).
 * Holds the log — the witness's size recorded, so log:resume waits until the log is back to it — with its audit row,
 * in one transaction.
 * @returns the hold in force
 */
export async function holdBehindWitness(
  ctx: Pick<ServiceContext, 'db' | 'clock'>,
  witness: { name: string; verifierKey: string },
  size: number,
): Promise<LogHold> {
  const existing = await getLogHold(ctx.db);
  const now = ctx.clock().toISOString();
  const head = await logHead(ctx.db);
  const leaves = await countLeaves(ctx.db);
  const hold: LogHold = {
    reason: 'behind_witness',
    since: now,
    head: head.size,
    leaves: leaves.count,
    checkpoint: (await latestCheckpoint(ctx.db))?.size ?? null,
    recorded: null,
    witnessed: size,
  };
  await writeTransaction(ctx.db, async (tx) => {
    await setWitnessSize(tx, witness.verifierKey, size, now);
    if (existing) return;
    await setLogHold(tx, JSON.stringify(hold));
    await insertAudit(tx, {
      at: now,
      actor_type: 'system',
      actor_id: 'log-witness',
      action: 'log.held',
      contract_number: null,
      detail: JSON.stringify({ ...hold, witness: witness.name }),
    });
  });
  return existing ?? hold;
}

/**
 * The operator's `log:resume`: lifts the hold (audited) once the log is whole and no shorter than any published
 * checkpoint — after the missing leaves were restored, e.g. from a newer backup or a mirror of the public log. It
 * never truncates the record or reissues an index.
 * @throws DomainError conflict while the log is still short, naming what is missing
 */
export async function resumeLog(ctx: ServiceContext, actor: Actor): Promise<{ lifted: LogHold | null }> {
  const hold = await getLogHold(ctx.db);
  const shortfall = await findShortfall(ctx.db, ctx.config.numbersDir, ctx.clock());
  if (shortfall) {
    throw new DomainError(
      'conflict',
      `透明性ログはまだ短いままです（索引 ${shortfall.leaves} 件、ヘッド ${shortfall.head}、公開済みチェックポイント ` +
        `${Math.max(shortfall.checkpoint ?? 0, shortfall.recorded ?? 0, shortfall.witnessed ?? 0)}）。欠けている葉を復元してから再実行してください`,
    );
  }
  if (!hold) return { lifted: null };
  await writeTransaction(ctx.db, async (tx) => {
    await setLogHold(tx, null);
    await insertAudit(tx, {
      at: ctx.clock().toISOString(),
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'log.resumed',
      contract_number: null,
      detail: JSON.stringify({ hold: hold.reason }),
    });
  });
  return { lifted: hold };
}
