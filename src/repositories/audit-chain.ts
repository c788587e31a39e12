// The audit log's hash chain: each row's `hash` covers the previous row's hash and the row's own fields, so an
// edited, deleted or reordered row breaks the chain from that point on (checked by `npm run cli -- audit`).
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../../db/connection.js';
import type { AuditLogTable, Database } from '../../db/schema.js';

/** The `prev` of the first row. */
export const AUDIT_GENESIS = '';

export type AuditFields = Pick<AuditLogTable, 'at' | 'actor_type' | 'actor_id' | 'action' | 'detail'> & {
  contract_number?: string | null | undefined;
};

/**
 * base64url(SHA-256("esurety-audit-v1\n" + prev + "\n" + JSON of the fields)). Identical to the formula frozen in
 * db/migrations/20261124020000_chain_audit_log.ts, which chained the rows written before the column existed.
 */
export function auditRowHash(prev: string, row: AuditFields): string {
  const fields = JSON.stringify([
    row.at,
    row.actor_type,
    row.actor_id,
    row.action,
    row.contract_number ?? null,
    row.detail,
  ]);
  return createHash('sha256').update(`esurety-audit-v1\n${prev}\n${fields}`, 'utf8').digest('base64url');
}

/**
 * The hash the next row must chain to. Call inside the write transaction that inserts the row: on PostgreSQL a
 * transaction-scoped advisory lock serialises audit writers until commit (two instances must not both chain to the
 * same row); on SQLite the immediate transaction already holds the database's write lock.
 */
export async function chainHead(db: Kysely<Database>): Promise<string> {
  if (isPostgres(db)) await sql`select pg_advisory_xact_lock(hashtextextended('esurety:audit_log', 0))`.execute(db);
  const last = await db.selectFrom('audit_log').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return last?.hash ?? AUDIT_GENESIS;
}
