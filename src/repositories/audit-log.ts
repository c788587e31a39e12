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

export async function listAudit(db: Kysely<Database>, contractNumber?: string) {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .$if(contractNumber !== undefined, (q) => q.where('contract_number', '=', contractNumber as string))
    .orderBy('id')
    .execute();
}
