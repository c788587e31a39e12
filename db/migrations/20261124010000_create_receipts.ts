// Frozen: verification receipts (確認証跡) — which version an officer was shown and when, signed by the platform.
// The officer's optional name and department live only inside the signed JWS. Portable (SQLite and PostgreSQL).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('verification_receipts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('contract_number', 'text', (c) => c.notNull().references('sureties.contract_number'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('version_hash', 'text', (c) => c.notNull())
    .addColumn('jws', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .addColumn('client', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('verification_receipts_contract_idx')
    .on('verification_receipts')
    .columns(['contract_number', 'issued_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('verification_receipts').execute();
}
