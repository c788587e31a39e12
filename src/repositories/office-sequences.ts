// The per-office contract number sequences (the platform's own numbering, DESIGN §2), read and raised as a whole.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/** Every office's last sequence value taken, as { officeCode: lastValue }. */
export async function listOfficeSequences(db: Kysely<Database>): Promise<Record<string, number>> {
  const rows = await db.selectFrom('office_sequences').select(['office_code', 'last_value']).execute();
  return Object.fromEntries(rows.map((r) => [r.office_code, Number(r.last_value)]));
}

/** Raises an office's sequence to at least `value` (never lowers it), creating the office's row when needed. */
export async function raiseOfficeSequence(db: Kysely<Database>, officeCode: string, value: number): Promise<void> {
  await db
    .insertInto('office_sequences')
    .values({ office_code: officeCode, last_value: value })
    .onConflict((oc) =>
      oc.column('office_code').doUpdateSet({
        last_value: sql<number>`case when office_sequences.last_value > ${value} then office_sequences.last_value else ${value} end`,
      }),
    )
    .execute();
}
