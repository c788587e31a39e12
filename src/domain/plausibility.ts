// Plausibility rules per obligee (DESIGN §4, issue 16 item 6): amounts and dates that the standard terms
// (公共工事標準請負契約約款, 前払金保証約款) make implausible. Pure data and functions: each breach is a finding with
// the field it concerns and a message in plain Japanese (和暦, 円); the caller decides whether a finding warns or
// refuses (`enforce`).
import { z } from 'zod';
import type { Product } from './certificate.js';
import { formatDate, formatYen } from './format.js';

/** Defaults from the standard terms: percentages of 請負代金額. */
export const DEFAULT_MINIMUM_CONTRACT_RATIO = 10;
export const MAX_ADVANCE_RATIO = 40;
export const MAX_INTERMEDIATE_ADVANCE_RATIO = 20;
export const MAX_COMBINED_ADVANCE_RATIO = 60;

/** The products whose 保証期間 must reach the end of the 工期 (a guarantee that lapses before completion covers less). */
export const PERIOD_COVERS_WORKS: Readonly<Record<Product, boolean>> = Object.freeze({
  advance_payment: true,
  intermediate_advance_payment: true,
  contract: true,
});

/** An obligee's plausibility settings (DESIGN §4 `checks`); stored beside its rules. */
export const checksSchema = z.strictObject({
  minimumContractGuaranteeRatio: z
    .number({ error: '契約保証金の割合は数値（%）で入力してください' })
    .min(0, { error: '契約保証金の割合は0〜100%で入力してください' })
    .max(100, { error: '契約保証金の割合は0〜100%で入力してください' })
    .optional(),
  enforce: z.boolean().optional(),
});
export type PlausibilityChecks = z.infer<typeof checksSchema>;

export type FindingCode =
  | 'contract_guarantee_below_minimum'
  | 'advance_above_limit'
  | 'intermediate_advance_above_limit'
  | 'combined_advance_above_limit'
  | 'guarantee_date_before_contract'
  | 'guarantee_period_short';

/** One breach: `field` is the dotted certificate path a form marks, `message` what the clerk and approver read. */
export interface Finding {
  code: FindingCode;
  field: string;
  message: string;
}

/** What the rules read of a certificate (a publication request has the same shape). */
export interface PlausibilityInput {
  product: Product;
  contractAmount: number;
  guaranteeAmount: number;
  advanceAmount?: number | undefined;
  guaranteeDate: string;
  guaranteePeriod: { from: string; to: string };
  works: { contractDate: string; period: { from: string; to: string } };
}

/**
 * The 契約保証金 an obligee asks for, in percent of 請負代金額 (default 10%). The officers' check
 * `guarantee_below_minimum` (DESIGN §11) reads the same number.
 */
export function minimumContractRatio(checks: PlausibilityChecks | null | undefined): number {
  return checks?.minimumContractGuaranteeRatio ?? DEFAULT_MINIMUM_CONTRACT_RATIO;
}

/** Whether a breach refuses the publication (422) rather than being published with a warning. */
export function enforces(checks: PlausibilityChecks | null | undefined): boolean {
  return checks?.enforce === true;
}

/** amount > ratio% of base, in integers (no floating point at the boundary: exactly 40% is allowed). */
const above = (amount: number, base: number, ratio: number) => amount * 100 > base * ratio;
const below = (amount: number, base: number, ratio: number) => amount * 100 < base * ratio;

/**
 * Every plausibility breach of a certificate, in the order of the form. `linkedAdvance` is the 前払金額 of the
 * 前払金保証 an intermediate advance names (for the combined limit); leave it out when there is none.
 */
export function plausibilityFindings(
  c: PlausibilityInput,
  checks: PlausibilityChecks | null | undefined,
  linkedAdvance?: number,
): Finding[] {
  const findings: Finding[] = [];
  const base = c.contractAmount;
  const contract = formatYen(base);
  if (c.product === 'contract') {
    const ratio = minimumContractRatio(checks);
    if (below(c.guaranteeAmount, base, ratio)) {
      findings.push({
        code: 'contract_guarantee_below_minimum',
        field: 'guaranteeAmount',
        message: `契約保証の保証金額（${formatYen(c.guaranteeAmount)}）が請負代金額（${contract}）の${ratio}%（${formatYen(Math.ceil((base * ratio) / 100))}）に足りません`,
      });
    }
  }
  const advance = c.advanceAmount;
  if (c.product === 'advance_payment' && advance !== undefined && above(advance, base, MAX_ADVANCE_RATIO)) {
    findings.push({
      code: 'advance_above_limit',
      field: 'advanceAmount',
      message: `前払金額（${formatYen(advance)}）が請負代金額（${contract}）の${MAX_ADVANCE_RATIO}%（${formatYen(Math.floor((base * MAX_ADVANCE_RATIO) / 100))}）を超えています`,
    });
  }
  if (c.product === 'intermediate_advance_payment' && advance !== undefined) {
    if (above(advance, base, MAX_INTERMEDIATE_ADVANCE_RATIO)) {
      findings.push({
        code: 'intermediate_advance_above_limit',
        field: 'advanceAmount',
        message: `中間前払金額（${formatYen(advance)}）が請負代金額（${contract}）の${MAX_INTERMEDIATE_ADVANCE_RATIO}%（${formatYen(Math.floor((base * MAX_INTERMEDIATE_ADVANCE_RATIO) / 100))}）を超えています`,
      });
    }
    if (linkedAdvance !== undefined && above(advance + linkedAdvance, base, MAX_COMBINED_ADVANCE_RATIO)) {
      findings.push({
        code: 'combined_advance_above_limit',
        field: 'advanceAmount',
        message: `前払金（${formatYen(linkedAdvance)}）と中間前払金（${formatYen(advance)}）の合計（${formatYen(linkedAdvance + advance)}）が請負代金額（${contract}）の${MAX_COMBINED_ADVANCE_RATIO}%を超えています`,
      });
    }
  }
  if (c.guaranteeDate < c.works.contractDate) {
    findings.push({
      code: 'guarantee_date_before_contract',
      field: 'guaranteeDate',
      message: `保証契約締結日（${formatDate(c.guaranteeDate)}）が請負契約締結日（${formatDate(c.works.contractDate)}）より前です`,
    });
  }
  if (PERIOD_COVERS_WORKS[c.product] && c.guaranteePeriod.to < c.works.period.to) {
    findings.push({
      code: 'guarantee_period_short',
      field: 'guaranteePeriod.to',
      message: `保証期間の終了日（${formatDate(c.guaranteePeriod.to)}）が工期の終了日（${formatDate(c.works.period.to)}）より前で、工期を保証していません`,
    });
  }
  return findings;
}
