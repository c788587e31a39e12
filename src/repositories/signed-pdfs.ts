// signed_pdfs: the as-issued PDF of each version, waiting to be signed or signed (DESIGN §13).
import type { Kysely } from 'kysely';
import type { Database, PadesLevel, SignedPdfTable } from '../../db/schema.js';

export type SignedPdfRow = SignedPdfTable;

/** Versions issued at or after `since` that have no signed_pdfs row yet, oldest first. */
export async function versionsWithoutSignedPdf(
  db: Kysely<Database>,
  since: string,
  limit: number,
): Promise<{ contract_number: string; seq: number; issued_at: string }[]> {
  return db
    .selectFrom('versions as v')
    .leftJoin('signed_pdfs as s', (join) =>
      join.onRef('s.contract_number', '=', 'v.contract_number').onRef('s.seq', '=', 'v.seq'),
    )
    .select(['v.contract_number', 'v.seq', 'v.issued_at'])
    .where('v.issued_at', '>=', since)
    .where('s.seq', 'is', null)
    .orderBy('v.issued_at')
    .orderBy('v.contract_number')
    .orderBy('v.seq')
    .limit(limit)
    .execute();
}

/** Versions issued before `before` (signing's start) with no signed_pdfs row, for `pdf:sign-earlier`, oldest first. */
export async function versionsBeforeWithoutSignedPdf(
  db: Kysely<Database>,
  filter: { before: string; since?: string | undefined; contractNumber?: string | undefined },
): Promise<{ contract_number: string; seq: number }[]> {
  let query = db
    .selectFrom('versions as v')
    .leftJoin('signed_pdfs as s', (join) =>
      join.onRef('s.contract_number', '=', 'v.contract_number').onRef('s.seq', '=', 'v.seq'),
    )
    .select(['v.contract_number', 'v.seq'])
    .where('v.issued_at', '<', filter.before)
    .where('s.seq', 'is', null);
  if (filter.since !== undefined) query = query.where('v.issued_at', '>=', filter.since);
  if (filter.contractNumber !== undefined) query = query.where('v.contract_number', '=', filter.contractNumber);
  return query.orderBy('v.issued_at').orderBy('v.contract_number').orderBy('v.seq').execute();
}

/** Queues a version for signing; a second instance queuing the same version changes nothing. */
export async function queueSignedPdf(db: Kysely<Database>, contractNumber: string, seq: number, now: string) {
  await db
    .insertInto('signed_pdfs')
    .values({
      contract_number: contractNumber,
      seq,
      state: 'pending',
      attempts: 0,
      next_attempt_at: now,
      last_error: null,
      level: null,
      pdf_base64: null,
      sha256: null,
      created_at: now,
      signed_at: null,
    })
    .onConflict((oc) => oc.columns(['contract_number', 'seq']).doNothing())
    .execute();
}

export async function dueSignedPdfs(db: Kysely<Database>, now: string, limit: number) {
  return db
    .selectFrom('signed_pdfs')
    .select(['contract_number', 'seq', 'attempts'])
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
}

/**
 * Claims a due row for one attempt by pushing its next attempt past the attempt's time box; false when another
 * worker claimed it first.
 */
export async function claimSignedPdf(
  db: Kysely<Database>,
  key: { contract_number: string; seq: number; attempts: number },
  leaseUntil: string,
): Promise<boolean> {
  const result = await db
    .updateTable('signed_pdfs')
    .set({ attempts: key.attempts + 1, next_attempt_at: leaseUntil })
    .where('contract_number', '=', key.contract_number)
    .where('seq', '=', key.seq)
    .where('state', '=', 'pending')
    .where('attempts', '=', key.attempts)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function storeSignedPdf(
  db: Kysely<Database>,
  key: { contract_number: string; seq: number },
  pdf: Uint8Array,
  sha256: string,
  level: PadesLevel,
  now: string,
) {
  await db
    .updateTable('signed_pdfs')
    .set({
      state: 'signed',
      pdf_base64: Buffer.from(pdf).toString('base64'),
      sha256,
      level,
      signed_at: now,
      last_error: null,
    })
    .where('contract_number', '=', key.contract_number)
    .where('seq', '=', key.seq)
    .execute();
}

export async function failSignedPdf(
  db: Kysely<Database>,
  key: { contract_number: string; seq: number },
  error: string,
  retryAt: string,
) {
  await db
    .updateTable('signed_pdfs')
    .set({ last_error: error.slice(0, 500), next_attempt_at: retryAt })
    .where('contract_number', '=', key.contract_number)
    .where('seq', '=', key.seq)
    .where('state', '=', 'pending')
    .execute();
}

/** A version with no certificate of its own (hidden from its publication on): nothing to sign. */
export async function skipSignedPdf(db: Kysely<Database>, key: { contract_number: string; seq: number }, now: string) {
  await db
    .updateTable('signed_pdfs')
    .set({ state: 'skipped', signed_at: now, last_error: null })
    .where('contract_number', '=', key.contract_number)
    .where('seq', '=', key.seq)
    .execute();
}

export async function findSignedPdf(db: Kysely<Database>, contractNumber: string, seq: number) {
  return db
    .selectFrom('signed_pdfs')
    .selectAll()
    .where('contract_number', '=', contractNumber)
    .where('seq', '=', seq)
    .executeTakeFirst();
}

/** How many are signed, waiting, and waiting after a failed attempt (for the settings screen and /metrics). */
export async function countSignedPdfs(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('signed_pdfs')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .select((eb) => eb.fn.count<number>('last_error').as('failing'))
    .groupBy('state')
    .execute();
  const of = (state: string) => rows.find((r) => r.state === state);
  return {
    signed: Number(of('signed')?.n ?? 0),
    pending: Number(of('pending')?.n ?? 0),
    failing: Number(of('pending')?.failing ?? 0),
  };
}

/** Signed PDFs after `after` (contract number, seq) in key order, a page at a time (for `pdf:restamp`). */
export async function signedPdfsAfter(
  db: Kysely<Database>,
  after: { contract_number: string; seq: number } | null,
  limit: number,
) {
  let query = db
    .selectFrom('signed_pdfs')
    .select(['contract_number', 'seq', 'pdf_base64', 'sha256', 'level'])
    .where('state', '=', 'signed');
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('contract_number', '>', after.contract_number),
        eb.and([eb('contract_number', '=', after.contract_number), eb('seq', '>', after.seq)]),
      ]),
    );
  }
  return query.orderBy('contract_number').orderBy('seq').limit(limit).execute();
}

/** Replaces a signed PDF by its extension, only if it is still the one read (`previousSha256`). @returns whether it did */
export async function replaceSignedPdf(
  db: Kysely<Database>,
  key: { contract_number: string; seq: number },
  previousSha256: string,
  pdf: Uint8Array,
  sha256: string,
  level: PadesLevel,
): Promise<boolean> {
  const result = await db
    .updateTable('signed_pdfs')
    .set({ pdf_base64: Buffer.from(pdf).toString('base64'), sha256, level })
    .where('contract_number', '=', key.contract_number)
    .where('seq', '=', key.seq)
    .where('state', '=', 'signed')
    .where('sha256', '=', previousSha256)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Versions whose last signing attempt failed, soonest retry first (for the settings screen). */
export async function failingSignedPdfs(db: Kysely<Database>, limit: number) {
  return db
    .selectFrom('signed_pdfs')
    .select(['contract_number', 'seq', 'attempts', 'last_error', 'next_attempt_at'])
    .where('state', '=', 'pending')
    .where('last_error', 'is not', null)
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
}

/** Puts a claimed row back for later without counting the attempt (it waits for something, it did not fail). */
export async function deferSignedPdf(
  db: Kysely<Database>,
  key: { contract_number: string; seq: number; attempts: number },
  retryAt: string,
) {
  await db
    .updateTable('signed_pdfs')
    .set({ attempts: key.attempts, next_attempt_at: retryAt })
    .where('contract_number', '=', key.contract_number)
    .where('seq', '=', key.seq)
    .where('state', '=', 'pending')
    .execute();
}
