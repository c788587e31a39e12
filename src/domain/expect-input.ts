// The obligee's own figures as people type them — in the certificate page's form and in a bulk CSV: amounts with
// commas, 円 or full-width digits, dates as YYYY-MM-DD or as Excel writes them (2027/3/31). Pure: each value is
// read into the §11 `expect` object, or a Japanese reason per field; nothing is guessed.
import { EXPECT_FIELDS, expectSchema, type Expect, type ExpectField } from './findings.js';

export interface ExpectInput {
  /** What could be read; a field given but unreadable is left out (and named in `errors`). */
  expect: Expect;
  /** The values as typed, to fill the form again. */
  values: Partial<Record<ExpectField, string>>;
  errors: Partial<Record<ExpectField, string>>;
}

const AMOUNTS: readonly ExpectField[] = ['contractAmount', 'guaranteeAmount', 'advanceAmount'];
const DATES: readonly ExpectField[] = ['worksPeriodTo', 'contractDate'];

function amountOf(text: string): number | undefined {
  const bare = text.replace(/[,，\s]/g, '').replace(/円$/, '');
  return /^\d{1,16}$/.test(bare) ? Number(bare) : undefined;
}

function dateOf(text: string): string | undefined {
  const m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(text);
  return m ? `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}` : undefined;
}

/** Reads whichever of the six members `source` holds (empty means not given); unknown keys are ignored. */
export function readExpectInput(source: Record<string, unknown>): ExpectInput {
  const out: ExpectInput = { expect: {}, values: {}, errors: {} };
  for (const field of EXPECT_FIELDS) {
    const raw = source[field];
    if (typeof raw !== 'string') continue;
    const typed = raw.slice(0, 200);
    const text = typed.normalize('NFKC').trim();
    if (text === '') continue;
    out.values[field] = typed;
    const value = AMOUNTS.includes(field) ? amountOf(text) : DATES.includes(field) ? dateOf(text) : text;
    const parsed = expectSchema.shape[field].safeParse(value);
    if (value === undefined || !parsed.success) {
      out.errors[field] = AMOUNTS.includes(field)
        ? '金額は円単位の数字で入力してください（例: 12,000,000）'
        : DATES.includes(field)
          ? '日付は 2027-03-31 の形式で入力してください'
          : (parsed.error?.issues[0]?.message ?? '入力内容を確認してください');
      continue;
    }
    (out.expect as Record<string, unknown>)[field] = parsed.data;
  }
  return out;
}

/** The hidden inputs that carry what was typed on to the next form (the 確認証跡 keeps the same figures). */
export function expectFormValues(expect: Expect): Record<string, string> {
  return Object.fromEntries(Object.entries(expect).map(([k, v]) => [k, String(v)]));
}
