// The certificate of DESIGN §3: zod schemas per product, cross-field rules and merge-patch changes.
import { z } from 'zod';
import { MAX_OFFICE_SEQUENCE } from './identifiers.js';
import { unsafeTextIssues } from './safe-text.js';

z.config(z.locales.ja());

export const PRODUCTS = ['advance_payment', 'intermediate_advance_payment', 'contract'] as const;
export type Product = (typeof PRODUCTS)[number];
export const ADVANCE_PRODUCTS: readonly Product[] = ['advance_payment', 'intermediate_advance_payment'];

/** A real calendar date written `YYYY-MM-DD` (rejects 2026-02-30). */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: '日付は YYYY-MM-DD の形式で入力してください' })
  .refine(
    (s) => {
      const [y, m, d] = s.split('-').map(Number) as [number, number, number];
      const t = new Date(Date.UTC(y, m - 1, d));
      return y >= 1900 && y <= 2999 && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
    },
    { error: '存在しない日付です' },
  );

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, { error: '入力してください' })
    .max(max, { error: `${max}文字以内で入力してください` });

/**
 * Refuses, on an input, text that must not be signed (safe-text.ts), naming where it is and which character. Only
 * inputs are refined: certificateSchema also reads versions signed before the rule, which must still verify.
 */
export function refuseUnsafeText(value: unknown, ctx: z.RefinementCtx): void {
  for (const issue of unsafeTextIssues(value))
    ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
}

export const yenAmount = z
  .number({ error: '金額は円単位の整数で入力してください' })
  .int({ error: '金額は円単位の整数で入力してください' })
  .positive({ error: '金額は1円以上で入力してください' })
  .max(Number.MAX_SAFE_INTEGER, { error: '金額が大きすぎます' });

export const contractNumberSchema = z.string().regex(/^\d{5}-\d{6}$/, {
  error: '保証契約番号は NNNNN-NNNNNN の形式です',
});

const period = z.strictObject({ from: isoDate, to: isoDate });

export const issuerSchema = z.strictObject({
  name: text(200),
  office: text(200).optional(),
  representative: text(200).optional(),
});

export const obligeeRefSchema = z.strictObject({
  id: text(64),
  name: text(200),
  title: text(200).optional(),
});

/** Fields an issuer sends; shared by publication requests and merged changes. */
export const certificateBodyShape = {
  product: z.enum(PRODUCTS, { error: '保証の種類は advance_payment / intermediate_advance_payment / contract です' }),
  contractor: z.strictObject({
    name: text(200),
    address: text(300).optional(),
    representative: text(200).optional(),
  }),
  jointVenture: z
    .strictObject({
      name: text(200),
      members: z.array(text(200)).min(1).max(20),
      /** 出資比率 in percent, one per member in the members' order (added later: optional). */
      shares: z
        .array(
          z
            .number({ error: '出資比率は数値（%）で入力してください' })
            .positive({ error: '出資比率は0より大きい値にしてください' })
            .max(100, { error: '出資比率は100%以下にしてください' }),
        )
        .min(1)
        .max(20)
        .optional(),
      /** 代表構成員 (the JV's representative company), one of the members. */
      representative: text(200).optional(),
    })
    .optional(),
  works: z.strictObject({
    name: text(300),
    number: text(100).optional(),
    location: text(300).optional(),
    contractDate: isoDate,
    tenderDate: isoDate.optional(),
    bidDate: isoDate.optional(),
    period,
  }),
  contractAmount: yenAmount,
  /** 今年度対象額: the 出来高予定額 or 支払限度額 of this fiscal year of a multi-year (債務負担行為) contract. */
  currentYearAmount: yenAmount.optional(),
  guaranteeAmount: yenAmount,
  advanceAmount: yenAmount.optional(),
  depositBank: text(200).optional(),
  relatedContractNumber: contractNumberSchema.optional(),
  guaranteePeriod: period,
  guaranteeDate: isoDate,
};

export const certificateSchema = z
  .strictObject({
    ...certificateBodyShape,
    contractNumber: contractNumberSchema,
    issuer: issuerSchema,
    obligee: obligeeRefSchema,
  })
  .superRefine(crossFieldRules);

export type Certificate = z.infer<typeof certificateSchema>;

type CrossFieldInput = {
  product: Product;
  contractAmount: number;
  currentYearAmount?: number | undefined;
  jointVenture?: { members?: unknown; shares?: unknown; representative?: unknown } | undefined;
  guaranteeAmount: number;
  advanceAmount?: number | undefined;
  depositBank?: string | undefined;
  relatedContractNumber?: string | undefined;
  works: { period: { from: string; to: string } };
  guaranteePeriod: { from: string; to: string };
};

/** The rules that span fields (§3); shared by full certificates and publication requests. */
export function crossFieldRules(c: CrossFieldInput, ctx: z.RefinementCtx): void {
  const add = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (c.guaranteeAmount > c.contractAmount) add(['guaranteeAmount'], '保証金額は請負代金額以下にしてください');
  const advance = ADVANCE_PRODUCTS.includes(c.product);
  if (advance) {
    if (c.advanceAmount === undefined) add(['advanceAmount'], '前払金保証には前払金額が必要です');
    else if (c.advanceAmount !== c.guaranteeAmount) add(['advanceAmount'], '前払金額は保証金額と同じ額にしてください');
    if (c.depositBank === undefined) add(['depositBank'], '前払金保証には預託金融機関が必要です');
  } else {
    if (c.advanceAmount !== undefined) add(['advanceAmount'], '契約保証には前払金額を指定できません');
    if (c.depositBank !== undefined) add(['depositBank'], '契約保証には預託金融機関を指定できません');
  }
  if (c.relatedContractNumber !== undefined && c.product !== 'intermediate_advance_payment') {
    add(['relatedContractNumber'], '関連する保証契約番号は中間前払金保証にのみ指定できます');
  }
  if (typeof c.currentYearAmount === 'number' && c.currentYearAmount > c.contractAmount) {
    add(['currentYearAmount'], '今年度対象額は請負代金額以下にしてください');
  }
  jointVentureRules(c.jointVenture, add);
  if (c.works.period.from > c.works.period.to) add(['works', 'period', 'to'], '工期の終了日は開始日以降にしてください');
  if (c.guaranteePeriod.from > c.guaranteePeriod.to) {
    add(['guaranteePeriod', 'to'], '保証期間の終了日は開始日以降にしてください');
  }
}

/** A JV's shares match its members and add up to 100%; its representative is one of the members. */
function jointVentureRules(jv: CrossFieldInput['jointVenture'], add: (path: string[], message: string) => void): void {
  if (!jv || !Array.isArray(jv.members)) return;
  if (Array.isArray(jv.shares) && jv.shares.every((s) => typeof s === 'number')) {
    const shares = jv.shares as number[];
    if (shares.length !== jv.members.length) {
      add(['jointVenture', 'shares'], `出資比率は構成員（${jv.members.length}社）と同じ数だけ入力してください`);
    } else {
      // In hundredths of a percent: 33.33 + 33.33 + 33.34 is exactly 100.
      const total = shares.reduce((sum, s) => sum + Math.round(s * 100), 0);
      if (total !== 10000)
        add(['jointVenture', 'shares'], `出資比率の合計を100%にしてください（現在 ${total / 100}%）`);
    }
  }
  if (typeof jv.representative === 'string' && !jv.members.includes(jv.representative)) {
    add(['jointVenture', 'representative'], '代表構成員は構成員の中から入力してください');
  }
}

/** Contract numbers are assigned per office; an office has at most this many. */
export const officeCodeSchema = z.string().regex(/^\d{5}$/, { error: '営業所コードは5桁の数字です' });
export { MAX_OFFICE_SEQUENCE };

/** Fields that a change or correction may never touch (§3). */
export const IMMUTABLE_FIELDS = ['product', 'contractNumber', 'obligee', 'issuer'] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** RFC 7396 JSON merge patch: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch as Record<string, Json>)) {
    if (value === null) delete base[key];
    // defineProperty, not assignment: a member named "__proto__" is an ordinary member (RFC 7396), never a prototype.
    else
      Object.defineProperty(base, key, {
        value: mergePatch(base[key], value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return base;
}

/** A certificate nests three levels (works.period.to); a patch deeper or larger than this cannot be a real change. */
export const MAX_PATCH_DEPTH = 6;
export const MAX_PATCH_MEMBERS = 500;

/**
 * How deeply a JSON value nests (1 for a flat object) and how many members it holds in all, measured with an
 * explicit stack — a body nested 10,000 levels is measured without recursing — and given up past either cap.
 */
export function jsonShape(
  value: unknown,
  caps: { depth: number; members: number },
): { depth: number; members: number } {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  let depth = 0;
  let members = 0;
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (item.value === null || typeof item.value !== 'object') continue;
    depth = Math.max(depth, item.depth);
    if (depth > caps.depth) break;
    for (const child of Object.values(item.value)) {
      if (++members > caps.members) return { depth, members };
      stack.push({ value: child, depth: item.depth + 1 });
    }
  }
  return { depth, members };
}

/** Why a merge patch is refused before it is merged or validated (both recurse over it): too deep or too large. */
export function patchShapeProblem(patch: unknown): string | null {
  const shape = jsonShape(patch, { depth: MAX_PATCH_DEPTH, members: MAX_PATCH_MEMBERS });
  if (shape.depth > MAX_PATCH_DEPTH) return `changes の入れ子が深すぎます（${MAX_PATCH_DEPTH}段まで）`;
  if (shape.members > MAX_PATCH_MEMBERS) return `changes の項目が多すぎます（${MAX_PATCH_MEMBERS}個まで）`;
  return null;
}

/** Guarantee period ending before the works period: allowed, but staff are told. */
export function guaranteeEndsBeforeWorks(c: Certificate): boolean {
  return c.guaranteePeriod.to < c.works.period.to;
}
