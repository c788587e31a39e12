// Use case: a new active signing key. Old keys stay in the file and in the JWKS so every old version still verifies.
import type { Kysely } from 'kysely';
import { writeTransaction } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { insertAudit } from '../repositories/audit-log.js';
import { insertSigningKey, retireSigningKeysExcept } from '../repositories/signing-keys.js';
import { newSigningKey, publicJwkOf, readSecrets, SecretsError, writeSecrets } from '../signing/secrets.js';
import type { Actor } from './context.js';

/**
 * Writes the file first (a crash before the database step leaves a key the next start registers), then retires the
 * previous keys in the database. Running instances keep signing with the old key until restarted; both verify.
 */
export async function rotateSigningKey(
  db: Kysely<Database>,
  file: string,
  actor: Actor,
  now: Date,
): Promise<{ kid: string }> {
  const secrets = readSecrets(file);
  if (!secrets) throw new SecretsError(`the secrets file ${file} does not exist`);
  const key = await newSigningKey(now);
  writeSecrets(
    file,
    { ...secrets, activeKid: key.kid, signingKeys: [...secrets.signingKeys, key] },
    { exclusive: false },
  );
  await writeTransaction(db, async (tx) => {
    const at = now.toISOString();
    await insertSigningKey(tx, {
      kid: key.kid,
      public_jwk: JSON.stringify(publicJwkOf(key.privateJwk)),
      created_at: at,
      retired_at: null,
    });
    await retireSigningKeysExcept(tx, key.kid, at);
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'keys.rotate',
      contract_number: null,
      detail: JSON.stringify({ kid: key.kid }),
    });
  });
  return { kid: key.kid };
}
