// Sureties (one row per guarantee: lookup columns and the hashed/encrypted key) and their signed versions.
import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../../db/connection.js';
import type { Database, SuretyTable, VersionTable } from '../../db/schema.js';
import { DomainError } from '../errors.js';
import { allocateStatusIndexes } from './status-entries.js';
import { appendLeaf, appendLeaves } from './transparency-log.js';

export async function findSurety(db: Kysely<Database>, contractNumber: string): Promise<SuretyTable | undefined> {
  return db.selectFrom('sureties').selectAll().where('contract_number', '=', contractNumber).executeTakeFirst();
}

/** The surety row locked for update (PostgreSQL); SQLite's immediate transaction already holds the write lock. */
export async function findSuretyForUpdate(
  db: Kysely<Database>,
  contractNumber: string,
): Promise<SuretyTable | undefined> {
  return db
    .selectFrom('sureties')
    .selectAll()
    .where('contract_number', '=', contractNumber)
    .$if(isPostgres(db), (q) => q.forUpdate())
    .executeTakeFirst();
}

/** What verification needs: the key's HMAC and the latest seq (which keys the per-process state cache). */
export async function findAuthKeyHmac(
  db: Kysely<Database>,
  contractNumber: string,
): Promise<{ auth_key_hmac: string; latest_seq: number } | undefined> {
  return db
    .selectFrom('sureties')
    .select(['auth_key_hmac', 'latest_seq'])
    .where('contract_number', '=', contractNumber)
    .executeTakeFirst();
}

export async function insertSurety(db: Kysely<Database>, row: SuretyTable): Promise<void> {
  await db.insertInto('sureties').values(row).execute();
}

/** Several new sureties in one statement (the bulk import writes a hundred at a time). */
export async function insertSureties(db: Kysely<Database>, rows: SuretyTable[]): Promise<void> {
  if (rows.length > 0) await db.insertInto('sureties').values(rows).execute();
}

export async function updateSurety(
  db: Kysely<Database>,
  contractNumber: string,
  changes: Partial<Omit<SuretyTable, 'contract_number'>>,
): Promise<void> {
  await db.updateTable('sureties').set(changes).where('contract_number', '=', contractNumber).execute();
}

export async function suretyExists(db: Kysely<Database>, contractNumber: string): Promise<boolean> {
  const row = await db
    .selectFrom('sureties')
    .select('contract_number')
    .where('contract_number', '=', contractNumber)
    .executeTakeFirst();
  return row !== undefined;
}

export async function countSureties(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('sureties')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listVersions(db: Kysely<Database>, contractNumber: string): Promise<VersionTable[]> {
  return db.selectFrom('versions').selectAll().where('contract_number', '=', contractNumber).orderBy('seq').execute();
}

/**
 * Inserts a version, appends its leaf to the transparency log (DESIGN §12) and gives it a status index (§13), all in
 * the caller's transaction.
 * @throws DomainError conflict while the log is on hold after a rollback (services/log-hold.ts)
 */
export async function insertVersion(db: Kysely<Database>, row: VersionTable): Promise<void> {
  await db.insertInto('versions').values(row).execute();
  if ((await appendLeaf(db, row.contract_number, row.seq, row.jws)) === null) throw logHeld();
  await allocateStatusIndexes(db, [row]);
}

/** Several versions in one statement, and their transparency-log leaves and status indexes in the same order. */
export async function insertVersions(db: Kysely<Database>, rows: VersionTable[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('versions').values(rows).execute();
  if ((await appendLeaves(db, rows)) === null) throw logHeld();
  await allocateStatusIndexes(db, rows);
}

/** Takes the office's next sequence value atomically (upsert … returning), or null when 999,999 are used up. */
export async function takeOfficeSequence(
  db: Kysely<Database>,
  officeCode: string,
  max: number,
): Promise<number | null> {
  const row = await db
    .insertInto('office_sequences')
    .values({ office_code: officeCode, last_value: 1 })
    .onConflict((oc) =>
      oc.column('office_code').doUpdateSet({ last_value: sql<number>`office_sequences.last_value + 1` }),
    )
    .returning('last_value')
    .executeTakeFirstOrThrow();
  return Number(row.last_value) > max ? null : Number(row.last_value);
}

/**
 * Takes `count` consecutive sequence values of the office in one statement and returns the last, or null (taking
 * nothing) when that would pass `max`. Inside a write transaction, so nobody takes values between the two statements.
 */
export async function takeOfficeSequences(
  db: Kysely<Database>,
  officeCode: string,
  count: number,
  max: number,
): Promise<{ last: number } | null> {
  const current = await db
    .selectFrom('office_sequences')
    .select('last_value')
    .where('office_code', '=', officeCode)
    .executeTakeFirst();
  if (Number(current?.last_value ?? 0) + count > max) return null;
  const row = await db
    .insertInto('office_sequences')
    .values({ office_code: officeCode, last_value: count })
    .onConflict((oc) =>
      oc.column('office_code').doUpdateSet({ last_value: sql<number>`office_sequences.last_value + ${count}` }),
    )
    .returning('last_value')
    .executeTakeFirstOrThrow();
  return { last: Number(row.last_value) };
}

/** Which of these contract numbers are taken. */
export async function existingSureties(db: Kysely<Database>, contractNumbers: string[]): Promise<Set<string>> {
  const taken = new Set<string>();
  for (let i = 0; i < contractNumbers.length; i += 500) {
    const rows = await db
      .selectFrom('sureties')
      .select('contract_number')
      .where('contract_number', 'in', contractNumbers.slice(i, i + 500))
      .execute();
    for (const r of rows) taken.add(r.contract_number);
  }
  return taken;
}

/** The current key HMAC of each of a few guarantees (the certificates one viewer grant lists). */
export async function listAuthKeyHmacs(
  db: Kysely<Database>,
  contractNumbers: string[],
): Promise<{ contract_number: string; auth_key_hmac: string }[]> {
  if (contractNumbers.length === 0) return [];
  return db
    .selectFrom('sureties')
    .select(['contract_number', 'auth_key_hmac'])
    .where('contract_number', 'in', contractNumbers)
    .execute();
}

function logHeld(): DomainError {
  return new DomainError(
    'conflict',
    '透明性ログが最後に公開したチェックポイントより短くなっています（データベースの巻き戻しまたは復元）。' +
      '索引を再利用しないよう、運用担当者が解決する（npm run cli -- log:resume）まで公開を停止しています',
  );
}
