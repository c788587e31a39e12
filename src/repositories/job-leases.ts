// Leases on housekeeping jobs: one conditional UPDATE decides who runs a job (portable SQL, SQLite and PostgreSQL).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/**
 * Takes or renews the lease on a job until `untilIso`. True when the caller holds it now: it held it already, or
 * nobody did, or the last holder's lease ran out (it died or stopped without releasing).
 */
export async function takeJobLease(
  db: Kysely<Database>,
  name: string,
  holder: string,
  nowIso: string,
  untilIso: string,
): Promise<boolean> {
  await db
    .insertInto('job_leases')
    .values({ name, holder, lease_until: nowIso, acquired_at: nowIso })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  // On PostgreSQL a second instance's UPDATE waits for the first's row lock and then re-checks the condition
  // against the row the first wrote: of two instances racing for an expired lease, exactly one wins.
  const result = await db
    .updateTable('job_leases')
    .set({
      holder,
      lease_until: untilIso,
      acquired_at: sql<string>`case when holder = ${holder} then acquired_at else ${nowIso} end`,
    })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('holder', '=', holder), eb('lease_until', '<=', nowIso)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Gives a job up at once (a graceful stop), so another instance need not wait for the lease to run out. */
export async function releaseJobLease(db: Kysely<Database>, name: string, holder: string, nowIso: string) {
  await db
    .updateTable('job_leases')
    .set({ lease_until: nowIso })
    .where('name', '=', name)
    .where('holder', '=', holder)
    .execute();
}
