// Queries of the crash recovery of drafts claimed for publishing (src/services/staff/recovery.ts).
import type { Kysely } from 'kysely';
import type { Database, StaffDraftTable } from '../../db/schema.js';

type Db = Kysely<Database>;

/** Drafts still 'publishing' whose claim (decided_at) is older than `claimedBefore`. */
export async function listStuckDrafts(db: Db, claimedBefore: string): Promise<StaffDraftTable[]> {
  return db
    .selectFrom('staff_drafts')
    .selectAll()
    .where('status', '=', 'publishing')
    .where('decided_at', '<', claimedBefore)
    .orderBy('decided_at')
    .execute();
}

/** The version audit rows (`surety.<event>`) one actor wrote for a guarantee since an instant, oldest first. */
export async function versionAuditSince(
  db: Db,
  contractNumber: string,
  action: string,
  actorId: string,
  since: string,
): Promise<{ at: string; detail: string }[]> {
  return db
    .selectFrom('audit_log')
    .select(['at', 'detail'])
    .where('contract_number', '=', contractNumber)
    .where('action', '=', action)
    .where('actor_id', '=', actorId)
    .where('at', '>=', since)
    .orderBy('id')
    .execute();
}

/** The results (JSON) of a guarantee's published drafts: which versions are already accounted for. */
export async function publishedDraftResults(db: Db, contractNumber: string): Promise<string[]> {
  const rows = await db
    .selectFrom('staff_drafts')
    .select('result')
    .where('contract_number', '=', contractNumber)
    .where('status', '=', 'published')
    .execute();
  return rows.map((r) => r.result).filter((r): r is string => r !== null);
}
