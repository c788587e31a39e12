// Frozen: receipt confirmations (受領確認) keep every officer's confirmation of a version, each with its own id,
// department and name, instead of one per version (pen test issue 14: whoever confirmed first, with any text, shut the
// real officer out). Rebuilt as a new table because SQLite cannot drop a primary key; existing rows keep their data
// under an id made of their old key. Portable (SQLite and PostgreSQL).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('receipt_confirmations_v2')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('contract_number', 'text', (c) => c.notNull().references('sureties.contract_number'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('department', 'text', (c) => c.notNull())
    .addColumn('officer_name', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text', (c) => c.notNull())
    .addColumn('client', 'text', (c) => c.notNull())
    .execute();
  await sql`insert into receipt_confirmations_v2 (id, contract_number, seq, department, officer_name, confirmed_at, client)
    select contract_number || ':' || cast(seq as text), contract_number, seq, department, officer_name, confirmed_at, client
    from receipt_confirmations`.execute(db);
  await db.schema.dropTable('receipt_confirmations').execute();
  await db.schema.alterTable('receipt_confirmations_v2').renameTo('receipt_confirmations').execute();
  await db.schema
    .createIndex('receipt_confirmations_version_idx')
    .on('receipt_confirmations')
    .columns(['contract_number', 'seq', 'confirmed_at'])
    .execute();
}

/** Back to one confirmation per version: the first of each version stays. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('receipt_confirmations_v1')
    .addColumn('contract_number', 'text', (c) => c.notNull().references('sureties.contract_number'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('department', 'text', (c) => c.notNull())
    .addColumn('officer_name', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text', (c) => c.notNull())
    .addColumn('client', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('receipt_confirmations_pk', ['contract_number', 'seq'])
    .execute();
  await sql`insert into receipt_confirmations_v1 (contract_number, seq, department, officer_name, confirmed_at, client)
    select r.contract_number, r.seq, r.department, r.officer_name, r.confirmed_at, r.client
    from receipt_confirmations r
    where r.id = (select min(x.id) from receipt_confirmations x
                  where x.contract_number = r.contract_number and x.seq = r.seq
                    and x.confirmed_at = (select min(y.confirmed_at) from receipt_confirmations y
                                          where y.contract_number = r.contract_number and y.seq = r.seq))`.execute(db);
  await db.schema.dropTable('receipt_confirmations').execute();
  await db.schema.alterTable('receipt_confirmations_v1').renameTo('receipt_confirmations').execute();
}
