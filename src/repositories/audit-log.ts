// The audit log: one row per state change, written in the same transaction as the change.
import type { Insertable, Kysely } from 'kysely';
import { writeTransaction } from '../../db/connection.js';
import type { AuditLogTable, Database } from '../../db/schema.js';
import { auditRowHash, chainHead } from './audit-chain.js';

/** Appends a row to the hash-chained log; belongs inside the change's write transaction (it opens one otherwise). */
export async function insertAudit(db: Kysely<Database>, row: Omit<Insertable<AuditLogTable>, 'hash'>): Promise<void> {
  if (!db.isTransaction) return writeTransaction(db, (tx) => insertAudit(tx, row));
  const hash = auditRowHash(await chainHead(db), row);
  await db
    .insertInto('audit_log')
    .values({ ...row, hash })
    .execute();
}

/**
 * Appends several rows, chained in their order from one read of the chain head, a hundred per INSERT (a multi-row
 * VALUES list takes its ids in list order on both databases, and the chain is checked in id order).
 */
export async function insertAuditRows(
  db: Kysely<Database>,
  rows: readonly Omit<Insertable<AuditLogTable>, 'hash'>[],
): Promise<void> {
  if (rows.length === 0) return;
  if (!db.isTransaction) return writeTransaction(db, (tx) => insertAuditRows(tx, rows));
  let prev = await chainHead(db);
  const chained = rows.map((row) => {
    prev = auditRowHash(prev, row);
    return { ...row, hash: prev };
  });
  for (let i = 0; i < chained.length; i += 100) {
    await db
      .insertInto('audit_log')
      .values(chained.slice(i, i + 100))
      .execute();
  }
}

export async function listAudit(db: Kysely<Database>, contractNumber?: string) {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .$if(contractNumber !== undefined, (q) => q.where('contract_number', '=', contractNumber as string))
    .orderBy('id')
    .execute();
}

/** The newest row of the log (its id, time and hash: the chain's head), or undefined when the log is empty. */
export async function latestAudit(db: Kysely<Database>) {
  return db.selectFrom('audit_log').select(['id', 'at', 'hash']).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** The newest row with this action (e.g. `backup.verified`), or undefined. */
export async function latestAuditOf(db: Kysely<Database>, action: string) {
  return db
    .selectFrom('audit_log')
    .select(['at', 'actor_type', 'actor_id', 'detail'])
    .where('action', '=', action)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}
