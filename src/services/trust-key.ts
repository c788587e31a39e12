// Use case: `keys:trust --kid <kid>` — the one explicit, audited way to add a key that the database lists but the
// secrets file lost (e.g. a retired key's entry removed by hand) to the trust anchor, so versions signed with it
// verify again. Start-up and `audit` name such keys; nothing ever adopts one without this command.
import type { Kysely } from 'kysely';
import { writeTransaction } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { insertAudit } from '../repositories/audit-log.js';
import { listSigningKeys } from '../repositories/signing-keys.js';
import { readSecrets, SecretsError, writeSecrets } from '../signing/secrets.js';
import { anchorKeysOf, thumbprintOf, type PublicJwk } from '../signing/trust.js';
import type { Actor } from './context.js';

export interface TrustedKeyResult {
  kid: string;
  createdAt: string;
  retiredAt: string | null;
  /** False when the secrets file already held the key (nothing changed). */
  added: boolean;
}

/**
 * Adds the public half of the database's key `kid` to the secrets file (`publicKeys`), with an audit row in the same
 * transaction (the file is written last inside it, so a failed write leaves no audit row).
 * @throws SecretsError when the file is missing or not writable, or the database holds no well-formed key `kid`
 */
export async function trustSigningKey(
  db: Kysely<Database>,
  file: string,
  actor: Actor,
  kid: string,
  now: Date,
): Promise<TrustedKeyResult> {
  const secrets = readSecrets(file);
  if (!secrets) throw new SecretsError(`the secrets file ${file} does not exist`);
  const row = (await listSigningKeys(db)).find((k) => k.kid === kid);
  if (!row) throw new SecretsError(`the database lists no signing key ${kid}; nothing was changed`);
  const result = { kid, createdAt: row.created_at, retiredAt: row.retired_at };
  if (anchorKeysOf(secrets).has(kid)) return { ...result, added: false };
  let jwk: PublicJwk;
  try {
    const parsed = JSON.parse(row.public_jwk) as Record<string, unknown>;
    jwk = { kty: String(parsed.kty), crv: String(parsed.crv), x: String(parsed.x), y: String(parsed.y) };
  } catch {
    throw new SecretsError(`the database's entry for ${kid} is not a JWK; nothing was changed`);
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || thumbprintOf(jwk) !== kid) {
    throw new SecretsError(`the database's public key for ${kid} does not match that kid; nothing was changed`);
  }
  const publicJwk = { kty: 'EC' as const, crv: 'P-256' as const, x: jwk.x, y: jwk.y };
  const publicKeys = [...(secrets.publicKeys ?? []), { kid, createdAt: row.created_at, publicJwk }];
  await writeTransaction(db, async (tx) => {
    await insertAudit(tx, {
      at: now.toISOString(),
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'keys.trust',
      contract_number: null,
      detail: JSON.stringify({ kid }),
    });
    writeSecrets(file, { ...secrets, publicKeys }, { exclusive: false });
  });
  return { ...result, added: true };
}
