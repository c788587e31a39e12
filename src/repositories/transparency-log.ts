// The transparency log's rows (DESIGN §12): leaves with their index, the head counter, stored subtree hashes and
// checkpoints. Tree hashes are computed outside the publication's transaction (services/log-checkpoints.ts).
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database, LogCheckpointTable, LogLeafTable, LogNodeTable } from '../../db/schema.js';

/**
 * Appends the version's leaf at the next index, inside the publication's transaction. The UPDATE … RETURNING on the
 * one head row holds its lock to the commit (PostgreSQL; SQLite's immediate transaction holds the database), so
 * indices follow commit order across instances and a rolled-back publication leaves no gap. No tree hashing here;
 * the same statement refuses while the log is on hold.
 * @returns the leaf's index, or null when the log is on hold (nothing was written)
 */
export async function appendLeaf(
  db: Kysely<Database>,
  contractNumber: string,
  seq: number,
  jws: string,
): Promise<number | null> {
  const head = await db
    .updateTable('log_head')
    .set({ size: sql<number>`size + 1` })
    .where('name', '=', 'log')
    .where('held', 'is', null)
    .returning('size')
    .executeTakeFirst();
  if (!head) return null;
  const idx = Number(head.size) - 1;
  const digest = createHash('sha256').update(jws, 'ascii').digest('base64');
  await db.insertInto('log_leaves').values({ idx, digest, contract_number: contractNumber, seq }).execute();
  return idx;
}

/**
 * Appends several versions' leaves at the next indices, in their order, with one head update and one INSERT (a batch
 * of an import): the same lock and hold as appendLeaf.
 * @returns the first leaf's index, or null when the log is on hold (nothing was written)
 */
export async function appendLeaves(
  db: Kysely<Database>,
  versions: readonly { contract_number: string; seq: number; jws: string }[],
): Promise<number | null> {
  if (versions.length === 0) return 0;
  const head = await db
    .updateTable('log_head')
    .set({ size: sql<number>`size + ${versions.length}` })
    .where('name', '=', 'log')
    .where('held', 'is', null)
    .returning('size')
    .executeTakeFirst();
  if (!head) return null;
  const first = Number(head.size) - versions.length;
  await db
    .insertInto('log_leaves')
    .values(
      versions.map((v, i) => ({
        idx: first + i,
        digest: createHash('sha256').update(v.jws, 'ascii').digest('base64'),
        contract_number: v.contract_number,
        seq: v.seq,
      })),
    )
    .execute();
  return first;
}

/** The head: its size (every index below it was handed out by a committed publication) and hold. */
export async function logHead(db: Kysely<Database>): Promise<{ size: number; held: string | null }> {
  const row = await db.selectFrom('log_head').select(['size', 'held']).where('name', '=', 'log').executeTakeFirst();
  return { size: Number(row?.size ?? 0), held: row?.held ?? null };
}

export async function setLogHold(db: Kysely<Database>, held: string | null): Promise<void> {
  await db.updateTable('log_head').set({ held }).where('name', '=', 'log').execute();
}

/** How many leaf rows there are, and the highest index + 1 (equal when no row is missing). */
export async function countLeaves(db: Kysely<Database>): Promise<{ count: number; end: number }> {
  const row = await db
    .selectFrom('log_leaves')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('idx').as('top')])
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), end: row.top === null ? 0 : Number(row.top) + 1 };
}

/** Leaf digests (base64) of [start, end), in index order. */
export async function listLeafDigests(
  db: Kysely<Database>,
  start: number,
  end: number,
): Promise<Pick<LogLeafTable, 'idx' | 'digest'>[]> {
  return db
    .selectFrom('log_leaves')
    .select(['idx', 'digest'])
    .where('idx', '>=', start)
    .where('idx', '<', end)
    .orderBy('idx')
    .execute();
}

/** Leaves with the version they commit to, for audit: [start, end) in index order. */
export async function listLeaves(db: Kysely<Database>, start: number, end: number): Promise<LogLeafTable[]> {
  return db
    .selectFrom('log_leaves')
    .selectAll()
    .where('idx', '>=', start)
    .where('idx', '<', end)
    .orderBy('idx')
    .execute();
}

/** The leaf of this exact version (its digest: a number published again after a rollback has two leaves). */
export async function findLeafOfVersion(
  db: Kysely<Database>,
  contractNumber: string,
  seq: number,
  digest: string,
): Promise<LogLeafTable | undefined> {
  return db
    .selectFrom('log_leaves')
    .selectAll()
    .where('contract_number', '=', contractNumber)
    .where('seq', '=', seq)
    .where('digest', '=', digest)
    .executeTakeFirst();
}

/** Stored subtree hashes of one level, [start, end) in index order. */
export async function listNodes(
  db: Kysely<Database>,
  level: number,
  start: number,
  end: number,
): Promise<Pick<LogNodeTable, 'idx' | 'hash'>[]> {
  return db
    .selectFrom('log_nodes')
    .select(['idx', 'hash'])
    .where('level', '=', level)
    .where('idx', '>=', start)
    .where('idx', '<', end)
    .orderBy('idx')
    .execute();
}

export async function insertNodes(db: Kysely<Database>, rows: LogNodeTable[]): Promise<void> {
  // Chunks: one statement's bound parameters stay under SQLite's and PostgreSQL's limits.
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('log_nodes')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['level', 'idx']).doNothing())
      .execute();
  }
}

export async function latestCheckpoint(db: Kysely<Database>): Promise<LogCheckpointTable | undefined> {
  return db.selectFrom('log_checkpoints').selectAll().orderBy('size', 'desc').limit(1).executeTakeFirst();
}

export async function insertCheckpoint(db: Kysely<Database>, row: LogCheckpointTable): Promise<void> {
  await db.insertInto('log_checkpoints').values(row).execute();
}

/** The first (smallest) checkpoint covering leaf `index`: evidence handed out once stays the same. */
export async function firstCheckpointCovering(
  db: Kysely<Database>,
  index: number,
): Promise<LogCheckpointTable | undefined> {
  return db
    .selectFrom('log_checkpoints')
    .selectAll()
    .where('size', '>', index)
    .orderBy('size')
    .limit(1)
    .executeTakeFirst();
}

/** Puts back leaves restored from a mirror (their version lost): no version lookup finds them (seq -1). */
export async function insertRestoredLeaves(
  db: Kysely<Database>,
  leaves: readonly { idx: number; digest: string }[],
  restoredAt: string,
): Promise<void> {
  for (let i = 0; i < leaves.length; i += 500) {
    await db
      .insertInto('log_leaves')
      .values(
        leaves
          .slice(i, i + 500)
          .map((l) => ({ idx: l.idx, digest: l.digest, contract_number: '', seq: -1, restored_at: restoredAt })),
      )
      .execute();
  }
}

/** Raises the head to `size` (never lowers it): the indices of restored leaves were handed out before. */
export async function raiseLogHead(db: Kysely<Database>, size: number): Promise<void> {
  await db.updateTable('log_head').set({ size }).where('name', '=', 'log').where('size', '<', size).execute();
}

/** Leaves whose version was lost in a restore, in index order. */
export async function listRestoredLeaves(db: Kysely<Database>): Promise<Pick<LogLeafTable, 'idx' | 'restored_at'>[]> {
  return db
    .selectFrom('log_leaves')
    .select(['idx', 'restored_at'])
    .where('restored_at', 'is not', null)
    .orderBy('idx')
    .execute();
}
