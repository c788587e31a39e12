// Plausibility rules (DESIGN §4, issue 16 item 6): each rule at its boundary, the obligee's own ratio, and the
// wording a clerk reads (和暦 dates, yen with separators).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  enforces,
  minimumContractRatio,
  plausibilityFindings,
  checksSchema,
  type PlausibilityInput,
} from '../../src/domain/plausibility.js';
import { certificate } from './fixtures.js';
import type { Product } from '../../src/domain/certificate.js';

const of = (product: Product, overrides: Partial<PlausibilityInput> = {}): PlausibilityInput => ({
  ...certificate(product),
  ...overrides,
});
const codes = (input: PlausibilityInput, checks = {}, linked?: number) =>
  plausibilityFindings(input, checks, linked).map((f) => `${f.code}@${f.field}`);

describe('契約保証金額 ≥ 10% of 請負代金額 (or the obligee ratio)', () => {
  it('accepts exactly 10% and refuses one yen less', () => {
    expect(codes(of('contract', { contractAmount: 50_000_000, guaranteeAmount: 5_000_000 }))).toEqual([]);
    expect(codes(of('contract', { contractAmount: 50_000_000, guaranteeAmount: 4_999_999 }))).toEqual([
      'contract_guarantee_below_minimum@guaranteeAmount',
    ]);
  });

  it('uses the obligee ratio when it has one (30%: 15,000,000円 of 50,000,000円 is the least)', () => {
    const c = of('contract', { contractAmount: 50_000_000, guaranteeAmount: 14_999_999 });
    expect(codes(c, { minimumContractGuaranteeRatio: 30 })).toEqual([
      'contract_guarantee_below_minimum@guaranteeAmount',
    ]);
    expect(codes({ ...c, guaranteeAmount: 15_000_000 }, { minimumContractGuaranteeRatio: 30 })).toEqual([]);
    expect(plausibilityFindings(c, { minimumContractGuaranteeRatio: 30 })[0]?.message).toBe(
      '契約保証の保証金額（14,999,999円）が請負代金額（50,000,000円）の30%（15,000,000円）に足りません',
    );
  });

  it('is the one number the officers check reads (default 10%)', () => {
    expect(minimumContractRatio(undefined)).toBe(10);
    expect(minimumContractRatio({})).toBe(10);
    expect(minimumContractRatio({ minimumContractGuaranteeRatio: 5 })).toBe(5);
    expect(minimumContractRatio({ minimumContractGuaranteeRatio: 0 })).toBe(0);
  });

  it('does not apply to advance guarantees', () => {
    expect(codes(of('advance_payment', { guaranteeAmount: 1, advanceAmount: 1 }))).toEqual([]);
  });
});

describe('前払金 ≤ 40%, 中間前払金 ≤ 20%, together ≤ 60% of 請負代金額', () => {
  it('accepts an advance of exactly 40% and warns one yen above', () => {
    expect(codes(of('advance_payment', { contractAmount: 100_000_000, advanceAmount: 40_000_000 }))).toEqual([]);
    const over = of('advance_payment', { contractAmount: 100_000_000, advanceAmount: 40_000_001 });
    expect(codes(over)).toEqual(['advance_above_limit@advanceAmount']);
    expect(plausibilityFindings(over, {})[0]?.message).toBe(
      '前払金額（40,000,001円）が請負代金額（100,000,000円）の40%（40,000,000円）を超えています',
    );
  });

  it('accepts an intermediate advance of exactly 20% and warns one yen above', () => {
    const at = of('intermediate_advance_payment', { contractAmount: 100_000_000, advanceAmount: 20_000_000 });
    expect(codes(at)).toEqual([]);
    expect(codes({ ...at, advanceAmount: 20_000_001 })).toEqual(['intermediate_advance_above_limit@advanceAmount']);
  });

  it('accepts a combined advance of exactly 60% and warns one yen above', () => {
    const at = of('intermediate_advance_payment', { contractAmount: 100_000_000, advanceAmount: 20_000_000 });
    expect(codes(at, {}, 40_000_000)).toEqual([]);
    const over = plausibilityFindings(at, {}, 40_000_001);
    expect(over.map((f) => f.code)).toEqual(['combined_advance_above_limit']);
    expect(over[0]?.message).toBe(
      '前払金（40,000,001円）と中間前払金（20,000,000円）の合計（60,000,001円）が請負代金額（100,000,000円）の60%を超えています',
    );
  });

  it('has no rounding error at the boundary for any amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), (tenth) => {
        const contractAmount = tenth * 10;
        const input = of('advance_payment', { contractAmount, advanceAmount: tenth * 4 });
        return codes(input).length === 0 && codes({ ...input, advanceAmount: tenth * 4 + 1 }).length === 1;
      }),
    );
  });
});

describe('保証契約日 not before 請負契約締結日; 保証期間 covering the 工期', () => {
  it('accepts the same day and warns one day before, in 和暦', () => {
    const same = of('contract', { guaranteeDate: '2026-01-05' });
    expect(codes(same)).toEqual([]);
    const before = plausibilityFindings({ ...same, guaranteeDate: '2026-01-04' }, {});
    expect(before.map((f) => `${f.code}@${f.field}`)).toEqual(['guarantee_date_before_contract@guaranteeDate']);
    expect(before[0]?.message).toBe('保証契約締結日（令和8年1月4日）が請負契約締結日（令和8年1月5日）より前です');
  });

  it('accepts a guarantee ending the day the works end and warns a day earlier', () => {
    const c = of('contract');
    const endsWithWorks = { ...c, guaranteePeriod: { from: c.guaranteePeriod.from, to: c.works.period.to } };
    expect(codes(endsWithWorks)).toEqual([]);
    expect(codes({ ...c, guaranteePeriod: { from: c.guaranteePeriod.from, to: '2026-12-24' } })).toEqual([
      'guarantee_period_short@guaranteePeriod.to',
    ]);
  });

  it('reports every breach at once', () => {
    const c = of('contract', { guaranteeAmount: 1, guaranteeDate: '2025-12-31' });
    expect(codes({ ...c, guaranteePeriod: { from: '2026-01-01', to: '2026-02-01' } })).toEqual([
      'contract_guarantee_below_minimum@guaranteeAmount',
      'guarantee_date_before_contract@guaranteeDate',
      'guarantee_period_short@guaranteePeriod.to',
    ]);
  });
});

describe('checks (the obligee settings)', () => {
  it('warn by default and refuse only when enforce is set', () => {
    expect(enforces(undefined)).toBe(false);
    expect(enforces({})).toBe(false);
    expect(enforces({ enforce: true })).toBe(true);
  });

  it('refuse a ratio outside 0–100 and unknown keys', () => {
    expect(checksSchema.safeParse({ minimumContractGuaranteeRatio: 101 }).success).toBe(false);
    expect(checksSchema.safeParse({ minimumContractGuaranteeRatio: -1 }).success).toBe(false);
    expect(checksSchema.safeParse({ enforced: true }).success).toBe(false);
    expect(checksSchema.parse({ minimumContractGuaranteeRatio: 30, enforce: true })).toEqual({
      minimumContractGuaranteeRatio: 30,
      enforce: true,
    });
  });
});
