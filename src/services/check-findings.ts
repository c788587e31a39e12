// Use case: the findings of DESIGN §11 for a verified certificate — the pure rules of domain/findings.ts with the
// obligee's minimum contract-guarantee ratio read from its plausibility checks.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Certificate } from '../domain/certificate.js';
import { DEFAULT_CONTRACT_RATIO, findingsFor, type Expect, type Finding } from '../domain/findings.js';
import { minimumContractRatio, type PlausibilityChecks } from '../domain/plausibility.js';
import { findObligee } from '../repositories/obligees.js';
import type { ServiceContext } from './context.js';

/** Ratios already read in this call (a bulk of 500 certificates of one obligee reads its rules once). */
export type RatioCache = Map<string, number>;

async function ratioOf(db: Kysely<Database>, obligeeId: string, cache: RatioCache): Promise<number> {
  const known = cache.get(obligeeId);
  if (known !== undefined) return known;
  const row = await findObligee(db, obligeeId);
  // The ratio the issuer's plausibility rules use (DESIGN §4 `checks`), so officers and issuer judge alike.
  const ratio = minimumContractRatio(row?.checks ? (JSON.parse(row.checks) as PlausibilityChecks) : null);
  cache.set(obligeeId, ratio);
  return ratio;
}

/**
 * Only a contract guarantee needs the obligee's ratio: every other verification reads nothing more. `db` is the
 * caller's transaction when it holds one (SQLite has one connection: a read beside the transaction would wait on it).
 */
export async function checkFindings(
  ctx: ServiceContext,
  certificate: Certificate,
  expect: Expect | undefined,
  options: { cache?: RatioCache; db?: Kysely<Database> } = {},
): Promise<Finding[]> {
  const ratio =
    certificate.product === 'contract'
      ? await ratioOf(options.db ?? ctx.db, certificate.obligee.id, options.cache ?? new Map())
      : DEFAULT_CONTRACT_RATIO;
  return findingsFor(certificate, expect, ratio);
}
