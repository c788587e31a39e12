// What the 監査ログ screen needs to name what an audit row refers to by id: staff accounts (by e-mail), API tokens
// and obligees (by name), and the history of each guarantee it mentions (to name versions by the officers' No.).
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

type Db = Kysely<Database>;

/** Staff e-mail addresses by account id, for the ids given (unknown ids are left out). */
export async function staffEmails(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('staff_users').select(['id', 'email']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.email]));
}

/** API token names by id. */
export async function tokenNames(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('api_tokens').select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Obligee names by id. */
export async function obligeeNames(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('obligees').select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The event and target of every version of the guarantees given, in ascending seq per guarantee. */
export async function versionEvents(
  db: Db,
  contractNumbers: readonly string[],
): Promise<{ contract_number: string; seq: number; event: string; target: number | null }[]> {
  if (contractNumbers.length === 0) return [];
  const rows = await db
    .selectFrom('versions')
    .select(['contract_number', 'seq', 'event', 'target'])
    .where('contract_number', 'in', contractNumbers)
    .orderBy('contract_number')
    .orderBy('seq')
    .execute();
  // PostgreSQL answers integer columns of some drivers as strings; the history rules compare numbers.
  return rows.map((r) => ({ ...r, seq: Number(r.seq), target: r.target === null ? null : Number(r.target) }));
}
