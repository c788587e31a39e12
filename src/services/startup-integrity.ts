// Use case: the corruption checks of every start, kept cheap (a full audit reads every version and is too slow for
// a big database): SQLite's quick_check on files up to 64 MiB, and the stored keys of the newest guarantees. What
// they find is logged and makes /readyz answer not ready; `npm run cli -- audit` is the full check.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { isPostgres } from '../../db/connection.js';
import { listNewestAuthKeys, sqliteIntegrityCheck } from '../repositories/integrity.js';
import { databaseBytes } from '../repositories/meta.js';
import type { AuthKeyVault } from '../security/auth-keys.js';
import { authKeyProblem } from './audit-stored-data.js';

/** quick_check reads every page (≈140 MiB/s measured on the 2-core test machine): at most ≈0.5 s of start-up. */
export const QUICK_CHECK_MAX_BYTES = 64 * 2 ** 20;
/** Newest guarantees whose stored key must decrypt and match its HMAC. */
export const KEY_SAMPLE = 20;

export interface StartupIntegrity {
  /** One line per finding, `<check> <subject>: <message>`; empty when nothing was found. */
  findings: string[];
  /** What ran, for the start-up log line. */
  checked: string[];
}

/** Never throws: a check that cannot run is itself a finding. */
export async function checkAtStartup(db: Kysely<Database>, vault: AuthKeyVault): Promise<StartupIntegrity> {
  const result: StartupIntegrity = { findings: [], checked: [] };
  try {
    if (!isPostgres(db)) {
      const bytes = (await databaseBytes(db, false)) ?? 0;
      if (bytes <= QUICK_CHECK_MAX_BYTES) {
        result.checked.push('quick_check');
        for (const line of (await sqliteIntegrityCheck(db, 20, 'quick_check')) ?? []) {
          result.findings.push(`integrity_check sqlite: ${line}`);
        }
      }
    }
    const sample = await listNewestAuthKeys(db, KEY_SAMPLE);
    result.checked.push(`auth keys of the ${sample.length} newest guarantees`);
    for (const surety of sample) {
      const problem = await authKeyProblem(vault, surety);
      if (problem) result.findings.push(`${problem.check} ${problem.subject}: ${problem.message}`);
    }
  } catch (error) {
    result.findings.push(`unreadable database: ${(error as Error).message}`);
  }
  return result;
}
