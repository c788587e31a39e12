// The obligee's own checks (DESIGN §11): a verified certificate compared with the officer's contract data, and the two
// rules that need only the certificate. Pure: every finding is a code, the compared member, a Japanese sentence and
// the two values, so the API, the certificate page, the bulk table and the signed 確認証跡 all say the same thing.
import { z } from 'zod';
import { isoDate, yenAmount, type Certificate } from './certificate.js';
import { formatDate, formatYen } from './format.js';

/** The obligee's own contract data; every member optional, unknown members refused (422 validation_failed). */
export const expectSchema = z.strictObject({
  contractAmount: yenAmount.optional(),
  guaranteeAmount: yenAmount.optional(),
  advanceAmount: yenAmount.optional(),
  worksNumber: z
    .string({ error: '工事番号は文字列で入力してください' })
    .trim()
    .min(1, { error: '工事番号を入力してください' })
    .max(100, { error: '100文字以内で入力してください' })
    .optional(),
  worksPeriodTo: isoDate.optional(),
  contractDate: isoDate.optional(),
});
export type Expect = z.infer<typeof expectSchema>;
export type ExpectField = keyof Expect;
export const EXPECT_FIELDS = Object.keys(expectSchema.shape) as ExpectField[];

export const FINDING_CODES = [
  'contract_amount_differs',
  'guarantee_amount_differs',
  'guarantee_below_minimum',
  'advance_amount_differs',
  'works_number_differs',
  'contract_date_differs',
  'works_period_differs',
  'period_ends_before_works',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export interface Finding {
  code: FindingCode;
  field: ExpectField;
  /** One plain Japanese sentence, dates in 和暦 and amounts in yen. */
  message: string;
  expected?: number | string;
  actual?: number | string;
}

export const findingSchema = z.strictObject({
  code: z.enum(FINDING_CODES),
  field: z.enum(EXPECT_FIELDS as [ExpectField, ...ExpectField[]]),
  message: z.string(),
  expected: z.union([z.number(), z.string()]).optional(),
  actual: z.union([z.number(), z.string()]).optional(),
});

/** The minimum contract-guarantee ratio when the obligee's rules name none: 10% of the contract price. */
export const DEFAULT_CONTRACT_RATIO = 10;

// A ratio with up to four decimals, scaled to an integer so that the comparison stays exact in integer yen.
const RATIO_SCALE = 10_000;

/** `guaranteeAmount × 100 < ratio × contractAmount`, exactly (bigint: both products can pass 2^53). */
export function belowRatio(guaranteeAmount: number, contractAmount: number, ratioPercent: number): boolean {
  const ratio = BigInt(Math.round(ratioPercent * RATIO_SCALE));
  return BigInt(guaranteeAmount) * 100n * BigInt(RATIO_SCALE) < ratio * BigInt(contractAmount);
}

/** The smallest guarantee that is not below the ratio: ⌈ratio × contractAmount / 100⌉ yen. */
export function minimumGuarantee(contractAmount: number, ratioPercent: number): number {
  const numerator = BigInt(Math.round(ratioPercent * RATIO_SCALE)) * BigInt(contractAmount);
  const denominator = 100n * BigInt(RATIO_SCALE);
  return Number((numerator + denominator - 1n) / denominator);
}

/** Works numbers as people type them: full-width and half-width alike, spaces around ignored. */
const sameText = (a: string, b: string) =>
  a.normalize('NFKC').replace(/\s+/g, ' ').trim() === b.normalize('NFKC').replace(/\s+/g, ' ').trim();

const yen = (n: number) => formatYen(n);
const date = (d: string) => formatDate(d, 'ja');

interface Comparison {
  code: FindingCode;
  field: ExpectField;
  /** The certificate's value, undefined when it has none. */
  actual: (c: Certificate) => number | string | undefined;
  /** What the officer knows it as, and how its values are written. */
  label: string;
  show: (value: never) => string;
}

const COMPARISONS: readonly Comparison[] = [
  {
    code: 'contract_amount_differs',
    field: 'contractAmount',
    actual: (c) => c.contractAmount,
    label: '請負代金額',
    show: yen,
  },
  {
    code: 'guarantee_amount_differs',
    field: 'guaranteeAmount',
    actual: (c) => c.guaranteeAmount,
    label: '保証金額',
    show: yen,
  },
  {
    code: 'advance_amount_differs',
    field: 'advanceAmount',
    actual: (c) => c.advanceAmount,
    label: '前払金額',
    show: yen,
  },
  {
    code: 'works_number_differs',
    field: 'worksNumber',
    actual: (c) => c.works.number,
    label: '工事番号',
    show: (s: string) => `「${s}」`,
  },
  {
    code: 'contract_date_differs',
    field: 'contractDate',
    actual: (c) => c.works.contractDate,
    label: '契約締結日',
    show: date,
  },
  {
    code: 'works_period_differs',
    field: 'worksPeriodTo',
    actual: (c) => c.works.period.to,
    label: '工期の終了日',
    show: date,
  },
];

function differs(expected: number | string, actual: number | string): boolean {
  return typeof expected === 'string' && typeof actual === 'string' ? !sameText(expected, actual) : expected !== actual;
}

/**
 * Every finding for one certificate, in a fixed order. A member of `expect` the certificate lacks (a works number,
 * an advance amount on a contract guarantee) gives no finding; the two certificate-only rules are always checked.
 * @param ratioPercent the obligee's minimum contract-guarantee ratio (plausibility.ts minimumContractRatio)
 */
export function findingsFor(c: Certificate, expect: Expect = {}, ratioPercent = DEFAULT_CONTRACT_RATIO): Finding[] {
  const out: Finding[] = [];
  for (const rule of COMPARISONS) {
    const expected = expect[rule.field];
    const actual = rule.actual(c);
    if (expected === undefined || actual === undefined || !differs(expected, actual)) continue;
    const show = rule.show as (value: number | string) => string;
    out.push({
      code: rule.code,
      field: rule.field,
      message: `証書の${rule.label}（${show(actual)}）が、入力した${rule.label}（${show(expected)}）と一致しません。`,
      expected,
      actual,
    });
  }
  if (c.product === 'contract') {
    const contractAmount = expect.contractAmount ?? c.contractAmount;
    if (belowRatio(c.guaranteeAmount, contractAmount, ratioPercent)) {
      const minimum = minimumGuarantee(contractAmount, ratioPercent);
      out.push({
        code: 'guarantee_below_minimum',
        field: 'guaranteeAmount',
        message:
          `契約保証の保証金額（${yen(c.guaranteeAmount)}）が、請負代金額（${yen(contractAmount)}）の` +
          `${ratioPercent}%（${yen(minimum)}）に足りません。`,
        expected: minimum,
        actual: c.guaranteeAmount,
      });
    }
  }
  const worksEnd = expect.worksPeriodTo ?? c.works.period.to;
  if (c.guaranteePeriod.to < worksEnd) {
    out.push({
      code: 'period_ends_before_works',
      field: 'worksPeriodTo',
      message: `保証期間の終了日（${date(c.guaranteePeriod.to)}）が、工期の終了日（${date(worksEnd)}）より前です。`,
      expected: worksEnd,
      actual: c.guaranteePeriod.to,
    });
  }
  return out;
}

const EXPECT_LABEL: Record<ExpectField, string> = {
  contractAmount: '請負金額',
  guaranteeAmount: '保証金額',
  advanceAmount: '前払金額',
  worksNumber: '工事番号',
  worksPeriodTo: '工期の終了日',
  contractDate: '契約締結日',
};

/** The officer's figures as the 確認証跡 lists them: `請負金額 55,000,000円`, one a line, in the members' order. */
export function describeExpect(expect: Expect): string[] {
  return EXPECT_FIELDS.flatMap((field) => {
    const value = expect[field];
    if (value === undefined) return [];
    const shown = typeof value === 'number' ? yen(value) : field === 'worksNumber' ? value : date(value);
    return [`${EXPECT_LABEL[field]} ${shown}`];
  });
}

/** The certificate rows (field-registry paths) a finding concerns, for highlighting them on the page. */
export function findingPaths(finding: Finding): string[] {
  switch (finding.code) {
    case 'contract_amount_differs':
      return ['contractAmount'];
    case 'guarantee_amount_differs':
      return ['guaranteeAmount'];
    case 'guarantee_below_minimum':
      return ['guaranteeAmount', 'contractAmount'];
    case 'advance_amount_differs':
      return ['advanceAmount'];
    case 'works_number_differs':
      return ['works.number'];
    case 'contract_date_differs':
      return ['works.contractDate'];
    case 'works_period_differs':
      return ['works.period'];
    case 'period_ends_before_works':
      return ['guaranteePeriod', 'works.period'];
  }
}
