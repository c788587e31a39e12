// Verification receipts (確認証跡): the signed receipt JWS with the columns needed to find and count them.
import type { Kysely } from 'kysely';
import type { Database, VerificationReceiptTable } from '../../db/schema.js';

export async function insertVerificationReceipt(db: Kysely<Database>, row: VerificationReceiptTable): Promise<void> {
  await db.insertInto('verification_receipts').values(row).execute();
}

export async function findVerificationReceipt(
  db: Kysely<Database>,
  contractNumber: string,
  id: string,
): Promise<VerificationReceiptTable | undefined> {
  return db
    .selectFrom('verification_receipts')
    .selectAll()
    .where('id', '=', id)
    .where('contract_number', '=', contractNumber)
    .executeTakeFirst();
}

/** How many receipts a guarantee has and when the last was issued (never who asked for them). */
export async function verificationReceiptStats(
  db: Kysely<Database>,
  contractNumber: string,
): Promise<{ count: number; lastIssuedAt: string | null }> {
  const row = await db
    .selectFrom('verification_receipts')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('issued_at').as('last')])
    .where('contract_number', '=', contractNumber)
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), lastIssuedAt: (row.last as string | null) ?? null };
}
