// Named checks of the integrity audit over data no signature covers: each guarantee's stored authentication key
// (its HMAC and its encrypted copy) and the stored answers to idempotent publications. One flipped byte in any of
// them otherwise shows only to a user: a genuine key refused, a notice PDF that fails, or a retry answered with
// another guarantee's number and key.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { listIdempotencyChunk, listIssueJwsOf } from '../repositories/integrity.js';
import type { AuthKeyVault } from '../security/auth-keys.js';

export interface StoredDataProblem {
  area: 'sureties' | 'idempotency_keys';
  subject: string;
  check: 'auth_key' | 'idempotency';
  message: string;
}

const REISSUE = 'reissue the key (認証キー再発行) so that the contractor gets a working one';

/**
 * The `auth_key` check: the stored key decrypts with the secrets file's encryption key and matches the stored HMAC.
 * @returns the problem, or null when the key is sound
 */
export async function authKeyProblem(
  vault: AuthKeyVault,
  surety: { contract_number: string; auth_key_hmac: string; auth_key_jwe: string },
): Promise<StoredDataProblem | null> {
  const at = (message: string): StoredDataProblem => ({
    area: 'sureties',
    subject: surety.contract_number,
    check: 'auth_key',
    message,
  });
  let key: string;
  try {
    key = await vault.decrypt(surety.auth_key_jwe);
  } catch {
    return at(`the encrypted key (auth_key_jwe) does not decrypt: its notice PDF and reprint fail; ${REISSUE}`);
  }
  // The comparison of a verification, so a finding here is exactly "a genuine key would be refused".
  if (!vault.matches(surety.contract_number, key, surety.auth_key_hmac)) {
    return at(`the key HMAC (auth_key_hmac) does not match the stored key: the genuine key is refused; ${REISSUE}`);
  }
  return null;
}

/**
 * The `idempotency` check: every stored answer is valid JSON naming a stored guarantee, and carries that guarantee's
 * first signed version — the answer a retry gets must be the guarantee that request published.
 * @returns how many answers were checked
 */
export async function auditIdempotencyAnswers(
  db: Kysely<Database>,
  problem: (p: StoredDataProblem) => void,
  batchSize = 500,
): Promise<number> {
  let checked = 0;
  let after = { tokenId: '', key: '' };
  for (;;) {
    const rows = await listIdempotencyChunk(db, after, batchSize);
    const last = rows.at(-1);
    if (!last) return checked;
    after = { tokenId: last.token_id, key: last.idem_key };
    const answers = rows.map((row) => ({ row, answer: parseAnswer(row.response) }));
    const numbers = answers.flatMap((a) => (a.answer ? [a.answer.contractNumber] : []));
    const issued = new Map((await listIssueJwsOf(db, [...new Set(numbers)])).map((v) => [v.contract_number, v.jws]));
    for (const { row, answer } of answers) {
      checked++;
      const at = (message: string) =>
        problem({
          area: 'idempotency_keys',
          subject: `token ${row.token_id} key ${JSON.stringify(row.idem_key)}`,
          check: 'idempotency',
          message: `${message}; a retry with this Idempotency-Key would get a wrong answer: delete the row (a retry then publishes anew)`,
        });
      if (!answer) at('the stored answer is not the JSON of a publication');
      else if (!issued.has(answer.contractNumber)) at(`the stored answer names ${answer.contractNumber}, not stored`);
      else if (issued.get(answer.contractNumber) !== answer.jws) {
        at(`the stored answer names ${answer.contractNumber} but its signed version is not that guarantee's`);
      }
    }
  }
}

function parseAnswer(response: string): { contractNumber: string; jws: string } | null {
  try {
    const parsed = JSON.parse(response) as { contractNumber?: unknown; version?: { jws?: unknown } };
    const { contractNumber } = parsed;
    const jws = parsed.version?.jws;
    return typeof contractNumber === 'string' && typeof jws === 'string' ? { contractNumber, jws } : null;
  } catch {
    return null;
  }
}
