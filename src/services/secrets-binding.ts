// Binds the secrets file to the database (DESIGN §2): generated only for an empty database, fingerprint checked
// at every start, public keys registered so /.well-known/jwks.json always lists every key ever used.
import type { Kysely } from 'kysely';
import { writeTransaction } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { insertAudit } from '../repositories/audit-log.js';
import { listNewestAuthKeys } from '../repositories/integrity.js';
import { getMeta, insertMeta, updateMeta } from '../repositories/meta.js';
import { createAuthKeyVault } from '../security/auth-keys.js';
import { insertSigningKey, listSigningKeys } from '../repositories/signing-keys.js';
import { countSureties } from '../repositories/sureties.js';
import { isUniqueViolation } from './db-errors.js';
import {
  checkSigningKeys,
  generateSecrets,
  legacySecretsFingerprint,
  publicJwkOfKey,
  readSecrets,
  secretsFingerprint,
  SecretsError,
  writeSecrets,
  type Secrets,
} from '../signing/secrets.js';

const FINGERPRINT = 'secrets_fingerprint';

/** @throws SecretsError when the file and the database do not belong together */
export async function bindSecrets(db: Kysely<Database>, file: string, now: Date): Promise<Secrets> {
  let secrets = readSecrets(file);
  const stored = await getMeta(db, FINGERPRINT);
  if (!secrets) {
    if (stored !== null || (await countSureties(db)) > 0) {
      throw new SecretsError(
        `the secrets file ${file} is missing but the database already holds data signed with secrets; ` +
          'restore the secrets file that belongs to this database (it is never regenerated for a used database)',
      );
    }
    try {
      writeSecrets(file, await generateSecrets(now), { exclusive: true });
    } catch (error) {
      // Another instance generated it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    secrets = readSecrets(file);
    if (!secrets) throw new SecretsError(`could not create the secrets file ${file}`);
  }
  await checkSigningKeys(file, secrets);
  const fingerprint = secretsFingerprint(secrets);
  const legacy = legacySecretsFingerprint(secrets);
  if (stored !== null && stored === legacy) await checkEncryptionKey(db, file, secrets);
  else if (stored !== null && stored !== fingerprint) {
    throw new SecretsError(
      `the secrets file ${file} does not belong to this database (fingerprint ${fingerprint.slice(0, 12)}… ≠ ` +
        `${stored.slice(0, 12)}…); refusing to start so that two instances or a restored backup never disagree`,
    );
  }
  const bound = secrets;
  const bind = () =>
    writeTransaction(db, async (tx) => {
      const current = await getMeta(tx, FINGERPRINT);
      if (current === null) await insertMeta(tx, FINGERPRINT, fingerprint);
      else if (current === legacy) {
        await updateMeta(tx, FINGERPRINT, fingerprint);
        await insertAudit(tx, {
          at: now.toISOString(),
          actor_type: 'system',
          actor_id: 'startup',
          action: 'secrets.fingerprint_upgrade',
          contract_number: null,
          detail: JSON.stringify({ from: 'v1', to: 'v2', covers: ['pepper', 'encryptionKey', 'signingKeys[0]'] }),
        });
      } else if (current !== fingerprint) {
        throw new SecretsError(`the secrets file ${file} does not belong to this database (another instance bound it)`);
      }
      const known = new Map((await listSigningKeys(tx)).map((k) => [k.kid, k]));
      for (const key of bound.signingKeys) {
        if (!known.has(key.kid)) {
          await insertSigningKey(tx, {
            kid: key.kid,
            public_jwk: JSON.stringify(publicJwkOfKey(key)),
            created_at: key.createdAt,
            retired_at: key.kid === bound.activeKid ? null : key.createdAt,
          });
        }
      }
      const active = (await listSigningKeys(tx)).filter((k) => k.retired_at === null);
      const unknown = active.find((k) => !bound.signingKeys.some((s) => s.kid === k.kid));
      if (unknown) {
        throw new SecretsError(
          `the database's active signing key ${unknown.kid} is not in ${file}: this secrets file is older than a ` +
            'key rotation; copy the current file from the instance that rotated',
        );
      }
    });
  try {
    await bind();
  } catch (error) {
    // Two instances starting together on an empty database both insert the fingerprint and keys; the one that loses
    // the race (found by `npm run bench -- multi`) binds again and now finds the winner's rows.
    if (!isUniqueViolation(error)) throw error;
    await bind();
  }
  return secrets;
}

/**
 * A database bound before the fingerprint covered the encryption key: before binding this file's key, the newest
 * stored authentication keys must decrypt with it (one corrupt row is not enough to refuse; none decrypting is).
 * @throws SecretsError when the encryption key is not the one the stored keys were encrypted with
 */
async function checkEncryptionKey(db: Kysely<Database>, file: string, secrets: Secrets): Promise<void> {
  const vault = createAuthKeyVault(secrets.pepper, secrets.encryptionKey);
  const sample = await listNewestAuthKeys(db, 3);
  const decrypts = await Promise.all(
    sample.map((s) =>
      vault.decrypt(s.auth_key_jwe).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (sample.length > 0 && !decrypts.includes(true)) {
    throw new SecretsError(
      `the encryption key in the secrets file ${file} does not decrypt this database's stored authentication keys; ` +
        'restore the secrets file that belongs to this database',
    );
  }
}
