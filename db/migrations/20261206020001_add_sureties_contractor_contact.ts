// Frozen: `sureties.contractor_contact` — the contractor's contact (担当部署, 担当者名, 電話番号) as JSON text. Staff
// use it to call the contractor; it is kept beside the guarantee, never in the signed certificate, so no officer or
// verifier ever sees it.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sureties').addColumn('contractor_contact', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sureties').dropColumn('contractor_contact').execute();
}
