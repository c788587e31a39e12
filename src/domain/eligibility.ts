// Obligee e-surety rules (DESIGN §4): may this certificate be published electronically to this obligee?
import { z } from 'zod';
import { PRODUCTS, isoDate, type Certificate, type Product } from './certificate.js';
import { formatDate } from './format.js';

export const BASES = ['contract_date', 'tender_date', 'bid_date'] as const;
export type Basis = (typeof BASES)[number];

export const ruleSchema = z.strictObject({
  products: z.array(z.enum(PRODUCTS)).min(1, { error: '対象の保証を1つ以上指定してください' }),
  basis: z.enum(BASES),
  effectiveFrom: isoDate,
});
export type ObligeeRule = z.infer<typeof ruleSchema>;

const BASIS_FIELD = { contract_date: 'contractDate', tender_date: 'tenderDate', bid_date: 'bidDate' } as const;
export const BASIS_LABEL: Record<Basis, string> = {
  contract_date: '請負契約締結日',
  tender_date: '入札公告日',
  bid_date: '入札日',
};
export const PRODUCT_LABEL: Record<Product, string> = {
  advance_payment: '前払金保証',
  intermediate_advance_payment: '中間前払金保証',
  contract: '契約保証',
};

/** Null when some rule admits the certificate; otherwise the Japanese reason of the closest rule. */
export function eligibilityViolation(
  obligeeName: string,
  rules: readonly ObligeeRule[],
  certificate: Pick<Certificate, 'product' | 'works'>,
): string | null {
  const covering = rules.filter((r) => r.products.includes(certificate.product));
  if (covering.length === 0) {
    return `${obligeeName}は${PRODUCT_LABEL[certificate.product]}の電子保証を受け付けていません`;
  }
  const reasons: string[] = [];
  for (const rule of covering) {
    const field = BASIS_FIELD[rule.basis];
    const date = certificate.works[field];
    if (date === undefined) {
      reasons.push(
        `${obligeeName}の電子保証は${BASIS_LABEL[rule.basis]}で対象かどうかを判断します。${BASIS_LABEL[rule.basis]}を入力してください`,
      );
    } else if (date < rule.effectiveFrom) {
      reasons.push(
        `${obligeeName}の電子保証は${BASIS_LABEL[rule.basis]}が${formatDate(rule.effectiveFrom)}以降の案件が対象です` +
          `（この申込の${BASIS_LABEL[rule.basis]}は${formatDate(date)}）`,
      );
    } else {
      return null;
    }
  }
  return reasons.join('。');
}
