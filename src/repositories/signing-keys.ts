// Signing keys as the database records them. Never trusted alone: the keyring checks every row against the
// secrets file (src/signing/trust.ts) before /.well-known/jwks.json serves it or a signature is accepted.
import type { Insertable, Kysely } from 'kysely';
import type { Database, SigningKeyTable } from '../../db/schema.js';

export async function listSigningKeys(db: Kysely<Database>): Promise<SigningKeyTable[]> {
  return db.selectFrom('signing_keys').selectAll().orderBy('created_at').orderBy('kid').execute();
}

export async function insertSigningKey(db: Kysely<Database>, row: Insertable<SigningKeyTable>): Promise<void> {
  await db.insertInto('signing_keys').values(row).execute();
}

export async function retireSigningKeysExcept(db: Kysely<Database>, kid: string, at: string): Promise<void> {
  await db
    .updateTable('signing_keys')
    .set({ retired_at: at })
    .where('kid', '!=', kid)
    .where('retired_at', 'is', null)
    .execute();
}
