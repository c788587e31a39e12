// log:monitor's auditor mode (issue 18 item 3): with an auditor's read-only issuer token, each new log entry's version
// is fetched (GET /api/v1/log/entries/{index}/version) and checked as `audit` checks stored versions: SHA-256(JWS) is
// the leaf, every JWS of the guarantee up to it verifies against the published keys (JWKS) and chains, and the
// history rules hold. The token is sent as a bearer header only, never printed.
import { createHash } from 'node:crypto';
import { verifyChain, VerifiedCache } from '../signing/versions.js';
import { historyProblems } from './audit-guarantees.js';
import { trustedKeysFromJwks, type TrustedKeys } from './trusted-keys.js';

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

export interface LoggedEntry {
  index: number;
  /** The leaf input: SHA-256 of the version's JWS. */
  digest: Buffer;
}

interface EntryVersion {
  contractNumber: string;
  seq: number;
  versions: { seq: number; event: string; target: number | null; jws: string }[];
}

/** @returns the first violation found, or null when every entry's version checks out */
export async function auditEntries(
  fetchFn: Fetch,
  base: string,
  token: string,
  entries: readonly LoggedEntry[],
): Promise<string | null> {
  if (entries.length === 0) return null;
  const jwksRes = await fetchFn(`${base}/.well-known/jwks.json`);
  if (jwksRes.status !== 200) return `the published keys (JWKS) are not served: GET answered ${jwksRes.status}`;
  let keys: TrustedKeys;
  try {
    keys = await trustedKeysFromJwks(await jwksRes.json(), `${base}/.well-known/jwks.json`, null);
  } catch (error) {
    return `the published keys (JWKS) are unusable: ${(error as Error).message}`;
  }
  const cache = new VerifiedCache();
  const auth = { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } };
  for (const entry of entries) {
    const res = await fetchFn(`${base}/api/v1/log/entries/${entry.index}/version`, auth);
    if (res.status === 401 || res.status === 403) {
      throw new AuditorTokenRefused(res.status);
    }
    if (res.status !== 200) return `entry ${entry.index}: its version cannot be fetched (GET answered ${res.status})`;
    const answer = (await res.json()) as EntryVersion;
    const at = `entry ${entry.index} (${answer.contractNumber} seq ${answer.seq})`;
    const last = answer.versions.at(-1);
    if (!last || last.seq !== answer.seq) return `${at}: the answer does not end with the version the entry names`;
    const digest = createHash('sha256').update(last.jws, 'ascii').digest();
    if (!digest.equals(entry.digest)) {
      return `${at}: SHA-256 of the stored JWS is not the log entry (the version was altered after it was logged)`;
    }
    const chain = await verifyChain(keys.lookup, cache, answer.contractNumber, answer.versions);
    if (!chain.valid) {
      const p = chain.problems[0]!;
      return `${at}: version seq ${p.seq} fails the ${p.check} check against the published keys: ${p.message}`;
    }
    const history = historyProblems(chain.versions);
    if (history.length > 0) return `${at}: history rule broken at seq ${history[0]!.seq}: ${history[0]!.message}`;
  }
  return null;
}

/** The platform refused the auditor token: a configuration problem, not a log violation. */
export class AuditorTokenRefused extends Error {
  override name = 'AuditorTokenRefused';
  constructor(readonly status: number) {
    super(`the platform refused the auditor token (HTTP ${status}): it needs the read scope`);
  }
}
