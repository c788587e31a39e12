// Use case: a new active signing key. Old keys stay in the file and in the JWKS so every old version still verifies.
import type { Kysely } from 'kysely';
import { writeTransaction } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { insertAudit } from '../repositories/audit-log.js';
import { insertSigningKey, retireSigningKeysExcept } from '../repositories/signing-keys.js';
import { openSigner, type TokenAccess } from '../signing/keyring.js';
import {
  newSigningKey,
  publicJwkOfKey,
  readSecrets,
  SecretsError,
  writeSecrets,
  type SigningKeyEntry,
} from '../signing/secrets.js';
// Type only: the module (and the optional native binding it loads) is imported when a token key is asked for.
import type { RotationKey } from '../signing/token-key.js';
import { endorseKey } from '../signing/trust.js';
import type { Actor } from './context.js';

export interface RotateOptions {
  /** The new key is the token's key of this label (created there when the token has none): issue 19. */
  pkcs11Label?: string;
  /** The PKCS#11 token of DESIGN §13: needed for a token key, new or previous. */
  token?: TokenAccess;
}

/**
 * Writes the file first (a crash before the database step leaves a key the next start registers), then retires the
 * previous keys in the database and stores the new key endorsed by the previous one. Running instances keep signing
 * with the old key until restarted; all of them verify both, including those whose file predates the rotation.
 * With `pkcs11Label` the file gets only the new key's public JWK and label; its private half stays in the token.
 * @throws SecretsError when the secrets file is missing or inconsistent, or a token key cannot be used
 */
export async function rotateSigningKey(
  db: Kysely<Database>,
  file: string,
  actor: Actor,
  now: Date,
  options: RotateOptions = {},
): Promise<{ kid: string; pkcs11?: { label: string; created: boolean } }> {
  const secrets = readSecrets(file);
  if (!secrets) throw new SecretsError(`the secrets file ${file} does not exist`);
  const previous = secrets.signingKeys.find((k) => k.kid === secrets.activeKid);
  if (!previous) throw new SecretsError(`the secrets file ${file} names an active key it does not hold`);
  const { key, pkcs11 } = options.pkcs11Label
    ? await tokenKey(options.pkcs11Label, options.token, now)
    : { key: await newSigningKey(now), pkcs11: undefined };
  if (secrets.signingKeys.some((k) => k.kid === key.kid)) {
    throw new SecretsError(`the key ${key.kid} is already a signing key of ${file}; nothing changed`);
  }
  // Instances still running with the previous file trust the new key only through this (see src/signing/trust.ts).
  const by = await openSigner(previous, options.token);
  let endorsement: string;
  try {
    endorsement = await endorseKey(by, { ...key, publicJwk: publicJwkOfKey(key) });
  } finally {
    by.close();
  }
  writeSecrets(
    file,
    { ...secrets, activeKid: key.kid, signingKeys: [...secrets.signingKeys, key] },
    { exclusive: false },
  );
  await writeTransaction(db, async (tx) => {
    const at = now.toISOString();
    await insertSigningKey(tx, {
      kid: key.kid,
      public_jwk: JSON.stringify(publicJwkOfKey(key)),
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
      detail: JSON.stringify({
        kid: key.kid,
        endorsedBy: previous.kid,
        ...(pkcs11 ? { pkcs11Label: pkcs11.label, createdInToken: pkcs11.created } : {}),
      }),
    });
  });
  return { kid: key.kid, ...(pkcs11 ? { pkcs11 } : {}) };
}

/**
 * The token's key of `label` as a secrets-file entry, probed (it signs, and its signature verifies with the public
 * key read from the token) before anything is written.
 */
async function tokenKey(
  label: string,
  token: TokenAccess | undefined,
  now: Date,
): Promise<{ key: SigningKeyEntry; pkcs11: { label: string; created: boolean } }> {
  if (!token) {
    throw new SecretsError(
      'keys:rotate --pkcs11-label needs the PKCS#11 token of DESIGN §13: set ESURETY_PDF_SIGN_PKCS11_MODULE, ' +
        '_TOKEN, _PIN (or _PIN_FILE) and _KEY',
    );
  }
  let found: RotationKey;
  try {
    const { tokenKeyForRotation } = await import('../signing/token-key.js');
    found = await tokenKeyForRotation({ module: token.module, token: token.token, pin: token.pin() }, label);
  } catch (error) {
    throw new SecretsError(`the PKCS#11 key "${label}" cannot be used: ${(error as Error).message}`);
  }
  const { x, y } = found.publicJwk;
  const key = {
    kid: found.kid,
    createdAt: now.toISOString(),
    publicJwk: { kty: 'EC' as const, crv: 'P-256' as const, x, y },
    pkcs11Label: label,
  };
  (await openSigner(key, token)).close();
  return { key, pkcs11: { label, created: found.created } };
}
