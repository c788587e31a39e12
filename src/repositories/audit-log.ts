// The audit log: one row per state change, written in the same transaction as the change.
import type { Insertable, Kysely } from 'kysely';
import type { AuditLogTable, Database } from '../../db/schema.js';

export async function insertAudit(db: Kysely<Database>, row: Insertable<AuditLogTable>): Promise<void> {
  await db.insertInto('audit_log').values(row).execute();
}

export async function listAudit(db: Kysely<Database>, contractNumber?: string) {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .$if(contractNumber !== undefined, (q) => q.where('contract_number', '=', contractNumber as string))
    .orderBy('id')
    .execute();
}
