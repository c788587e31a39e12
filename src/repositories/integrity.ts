// Read-only queries of the integrity audit: sureties in key order with their versions and publication audit rows,
// the audit log in id order, and consistent read snapshots to run them in while the platform keeps writing.
import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';

/**
 * Runs fn against one read snapshot: a repeatable-read transaction on PostgreSQL, a deferred (read) transaction on
 * SQLite, where WAL mode lets writers carry on meanwhile. Nothing is written; the transaction always rolls back.
 */
export async function readSnapshot<T>(
  db: Kysely<Database>,
  fn: (snapshot: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (isPostgres(db)) {
    return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(fn);
  }
  return db.connection().execute(async (conn) => {
    await sql`begin deferred`.execute(conn);
    try {
      return await fn(conn);
    } finally {
      await sql`rollback`.execute(conn);
    }
  });
}

const SURETY_COLUMNS = [
  'contract_number',
  'product',
  'obligee_id',
  'works_name',
  'contractor_name',
  'guarantee_end',
  'latest_seq',
  'auth_key_hmac',
  'auth_key_jwe',
] as const;

/** The next `limit` sureties after `after` (from it, when inclusive; before `until`, when given) in number order. */
export async function listSuretyBatch(
  db: Kysely<Database>,
  after: string,
  limit: number,
  until?: string,
  inclusive = false,
) {
  return db
    .selectFrom('sureties')
    .select(SURETY_COLUMNS)
    .where('contract_number', inclusive ? '>=' : '>', after)
    .$if(until !== undefined, (qb) => qb.where('contract_number', '<', until ?? ''))
    .orderBy('contract_number')
    .limit(limit)
    .execute();
}

/** The named sureties, in contract-number order (the guarantees an incremental audit re-checks). */
export async function listSuretiesNamed(db: Kysely<Database>, contractNumbers: readonly string[]) {
  if (contractNumbers.length === 0) return [];
  return db
    .selectFrom('sureties')
    .select(SURETY_COLUMNS)
    .where('contract_number', 'in', contractNumbers)
    .orderBy('contract_number')
    .execute();
}

/** `count` contract numbers spread evenly over the sureties, in order: where parallel audit workers split the work. */
export async function suretyQuantiles(db: Kysely<Database>, count: number): Promise<string[]> {
  const total = Number(
    (
      await db
        .selectFrom('sureties')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  const out: string[] = [];
  for (let i = 1; i <= count; i++) {
    const row = await db
      .selectFrom('sureties')
      .select('contract_number')
      .orderBy('contract_number')
      .offset(Math.floor((i * total) / (count + 1)))
      .limit(1)
      .executeTakeFirst();
    if (row && row.contract_number !== out.at(-1)) out.push(row.contract_number);
  }
  return out;
}

/** How many versions are stored. */
export async function countVersions(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('versions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Leaves below `end` whose version row is gone (at most `limit`). */
export async function leavesWithoutVersion(db: Kysely<Database>, end: number, limit = 20) {
  return db
    .selectFrom('log_leaves as l')
    .leftJoin('versions as v', (join) =>
      join.onRef('v.contract_number', '=', 'l.contract_number').onRef('v.seq', '=', 'l.seq'),
    )
    .select(['l.idx', 'l.contract_number', 'l.seq'])
    .where('l.idx', '<', end)
    .where('l.restored_at', 'is', null) // restored after a rollback: its version is known to be lost
    .where('v.contract_number', 'is', null)
    .orderBy('l.idx')
    .limit(limit)
    .execute();
}

/** The audit row `id`'s stored hash (undefined when the row is gone). */
export async function auditRowHashOf(db: Kysely<Database>, id: number): Promise<string | null | undefined> {
  const row = await db.selectFrom('audit_log').select('hash').where('id', '=', id).executeTakeFirst();
  return row ? row.hash : undefined;
}

/** Every stored version of the given guarantees, in (contract number, seq) order. */
export async function listVersionsOf(db: Kysely<Database>, contractNumbers: readonly string[]) {
  if (contractNumbers.length === 0) return [];
  return db
    .selectFrom('versions')
    .select(['contract_number', 'seq', 'event', 'target', 'jws'])
    .where('contract_number', 'in', contractNumbers)
    .orderBy('contract_number')
    .orderBy('seq')
    .execute();
}

/** The audit rows of the given guarantees whose action records a version (`surety.publish`, `surety.<event>`). */
export async function listVersionAuditOf(db: Kysely<Database>, contractNumbers: readonly string[]) {
  if (contractNumbers.length === 0) return [];
  return db
    .selectFrom('audit_log')
    .select(['id', 'contract_number', 'action', 'detail'])
    .where('contract_number', 'in', contractNumbers)
    .where('action', 'in', [
      'surety.publish',
      'surety.change',
      'surety.correction',
      'surety.change_cancellation',
      'surety.cancellation',
    ])
    .orderBy('id')
    .execute();
}

/** Contract numbers that have versions but no surety row (the foreign key forbids it; a raw edit could not). */
export async function orphanVersionNumbers(db: Kysely<Database>, limit = 100): Promise<string[]> {
  const rows = await db
    .selectFrom('versions')
    .select('contract_number')
    .distinct()
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('sureties')
            .select('sureties.contract_number')
            .whereRef('sureties.contract_number', '=', 'versions.contract_number'),
        ),
      ),
    )
    .limit(limit)
    .execute();
  return rows.map((r) => r.contract_number);
}

/** The next `limit` audit rows after id `after`, in id (= chain) order. */
export async function listAuditChunk(db: Kysely<Database>, after: number, limit: number) {
  return db
    .selectFrom('audit_log')
    .select(['id', 'at', 'actor_type', 'actor_id', 'action', 'contract_number', 'detail', 'hash'])
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function listPublishedKeys(db: Kysely<Database>) {
  return db
    .selectFrom('signing_keys')
    .select(['kid', 'public_jwk', 'created_at', 'endorsement'])
    .orderBy('kid')
    .execute();
}

/**
 * SQLite's own page-level check (`pragma integrity_check`, or the cheaper `quick_check`; at most `limit` lines); null on PostgreSQL, whose pages
 * carry checksums the server verifies itself. [] means the file is sound.
 */
export async function sqliteIntegrityCheck(
  db: Kysely<Database>,
  limit = 100,
  pragma: 'integrity_check' | 'quick_check' = 'integrity_check',
): Promise<string[] | null> {
  if (isPostgres(db)) return null;
  let lines: string[];
  try {
    const { rows } = await sql<Record<string, string>>`pragma ${sql.raw(pragma)}(${sql.lit(limit)})`.execute(db);
    lines = rows.map((r) => String(Object.values(r)[0]));
  } catch (error) {
    // Some damage (a page of an unknown type) stops the check itself with SQLITE_CORRUPT: that is its finding.
    return [`${(error as Error).message} (the check itself stopped)`];
  }
  return lines.length === 1 && lines[0] === 'ok' ? [] : lines;
}

/** The next `limit` stored idempotency answers after (tokenId, key), in primary-key order. */
export async function listIdempotencyChunk(
  db: Kysely<Database>,
  after: { tokenId: string; key: string },
  limit: number,
) {
  return db
    .selectFrom('idempotency_keys')
    .select(['token_id', 'idem_key', 'status', 'response'])
    .where((eb) =>
      eb.or([
        eb('token_id', '>', after.tokenId),
        eb.and([eb('token_id', '=', after.tokenId), eb('idem_key', '>', after.key)]),
      ]),
    )
    .orderBy('token_id')
    .orderBy('idem_key')
    .limit(limit)
    .execute();
}

/** The first version (the one an idempotent publication answered with) of each given guarantee. */
export async function listIssueJwsOf(db: Kysely<Database>, contractNumbers: readonly string[]) {
  if (contractNumbers.length === 0) return [];
  return db
    .selectFrom('versions')
    .select(['contract_number', 'jws'])
    .where('seq', '=', 1)
    .where('contract_number', 'in', contractNumbers)
    .execute();
}

/** The stored keys of the `limit` most recently published guarantees: the sample checked at every start. */
export async function listNewestAuthKeys(db: Kysely<Database>, limit: number) {
  return db
    .selectFrom('sureties')
    .select(['contract_number', 'auth_key_hmac', 'auth_key_jwe'])
    .orderBy('created_at', 'desc')
    .orderBy('contract_number', 'desc')
    .limit(limit)
    .execute();
}
