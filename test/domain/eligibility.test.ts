// Obligee e-surety rules (DESIGN §4): which certificates an obligee accepts electronically, and why not.
import { formatDate } from '../../src/domain/format.js';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { PRODUCTS, type Product } from '../../src/domain/certificate.js';
import {
  BASIS_LABEL,
  PRODUCT_LABEL,
  eligibilityViolation,
  ruleSchema,
  type ObligeeRule,
} from '../../src/domain/eligibility.js';
import { certificate } from './fixtures.js';

const MISHIMA: ObligeeRule[] = [{ products: [...PRODUCTS], basis: 'contract_date', effectiveFrom: '2026-01-01' }];

type Works = ReturnType<typeof certificate>['works'];

function subject(product: Product, works: Partial<Works> = {}) {
  const c = certificate(product);
  return { product, works: { ...c.works, ...works } };
}

describe('eligibilityViolation with the 三島市 rule (all products, contract date on or after 2026-01-01)', () => {
  it.each(PRODUCTS)('accepts a %s whose contract was signed on 2026-01-01', (product) => {
    expect(eligibilityViolation('三島市', MISHIMA, subject(product, { contractDate: '2026-01-01' }))).toBeNull();
  });

  it('accepts contracts signed after the effective date', () => {
    expect(eligibilityViolation('三島市', MISHIMA, subject('contract', { contractDate: '2026-01-02' }))).toBeNull();
    expect(eligibilityViolation('三島市', MISHIMA, subject('contract', { contractDate: '2031-12-31' }))).toBeNull();
  });

  it('rejects a contract signed on 2025-12-31 with a message naming the date and the rule', () => {
    const reason = eligibilityViolation('三島市', MISHIMA, subject('advance_payment', { contractDate: '2025-12-31' }));
    expect(reason).not.toBeNull();
    // Plain Japanese with 和暦 dates, as clerks read them (no field paths, no ISO dates).
    expect(reason).toBe(
      '三島市の電子保証は請負契約締結日が令和8年1月1日以降の案件が対象です（この申込の請負契約締結日は令和7年12月31日）',
    );
    expect(reason).toContain('三島市');
    expect(reason).toContain('請負契約締結日');
  });

  it('judges by the contract date only, ignoring tender and bid dates', () => {
    const late = subject('contract', { contractDate: '2025-12-31', tenderDate: '2026-02-01', bidDate: '2026-02-01' });
    expect(eligibilityViolation('三島市', MISHIMA, late)).not.toBeNull();
    const early = subject('contract', { contractDate: '2026-01-05', tenderDate: '2025-01-01', bidDate: '2025-01-01' });
    expect(eligibilityViolation('三島市', MISHIMA, early)).toBeNull();
  });

  it('accepts exactly the contract dates on or after the effective date', () => {
    const day = fc
      .date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2028-12-31T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, fc.constantFrom(...PRODUCTS), (contractDate, product) => {
        const reason = eligibilityViolation('三島市', MISHIMA, subject(product, { contractDate }));
        if (contractDate >= '2026-01-01') expect(reason).toBeNull();
        else expect(reason).toContain(formatDate(contractDate));
      }),
    );
  });
});

describe('eligibilityViolation: products and basis dates', () => {
  const advanceOnly: ObligeeRule[] = [
    {
      products: ['advance_payment', 'intermediate_advance_payment'],
      basis: 'contract_date',
      effectiveFrom: '2026-01-01',
    },
  ];

  it('rejects a product no rule covers, naming the product in Japanese', () => {
    const reason = eligibilityViolation('沼津市', advanceOnly, subject('contract'));
    expect(reason).toContain('契約保証');
    expect(reason).toContain(PRODUCT_LABEL.contract);
    expect(reason).toContain('沼津市');
  });

  it('rejects every product when the obligee has no rules', () => {
    for (const product of PRODUCTS) {
      expect(eligibilityViolation('沼津市', [], subject(product))).toContain(PRODUCT_LABEL[product]);
    }
  });

  it('asks for the missing 入札公告日 when the rule is based on the tender date', () => {
    const rules: ObligeeRule[] = [{ products: ['contract'], basis: 'tender_date', effectiveFrom: '2025-04-01' }];
    const reason = eligibilityViolation('沼津市', rules, subject('contract', { tenderDate: undefined }));
    expect(reason).toContain('入札公告日を入力してください');
    expect(reason).toContain(BASIS_LABEL.tender_date);
    expect(eligibilityViolation('沼津市', rules, subject('contract', { tenderDate: '2025-04-01' }))).toBeNull();
    expect(eligibilityViolation('沼津市', rules, subject('contract', { tenderDate: '2025-03-31' }))).toContain(
      '令和7年3月31日',
    );
  });

  it('asks for the missing 入札日 when the rule is based on the bid date', () => {
    const rules: ObligeeRule[] = [{ products: ['contract'], basis: 'bid_date', effectiveFrom: '2025-04-01' }];
    expect(eligibilityViolation('沼津市', rules, subject('contract', { bidDate: undefined }))).toContain(
      '入札日を入力してください',
    );
    expect(eligibilityViolation('沼津市', rules, subject('contract', { bidDate: '2025-04-02' }))).toBeNull();
  });

  it('accepts when any one covering rule admits the certificate', () => {
    const rules: ObligeeRule[] = [
      { products: ['contract'], basis: 'tender_date', effectiveFrom: '2027-01-01' },
      { products: ['advance_payment'], basis: 'contract_date', effectiveFrom: '2020-01-01' },
      { products: ['contract'], basis: 'contract_date', effectiveFrom: '2026-01-01' },
    ];
    expect(eligibilityViolation('沼津市', rules, subject('contract', { contractDate: '2026-01-05' }))).toBeNull();
    const reason = eligibilityViolation(
      '沼津市',
      rules,
      subject('contract', { contractDate: '2025-06-01', tenderDate: '2025-05-01' }),
    );
    expect(reason).toContain('令和9年1月1日');
    expect(reason).toContain('令和8年1月1日');
  });
});

describe('ruleSchema', () => {
  it('accepts the 三島市 rule', () => {
    expect(ruleSchema.safeParse(MISHIMA[0]).success).toBe(true);
  });

  it.each([
    ['no products', { products: [], basis: 'contract_date', effectiveFrom: '2026-01-01' }, ['products']],
    [
      'an unknown product',
      { products: ['bid_bond'], basis: 'contract_date', effectiveFrom: '2026-01-01' },
      ['products', 0],
    ],
    ['an unknown basis', { products: ['contract'], basis: 'award_date', effectiveFrom: '2026-01-01' }, ['basis']],
    [
      'an impossible date',
      { products: ['contract'], basis: 'contract_date', effectiveFrom: '2026-02-30' },
      ['effectiveFrom'],
    ],
    ['an extra field', { products: ['contract'], basis: 'contract_date', effectiveFrom: '2026-01-01', until: 'x' }, []],
  ])('rejects a rule with %s', (_label, rule, path) => {
    const result = ruleSchema.safeParse(rule);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path)).toContainEqual(path);
  });
});
