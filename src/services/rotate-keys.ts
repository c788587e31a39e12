// Use case: a new active signing key. Old keys stay in the file and in the JWKS so every old version still verifies.
import type { Kysely } from 'kysely';
import { writeTransaction } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { insertAudit } from '../repositories/audit-log.js';
import { insertSigningKey, retireSigningKeysExcept } from '../repositories/signing-keys.js';
import { newSigningKey, publicJwkOf, readSecrets, SecretsError, writeSecrets } from '../signing/secrets.js';
import { endorseKey } from '../signing/trust.js';
import type { Actor } from './context.js';

/**
 * Writes the file first (a crash before the database step leaves a key the next start registers), then retires the
 * previous keys in the database and stores the new key endorsed by the previous one. Running instances keep signing
 * with the old key until restarted; all of them verify both, including those whose file predates the rotation.
 * @throws SecretsError when the secrets file is missing or inconsistent
 */
export async function rotateSigningKey(
  db: Kysely<Database>,
  file: string,
  actor: Actor,
  now: Date,
): Promise<{ kid: string }> {
  const secrets = readSecrets(file);
  if (!secrets) throw new SecretsError(`the secrets file ${file} does not exist`);
  const previous = secrets.signingKeys.find((k) => k.kid === secrets.activeKid);
  if (!previous) throw new SecretsError(`the secrets file ${file} names an active key it does not hold`);
  const key = await newSigningKey(now);
  // Instances still running with the previous file trust the new key only through this (see src/signing/trust.ts).
  const endorsement = await endorseKey(previous, key);
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
      endorsement,
    });
    await retireSigningKeysExcept(tx, key.kid, at);
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'keys.rotate',
      contract_number: null,
      detail: JSON.stringify({ kid: key.kid, endorsedBy: previous.kid }),
    });
  });
  return { kid: key.kid };
}
