// Frozen: signed_pdfs — the PAdES-signed as-issued PDF of each version published while an e-seal is configured
// (DESIGN §13), produced after the publication by the signing worker and retried until it succeeds. The PDF is kept
// as base64 text, the same on SQLite and PostgreSQL (≈ 100–200 KB a version). versions(issued_at) lets the worker find
// what is new without reading the whole history.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('signed_pdfs')
    .addColumn('contract_number', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    // pending (waiting or being retried) | signed
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    // B-B (no time-stamp authority configured) or B-T
    .addColumn('level', 'text')
    .addColumn('pdf_base64', 'text')
    .addColumn('sha256', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('signed_at', 'text')
    .addPrimaryKeyConstraint('signed_pdfs_pk', ['contract_number', 'seq'])
    .execute();
  await db.schema.createIndex('signed_pdfs_due').on('signed_pdfs').columns(['state', 'next_attempt_at']).execute();
  await db.schema.createIndex('versions_issued_at').on('versions').column('issued_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('versions_issued_at').execute();
  await db.schema.dropTable('signed_pdfs').execute();
}
