// staff_form_stash: one 申込 form per account, kept (encrypted) when it was posted after the session expired.
import type { Kysely } from 'kysely';
import type { Database, StaffFormStashTable } from '../../db/schema.js';

type Db = Kysely<Database>;

/** Keeps the account's latest expired form (an older one is replaced). */
export async function putFormStash(db: Db, row: StaffFormStashTable): Promise<void> {
  await db.deleteFrom('staff_form_stash').where('user_id', '=', row.user_id).execute();
  await db.insertInto('staff_form_stash').values(row).execute();
}

export async function findFormStash(db: Db, userId: string): Promise<StaffFormStashTable | undefined> {
  return db.selectFrom('staff_form_stash').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/** Removes the account's kept form; true when this call removed it (only one reader gets it back). */
export async function deleteFormStash(db: Db, userId: string): Promise<boolean> {
  const result = await db.deleteFrom('staff_form_stash').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function purgeFormStash(db: Db, before: string): Promise<void> {
  await db.deleteFrom('staff_form_stash').where('expires_at', '<', before).execute();
}
