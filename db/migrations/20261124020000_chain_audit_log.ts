// Frozen: makes the audit log tamper-evident. Each row gets `hash` = SHA-256 over the previous row's hash and its own
// fields (a hash chain in id order), so editing, deleting or reordering a row breaks every later link. Rows that
// exist already are chained here. Migrations never import application code, so the formula is written out again in
// src/repositories/audit-chain.ts (auditRowHash): the two must stay identical.
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

interface Row {
  id: number | string;
  at: string;
  actor_type: string;
  actor_id: string;
  action: string;
  contract_number: string | null;
  detail: string;
}

function rowHash(prev: string, r: Row): string {
  const fields = JSON.stringify([r.at, r.actor_type, r.actor_id, r.action, r.contract_number, r.detail]);
  return createHash('sha256').update(`esurety-audit-v1\n${prev}\n${fields}`, 'utf8').digest('base64url');
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_log').addColumn('hash', 'text').execute();
  let prev = '';
  let after = -1;
  for (;;) {
    const { rows } = await sql<Row>`
      select id, at, actor_type, actor_id, action, contract_number, detail
      from audit_log where id > ${after} order by id limit 1000`.execute(db);
    if (rows.length === 0) break;
    for (const row of rows) {
      prev = rowHash(prev, row);
      await sql`update audit_log set hash = ${prev} where id = ${row.id}`.execute(db);
      after = Number(row.id);
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_log').dropColumn('hash').execute();
}
