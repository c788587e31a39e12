// The obligee's own checks (DESIGN §11): every finding rule, its boundaries, and what a certificate lacking a compared
// field gives (nothing).
import { describe, expect, it } from 'vitest';
import {
  belowRatio,
  expectSchema,
  findingPaths,
  findingsFor,
  minimumGuarantee,
  type Finding,
} from '../../src/domain/findings.js';
import { certificate } from './fixtures.js';

const advance = certificate('advance_payment'); // 125,000,000 contract, 50,000,000 advance, works to 2026-12-25
const contract = certificate('contract'); // guarantee 12,500,000 = exactly 10%
const codes = (list: Finding[]) => list.map((f) => f.code);

describe('findings against the obligee’s own data', () => {
  it('gives none for a certificate that matches every figure', () => {
    expect(
      findingsFor(advance, {
        contractAmount: 125_000_000,
        guaranteeAmount: 50_000_000,
        advanceAmount: 50_000_000,
        worksNumber: '三島市第8-101号',
        worksPeriodTo: '2026-12-25',
        contractDate: '2026-01-05',
      }),
    ).toEqual([]);
    expect(findingsFor(advance)).toEqual([]);
  });

  it('reports each differing member with its field, both values and a Japanese sentence in 和暦 and yen', () => {
    const found = findingsFor(advance, {
      contractAmount: 120_000_000,
      guaranteeAmount: 50_000_001,
      advanceAmount: 49_999_999,
      worksNumber: '三島市第8-102号',
      worksPeriodTo: '2026-12-24',
      contractDate: '2026-01-06',
    });
    expect(found.map((f) => [f.code, f.field, f.expected, f.actual])).toEqual([
      ['contract_amount_differs', 'contractAmount', 120_000_000, 125_000_000],
      ['guarantee_amount_differs', 'guaranteeAmount', 50_000_001, 50_000_000],
      ['advance_amount_differs', 'advanceAmount', 49_999_999, 50_000_000],
      ['works_number_differs', 'worksNumber', '三島市第8-102号', '三島市第8-101号'],
      ['contract_date_differs', 'contractDate', '2026-01-06', '2026-01-05'],
      ['works_period_differs', 'worksPeriodTo', '2026-12-24', '2026-12-25'],
    ]);
    expect(found[0]?.message).toBe(
      '証書の請負代金額（125,000,000円）が、入力した請負代金額（120,000,000円）と一致しません。',
    );
    expect(found[4]?.message).toBe(
      '証書の契約締結日（令和8年1月5日）が、入力した契約締結日（令和8年1月6日）と一致しません。',
    );
  });

  it('reads a works number typed in full-width or with spaces around it as the same number', () => {
    expect(findingsFor(advance, { worksNumber: ' 三島市第８－１０１号 ' })).toEqual([]);
    expect(findingsFor(advance, { worksNumber: '三島市第8-101号' })).toEqual([]);
  });

  it('gives no finding for a member the certificate lacks', () => {
    const { works, ...rest } = certificate('contract');
    const { number: _n, ...unnumbered } = works;
    const bare = { ...rest, works: unnumbered };
    expect(findingsFor(bare, { worksNumber: '第1号', advanceAmount: 1 })).toEqual([]);
  });

  it('reports a contract guarantee below 10% of the contract price by default, and not at exactly 10%', () => {
    expect(findingsFor(contract)).toEqual([]);
    const below = certificate('contract', { guaranteeAmount: 12_499_999 });
    expect(findingsFor(below)).toEqual([
      {
        code: 'guarantee_below_minimum',
        field: 'guaranteeAmount',
        message: '契約保証の保証金額（12,499,999円）が、請負代金額（125,000,000円）の10%（12,500,000円）に足りません。',
        expected: 12_500_000,
        actual: 12_499_999,
      },
    ]);
  });

  it('measures the ratio against the officer’s contract amount when given (a 2% guarantee of the real price)', () => {
    const found = findingsFor(contract, { contractAmount: 625_000_000 });
    expect(codes(found)).toEqual(['contract_amount_differs', 'guarantee_below_minimum']);
    expect(found[1]?.expected).toBe(62_500_000);
    // Only contract guarantees: an advance guarantee of 40% is not "below" anything.
    expect(codes(findingsFor(advance, { contractAmount: 625_000_000 }))).toEqual(['contract_amount_differs']);
  });

  it('uses the obligee’s own ratio, compared exactly in integer yen', () => {
    expect(codes(findingsFor(contract, {}, 30))).toEqual(['guarantee_below_minimum']);
    expect(belowRatio(2, 21, 10)).toBe(true); // 200 < 210
    expect(belowRatio(3, 30, 10)).toBe(false); // 300 = 300
    expect(belowRatio(1, 10, 10)).toBe(false);
    // Products beyond 2^53 stay exact.
    const max = Number.MAX_SAFE_INTEGER;
    // Products beyond 2^53 stay exact: 10 × max ends in …910, the guarantee × 100 in …900 (doubles round both alike).
    expect(belowRatio(900_719_925_474_099, max, 10)).toBe(true);
    expect(belowRatio(900_719_925_474_100, max, 10)).toBe(false);
    expect(900_719_925_474_099 * 100 < 10 * max).toBe(false); // what a plain number comparison would say
    expect(minimumGuarantee(21, 10)).toBe(3);
    expect(minimumGuarantee(30, 10)).toBe(3);
    expect(minimumGuarantee(125_000_000, 2.5)).toBe(3_125_000);
  });

  it('reports a guarantee period ending before the works, from the certificate or the officer’s works end', () => {
    const short = certificate('advance_payment', { guaranteePeriod: { from: '2026-01-06', to: '2026-12-24' } });
    expect(findingsFor(short)).toEqual([
      {
        code: 'period_ends_before_works',
        field: 'worksPeriodTo',
        message: '保証期間の終了日（令和8年12月24日）が、工期の終了日（令和8年12月25日）より前です。',
        expected: '2026-12-25',
        actual: '2026-12-24',
      },
    ]);
    // Ending on the works' last day is enough.
    const same = certificate('advance_payment', { guaranteePeriod: { from: '2026-01-06', to: '2026-12-25' } });
    expect(findingsFor(same)).toEqual([]);
    // The officer knows the works were extended past the guarantee (2027-01-24): both findings.
    expect(codes(findingsFor(advance, { worksPeriodTo: '2027-01-25' }))).toEqual([
      'works_period_differs',
      'period_ends_before_works',
    ]);
    expect(codes(findingsFor(advance, { worksPeriodTo: '2027-01-24' }))).toEqual(['works_period_differs']);
    // An officer's earlier works end clears what the certificate's own works period would report.
    expect(codes(findingsFor(short, { worksPeriodTo: '2026-12-24' }))).toEqual(['works_period_differs']);
  });

  it('names the certificate rows each finding concerns', () => {
    const found = findingsFor(certificate('contract', { guaranteeAmount: 1 }), { worksPeriodTo: '2030-01-01' });
    expect(found.map(findingPaths)).toEqual([
      ['works.period'],
      ['guaranteeAmount', 'contractAmount'],
      ['guaranteePeriod', 'works.period'],
    ]);
  });
});

describe('the expect object', () => {
  it('accepts every member optional, and refuses unknown members and wrong types', () => {
    expect(expectSchema.safeParse({}).success).toBe(true);
    expect(
      expectSchema.safeParse({ contractAmount: 1, worksPeriodTo: '2026-01-31', worksNumber: '第1号' }).success,
    ).toBe(true);
    for (const bad of [
      { price: 1 },
      { contractAmount: '1000' },
      { contractAmount: 1.5 },
      { contractAmount: 0 },
      { guaranteeAmount: null },
      { worksPeriodTo: '2026/01/31' },
      { contractDate: '2026-02-30' },
      { worksNumber: 12 },
      { worksNumber: '  ' },
    ]) {
      expect(expectSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
