// Use case: the findings of DESIGN §11 for a verified certificate — the pure rules of domain/findings.ts with the
// obligee's minimum contract-guarantee ratio read from its rules.
import type { Certificate } from '../domain/certificate.js';
import {
  DEFAULT_CONTRACT_RATIO,
  findingsFor,
  minimumContractRatio,
  type Expect,
  type Finding,
} from '../domain/findings.js';
import { findObligee } from '../repositories/obligees.js';
import type { ServiceContext } from './context.js';

/** Ratios already read in this call (a bulk of 500 certificates of one obligee reads its rules once). */
export type RatioCache = Map<string, number>;

async function ratioOf(ctx: ServiceContext, obligeeId: string, cache: RatioCache): Promise<number> {
  const known = cache.get(obligeeId);
  if (known !== undefined) return known;
  const row = await findObligee(ctx.db, obligeeId);
  const ratio = minimumContractRatio(row ? (JSON.parse(row.rules) as object[]) : []);
  cache.set(obligeeId, ratio);
  return ratio;
}

/** Only a contract guarantee needs the obligee's ratio: every other verification reads nothing more. */
export async function checkFindings(
  ctx: ServiceContext,
  certificate: Certificate,
  expect: Expect | undefined,
  cache: RatioCache = new Map(),
): Promise<Finding[]> {
  const ratio =
    certificate.product === 'contract' ? await ratioOf(ctx, certificate.obligee.id, cache) : DEFAULT_CONTRACT_RATIO;
  return findingsFor(certificate, expect, ratio);
}
