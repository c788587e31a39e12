// Pending four-eyes requests of one kind (obligee changes, key reissues): they live in staff_drafts beside the
// publication drafts, so the approval screen lists them together.
import type { Kysely } from 'kysely';
import type { Database, StaffDraftTable } from '../../db/schema.js';

export async function pendingDraftsOfKind(
  db: Kysely<Database>,
  kind: string,
  contractNumber?: string,
): Promise<StaffDraftTable[]> {
  return db
    .selectFrom('staff_drafts')
    .selectAll()
    .where('status', '=', 'pending')
    .where('kind', '=', kind)
    .$if(contractNumber !== undefined, (q) => q.where('contract_number', '=', contractNumber as string))
    .orderBy('drafted_at')
    .execute();
}
