// Frozen: `signing_keys.endorsement` — for a key added by `keys:rotate`, a compact JWS in which the key that was
// active before certifies the new public key. An instance whose secrets file predates the rotation trusts the new key
// through it (the secrets file stays the trust anchor: a row inserted with database access alone carries no valid
// endorsement and is refused). Null for keys that the secrets file itself holds.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('signing_keys').addColumn('endorsement', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('signing_keys').dropColumn('endorsement').execute();
}
