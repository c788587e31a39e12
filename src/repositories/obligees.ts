// Obligees (発注者) and their e-surety rules; rules are stored as JSON text.
import type { Kysely } from 'kysely';
import type { Database, ObligeeTable } from '../../db/schema.js';

export async function findObligee(db: Kysely<Database>, id: string): Promise<ObligeeTable | undefined> {
  return db.selectFrom('obligees').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listObligees(db: Kysely<Database>): Promise<ObligeeTable[]> {
  return db.selectFrom('obligees').selectAll().orderBy('id').execute();
}

export async function upsertObligee(db: Kysely<Database>, row: ObligeeTable): Promise<void> {
  await db
    .insertInto('obligees')
    .values(row)
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({ name: row.name, title: row.title, rules: row.rules, updated_at: row.updated_at }),
    )
    .execute();
}
