// A contract number, once issued, is never issued again — not even after a restore (README "Restore"). A database
// that may have forgotten numbers it handed out is put on hold: it assigns no number until an operator states the
// last number issued per office (`numbers:resume`, audited). What puts it on hold: the backup copy itself (every
// copy `backup` writes is marked), an issued-numbers directory that recorded more than the database holds, or (SQLite)
// that directory gone while the database says it had one.
import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { writeTransaction } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { formatContractNumber, normalizeContractNumber } from '../domain/identifiers.js';
import { DomainError } from '../errors.js';
import { insertAudit } from '../repositories/audit-log.js';
import { deleteMeta, getMeta, insertMetaIfAbsent } from '../repositories/meta.js';
import { listOfficeSequences, raiseOfficeSequence } from '../repositories/office-sequences.js';
import type { Actor, ServiceContext } from './context.js';
import { ensureIssuedNumbersDir, readIssuedNumbers, recordIssuedNumber } from './issued-numbers.js';

const HOLD = 'numbers_hold';
/** Written once the issued-numbers directory has been set up for this (SQLite) database. */
const DIR_ADOPTED = 'numbers_dir_adopted';

export interface NumberHold {
  reason: 'restored_copy' | 'database_behind' | 'numbers_dir_missing';
  since: string;
  /** The offices whose last number must be stated: what the database holds, and what the directory recorded. */
  offices: Record<string, { database: number; recorded: number | null }>;
}

export async function getNumberHold(db: Kysely<Database>): Promise<NumberHold | null> {
  const value = await getMeta(db, HOLD);
  return value === null ? null : (JSON.parse(value) as NumberHold);
}

/**
 * Refuses to assign a number while the database is on hold; called inside the publication's transaction.
 * @throws DomainError conflict
 */
export async function assertNumbersNotHeld(tx: Kysely<Database>): Promise<void> {
  if ((await getMeta(tx, HOLD)) === null) return;
  throw new DomainError(
    'conflict',
    'データベースが復元されたため、保証契約番号の払い出しを停止しています。復元前に発行した保証を再送する場合は、' +
      '発行済みの保証契約番号（contractNumber）を指定してください（同じ Idempotency-Key の再送にも新しい番号は付きません）。' +
      '運用担当者が最後に発行した番号を確認して numbers:resume を実行すると再開します',
  );
}

/** Numbers taken in a transaction, recorded once it has committed (deferNumberRecords). */
const deferred = new WeakMap<Kysely<Database>, Map<string, number>>();

/**
 * Notes a number just taken in `tx`. It is recorded outside the database by the `flush()` of deferNumberRecords,
 * which the caller runs after the commit and before anyone is answered; without one (no caller does that today) it
 * is recorded at once.
 */
export function recordTakenNumber(
  ctx: ServiceContext,
  tx: Kysely<Database>,
  officeCode: string,
  sequence: number,
): void {
  const pending = deferred.get(tx);
  if (pending) pending.set(officeCode, Math.max(pending.get(officeCode) ?? 0, sequence));
  else recordIssuedNumber(ctx.config.numbersDir, officeCode, sequence);
}

/**
 * Numbers taken in `tx` are recorded by `flush()`, which the caller runs once the transaction has committed and
 * before the answer goes out — once per office, not once per number (each record is a disk flush, ≈10–20 ms here).
 * A number is issued when it is answered, so this still records every issued number before anyone sees it; and a
 * process killed between taking a number and committing leaves the directory exactly at the database (the number
 * was never issued, and the next publication may take it), instead of ahead of it, which start-up would take for a
 * restore and hold numbering for (the crash harness showed it). Killed between the commit and the flush, the
 * directory is behind the database, which start-up brings up. `flush()` is synchronous: two publications of one
 * process never interleave their records, and the file only ever grows.
 */
export function deferNumberRecords(ctx: ServiceContext, tx: Kysely<Database>): { flush(): void } {
  const pending = new Map<string, number>();
  deferred.set(tx, pending);
  return {
    flush() {
      deferred.delete(tx);
      for (const [office, sequence] of pending) recordIssuedNumber(ctx.config.numbersDir, office, sequence);
    },
  };
}

/**
 * The start-up comparison of the database with the issued-numbers directory. Never lowers anything and never
 * assigns: it either brings the directory up to the database (a new instance, a first start) or puts the database
 * on hold (audited) when the directory knows numbers the database does not.
 * @returns the hold in force, or null
 */
export async function checkIssuedNumbers(
  db: Kysely<Database>,
  options: { numbersDir: string; sqlite: boolean; now: Date },
): Promise<NumberHold | null> {
  return writeTransaction(db, async (tx) => {
    const existing = await getNumberHold(tx);
    if (existing) return existing;
    const database = await listOfficeSequences(tx);
    const recorded = readIssuedNumbers(options.numbersDir);
    const adopted = (await getMeta(tx, DIR_ADOPTED)) !== null;
    let hold: NumberHold | null = null;
    if (recorded === null && options.sqlite && adopted && Object.values(database).some((n) => n > 0)) {
      // PostgreSQL instances each keep their own directory, so a new instance without one is normal there.
      hold = holdOf('numbers_dir_missing', options.now, database, {});
    } else if (recorded !== null) {
      const behind = Object.keys(recorded).filter((office) => (recorded[office] ?? 0) > (database[office] ?? 0));
      if (behind.length > 0) hold = holdOf('database_behind', options.now, database, recorded);
    }
    if (hold) {
      await insertMetaIfAbsent(tx, HOLD, JSON.stringify(hold));
      await insertAudit(tx, {
        at: options.now.toISOString(),
        actor_type: 'system',
        actor_id: 'start-up',
        action: 'numbers.held',
        contract_number: null,
        detail: JSON.stringify(hold),
      });
      return hold;
    }
    ensureIssuedNumbersDir(options.numbersDir);
    for (const [office, last] of Object.entries(database)) recordIssuedNumber(options.numbersDir, office, last);
    await insertMetaIfAbsent(tx, DIR_ADOPTED, options.now.toISOString());
    return null;
  });
}

function holdOf(
  reason: NumberHold['reason'],
  now: Date,
  database: Record<string, number>,
  recorded: Record<string, number>,
): NumberHold {
  const offices: NumberHold['offices'] = {};
  for (const office of new Set([...Object.keys(database), ...Object.keys(recorded)])) {
    offices[office] = { database: database[office] ?? 0, recorded: recorded[office] ?? null };
  }
  return { reason, since: now.toISOString(), offices };
}

/**
 * Marks a fresh backup copy (not yet verified or renamed) as on hold: whatever database is restored from it has
 * forgotten the numbers issued after the copy was taken. The live database is not touched.
 */
export function markCopyHeld(copy: SQLite.Database, now: Date): void {
  const rows = copy.prepare('select office_code, last_value from office_sequences').all() as {
    office_code: string;
    last_value: number;
  }[];
  const hold = holdOf('restored_copy', now, Object.fromEntries(rows.map((r) => [r.office_code, r.last_value])), {});
  copy
    .prepare('insert into meta (key, value) values (?, ?) on conflict (key) do nothing')
    .run(HOLD, JSON.stringify(hold));
}

export interface ResumeResult {
  hold: NumberHold | null;
  offices: Record<string, { before: number; after: number }>;
}

/**
 * The operator's statement of the last number issued per office (from the issuer's records, mail sent, or the
 * published log): sequences are raised to the highest of that, the database and the issued-numbers directory, the
 * hold is lifted, and one audit row says so — all in one transaction.
 * @throws DomainError validation_failed when a stated number is malformed or an office on hold is not stated
 */
export async function resumeNumbers(ctx: ServiceContext, actor: Actor, lastIssued: string[]): Promise<ResumeResult> {
  const stated: Record<string, number> = {};
  for (const input of lastIssued) {
    const number = normalizeContractNumber(input);
    if (!number) throw new DomainError('validation_failed', `保証契約番号の形式ではありません: ${input.slice(0, 32)}`);
    const office = number.slice(0, 5);
    stated[office] = Math.max(stated[office] ?? 0, Number(number.slice(6)));
  }
  if (Object.keys(stated).length === 0) {
    throw new DomainError('validation_failed', '最後に発行した保証契約番号を --last で指定してください');
  }
  return writeTransaction(ctx.db, async (tx) => {
    const hold = await getNumberHold(tx);
    const missing = Object.keys(hold?.offices ?? {}).filter((office) => stated[office] === undefined);
    if (missing.length > 0) {
      throw new DomainError(
        'validation_failed',
        `営業所コード ${missing.join(', ')} の最後に発行した保証契約番号も --last で指定してください`,
      );
    }
    const database = await listOfficeSequences(tx);
    const recorded = readIssuedNumbers(ctx.config.numbersDir) ?? {};
    const offices: ResumeResult['offices'] = {};
    for (const office of new Set([...Object.keys(stated), ...Object.keys(recorded)])) {
      const before = database[office] ?? 0;
      const after = Math.max(before, stated[office] ?? 0, recorded[office] ?? 0);
      offices[office] = { before, after };
      if (after > before) await raiseOfficeSequence(tx, office, after);
      recordIssuedNumber(ctx.config.numbersDir, office, after);
    }
    await deleteMeta(tx, HOLD);
    await insertAudit(tx, {
      at: ctx.clock().toISOString(),
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'numbers.resumed',
      contract_number: null,
      detail: JSON.stringify({
        hold: hold?.reason ?? null,
        stated: Object.fromEntries(Object.entries(stated).map(([o, n]) => [o, formatContractNumber(o, n)])),
        offices,
      }),
    });
    return { hold, offices };
  });
}
