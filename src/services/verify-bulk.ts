// Use case: bulk verification (DESIGN §11) — up to 500 number + key pairs, each one a verification exactly like a
// single one (verifySurety: the same §7 counters, records and answers), in input order. Bulk is never a way around
// the limits: once one is reached, the items after it are `throttled` one by one, as single attempts would be,
// while items another limit does not cover (another number) go on being verified.
import type { Expect, Finding } from '../domain/findings.js';
import { normalizeContractNumber } from '../domain/identifiers.js';
import { DomainError } from '../errors.js';
import { clientRetryAfter } from '../security/throttle.js';
import { checkFindings, type RatioCache } from './check-findings.js';
import type { ServiceContext } from './context.js';
import type { SuretyState } from './surety-state.js';
import { verifySurety, type VerifyInput } from './verify-surety.js';

export const MAX_BULK_ITEMS = 500;

export interface BulkItem {
  contractNumber: string;
  authKey: string;
  expect?: Expect | undefined;
}

export type BulkResult =
  | { contractNumber: string; outcome: 'ok'; state: SuretyState; findings: Finding[] }
  | { contractNumber: string; outcome: 'no_match' }
  | { contractNumber: string; outcome: 'throttled'; retryAfter: number };

export type BulkAnswer = { throttled: true; retryAfter: number } | { throttled: false; results: BulkResult[] };

/**
 * @returns `throttled` when the client was throttled before the first item (the caller answers 429), else one result
 *   per item in input order
 * @throws DomainError internal (a stored chain fails verification, as a single verification answers)
 */
export async function verifyBulk(
  ctx: ServiceContext,
  items: readonly BulkItem[],
  caller: Pick<VerifyInput, 'client' | 'exempt' | 'channel'>,
): Promise<BulkAnswer> {
  const retryAfter = await clientRetryAfter(ctx, caller.client, caller.exempt);
  if (retryAfter > 0) return { throttled: true, retryAfter };
  const ratios: RatioCache = new Map();
  const results: BulkResult[] = [];
  // One after another: each item's attempt must see the counters the previous ones left.
  for (const item of items) {
    const contractNumber = normalizeContractNumber(item.contractNumber) ?? item.contractNumber;
    const result = await verifySurety(ctx, { ...caller, contractNumber: item.contractNumber, authKey: item.authKey });
    switch (result.outcome) {
      case 'ok':
        results.push({
          contractNumber,
          outcome: 'ok',
          state: result.state,
          findings: await checkFindings(ctx, result.state.current.certificate, item.expect, { cache: ratios }),
        });
        break;
      case 'no_match':
        results.push({ contractNumber, outcome: 'no_match' });
        break;
      case 'throttled':
        results.push({ contractNumber, outcome: 'throttled', retryAfter: result.retryAfter });
        break;
      case 'tampered':
        throw new DomainError(
          'internal',
          `保証契約番号 ${result.contractNumber} の保証データの署名を検証できませんでした。発行者にお問い合わせください`,
        );
    }
  }
  return { throttled: false, results };
}
