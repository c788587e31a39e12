// The status list's rows (DESIGN §13): which version holds which index, and what the list's statuses derive from.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/**
 * Gives the versions the next status indexes, in their order, inside the publication's transaction: one UPDATE …
 * RETURNING on the head row (its lock serialises publishers until the commit, as the log's head does) and one INSERT.
 * A rolled-back publication takes its indexes back with it, so no committed version ever shares an index.
 * @returns the first index
 */
export async function allocateStatusIndexes(
  db: Kysely<Database>,
  versions: readonly { contract_number: string; seq: number }[],
): Promise<number> {
  if (versions.length === 0) return 0;
  const head = await db
    .updateTable('status_head')
    .set({ size: sql<number>`size + ${versions.length}` })
    .where('name', '=', 'status')
    .returning('size')
    .executeTakeFirstOrThrow();
  const first = Number(head.size) - versions.length;
  for (let i = 0; i < versions.length; i += 500) {
    await db
      .insertInto('status_entries')
      .values(
        versions
          .slice(i, i + 500)
          .map((v, j) => ({ status_index: first + i + j, contract_number: v.contract_number, seq: v.seq })),
      )
      .execute();
  }
  return first;
}

export async function findStatusIndex(
  db: Kysely<Database>,
  contractNumber: string,
  seq: number,
): Promise<number | null> {
  const row = await db
    .selectFrom('status_entries')
    .select('status_index')
    .where('contract_number', '=', contractNumber)
    .where('seq', '=', seq)
    .executeTakeFirst();
  return row ? Number(row.status_index) : null;
}

export interface StatusSourceRow {
  contract_number: string;
  seq: number;
  event: string;
  target: number | null;
  /** guaranteePeriod.to of the guarantee's current version (the sureties lookup column). */
  guarantee_end: string | null;
  /** This version's index, when it has one (it may lie in another list). */
  status_index: number | null;
}

/**
 * Every version of every guarantee that has an entry in [from, to), with its own index and the guarantee's current
 * end date — what the 2-bit statuses derive from. Ordered by guarantee, then seq.
 */
export async function statusSources(db: Kysely<Database>, from: number, to: number): Promise<StatusSourceRow[]> {
  return sourcesWhere(db, (q) =>
    q.where('v.contract_number', 'in', (sub) =>
      sub
        .selectFrom('status_entries')
        .select('contract_number')
        .where('status_index', '>=', from)
        .where('status_index', '<', to),
    ),
  );
}

/** The same rows for the guarantees that took indexes in [from, to): what changed since a list was last built. */
export async function changedStatusSources(db: Kysely<Database>, from: number, to: number): Promise<StatusSourceRow[]> {
  const numbers = await db
    .selectFrom('status_entries')
    .select('contract_number')
    .distinct()
    .where('status_index', '>=', from)
    .where('status_index', '<', to)
    .execute();
  const out: StatusSourceRow[] = [];
  for (let i = 0; i < numbers.length; i += 500) {
    const part = numbers.slice(i, i + 500).map((n) => n.contract_number);
    out.push(...(await sourcesWhere(db, (q) => q.where('v.contract_number', 'in', part))));
  }
  return out;
}

type SourceQuery = ReturnType<typeof sourceQuery>;

function sourceQuery(db: Kysely<Database>) {
  return db
    .selectFrom('versions as v')
    .innerJoin('sureties as s', 's.contract_number', 'v.contract_number')
    .leftJoin('status_entries as e', (j) =>
      j.onRef('e.contract_number', '=', 'v.contract_number').onRef('e.seq', '=', 'v.seq'),
    )
    .select(['v.contract_number', 'v.seq', 'v.event', 'v.target', 's.guarantee_end', 'e.status_index']);
}

async function sourcesWhere(db: Kysely<Database>, where: (q: SourceQuery) => SourceQuery): Promise<StatusSourceRow[]> {
  const rows = await where(sourceQuery(db)).orderBy('v.contract_number').orderBy('v.seq').execute();
  return rows.map((r) => ({
    ...r,
    seq: Number(r.seq),
    target: r.target === null ? null : Number(r.target),
    status_index: r.status_index === null ? null : Number(r.status_index),
  }));
}

/** How many indexes were handed out (lists 0 … floor((size-1)/131072) exist). */
export async function statusIndexesUsed(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('status_head').select('size').where('name', '=', 'status').executeTakeFirst();
  return Number(row?.size ?? 0);
}
