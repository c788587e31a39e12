// Obligees (発注者) and their e-surety rules; rules are stored as JSON text.
import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../../db/connection.js';
import type { Database, ObligeeTable } from '../../db/schema.js';

export async function findObligee(db: Kysely<Database>, id: string): Promise<ObligeeTable | undefined> {
  return db.selectFrom('obligees').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Serialises everything that reads an obligee and then writes it or a request about it — a change request's
 * duplicate check, its approval's stale check, the issuer API's replace — until the transaction ends. On SQLite the
 * surrounding immediate transaction already holds the database's write lock; on PostgreSQL (READ COMMITTED) a
 * transaction-scoped advisory lock on the id does it (a row lock would not cover an id not registered yet).
 */
export async function lockObligee(db: Kysely<Database>, id: string): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`select pg_advisory_xact_lock(hashtextextended(${`esurety:obligee:${id}`}, 0))`.execute(db);
}

export async function listObligees(db: Kysely<Database>): Promise<ObligeeTable[]> {
  return db.selectFrom('obligees').selectAll().orderBy('id').execute();
}

export async function upsertObligee(db: Kysely<Database>, row: ObligeeTable): Promise<void> {
  await db
    .insertInto('obligees')
    .values(row)
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        name: row.name,
        title: row.title,
        rules: row.rules,
        checks: row.checks ?? null,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}
