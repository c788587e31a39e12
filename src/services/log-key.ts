// The log key's binding to the database: the first start records its public half, and a later start with another
// key (another secrets file, or an explicit logKey added to a file that derived one) refuses, as a foreign secrets
// file does — monitors would otherwise see checkpoints under a key they have never been given.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { NoteSigner } from '../log/note.js';
import { getMeta, insertMetaIfAbsent } from '../repositories/meta.js';
import { SecretsError } from '../signing/secrets.js';

const LOG_KEY = 'log_public_key';

/** @throws SecretsError when the database was bound to another log key */
export async function bindLogKey(db: Kysely<Database>, signer: NoteSigner, readOnly: boolean): Promise<void> {
  const key = signer.publicKey.toString('base64');
  if (!readOnly) await insertMetaIfAbsent(db, LOG_KEY, key);
  const stored = await getMeta(db, LOG_KEY);
  if (stored !== null && stored !== key) {
    throw new SecretsError(
      `the transparency log key of the secrets file (${key.slice(0, 12)}…) is not the one this database's log was ` +
        `signed with (${stored.slice(0, 12)}…); restore the secrets file that belongs to this database`,
    );
  }
}
