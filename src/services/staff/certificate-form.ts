// One flat column set for a new surety, shared by the draft form and the CSV import (docs/import-example.csv) and
// derived from the field registry: flat text fields in, a publication request body out, and every field issue mapped
// back to its column. Labels come from the ja/en catalogs through the registry's label keys.
import { ADVANCE_PRODUCTS, PRODUCTS, type Product } from '../../domain/certificate.js';
import { parseDateInput } from '../../domain/date-input.js';
import type { FieldFormatters } from '../../domain/field-rows.js';
import { isIsoDate } from '../../domain/format.js';
import {
  FIELDS,
  fieldAt,
  isRequired,
  labelKeyOf,
  valueAt,
  type Field,
  type FieldLabelKey,
} from '../../domain/fields.js';
import type { FieldIssue } from '../../errors.js';
import { translator, type Translate } from '../../i18n/index.js';

type ColumnsOf<F> = F extends { readonly csv: infer C }
  ? C extends string
    ? C
    : C extends { readonly from: infer A; readonly to: infer B }
      ? A | B
      : never
  : never;
/** A column name as CSV headers and form inputs spell it (guaranteeAmount, worksFrom …). */
export type Column = ColumnsOf<(typeof FIELDS)[number]>;
export type FlatFields = Partial<Record<Column, string>>;

export interface ColumnDef {
  name: Column;
  field: Field;
  /** Where the column lands in the request body (dotted path). */
  path: string;
  /** The end of a period the column holds. */
  part?: 'from' | 'to';
}

/** Every column, in the registry's order (the order of docs/import-example.csv and of the 申込 form). */
export const COLUMN_DEFS: readonly ColumnDef[] = Object.freeze(
  FIELDS.flatMap((field: Field): ColumnDef[] => {
    const csv = field.csv as Field['csv'];
    if (csv === undefined) return [];
    if (typeof csv === 'string') return [{ name: csv as Column, field, path: field.path }];
    return (['from', 'to'] as const).map((part) => ({
      name: csv[part] as Column,
      field,
      path: `${field.path}.${part}`,
      part,
    }));
  }),
);
export const COLUMNS: readonly Column[] = Object.freeze(COLUMN_DEFS.map((c) => c.name));
const BY_NAME = new Map(COLUMN_DEFS.map((c) => [c.name as string, c]));

/** A column's label in a catalog: 保証金額, 工期（開始）; Guarantee amount, Works period (from). */
export function columnLabel(t: Translate, column: Column): string {
  const def = BY_NAME.get(column) as ColumnDef;
  const label = t(labelKeyOf(def.field) as FieldLabelKey);
  return def.part ? t(`field.part.${def.part}`, { label }) : label;
}

const ja = translator('ja');

/**
 * Headers are compared loosely, as people type them: full-width or half-width, with or without spaces, brackets or
 * underscores (保証期間（開始）, 保証期間 開始, 保証期間_開始 are one column).
 */
const headerKey = (header: string) =>
  header
    .normalize('NFKC')
    .replace(/[\s()[\]「」【】・_]/g, '')
    .toLowerCase();

/** Names Japanese sheets use for our columns besides their catalog labels (Net Desk, the guide, the 契約台帳). */
const HEADER_ALIASES: Readonly<Record<string, Column>> = {
  保証種類: 'product',
  商品名: 'product',
  発注者名: 'obligeeId',
  請負者名: 'contractorName',
  受注者: 'contractorName',
  受注者名: 'contractorName',
  請負金額: 'contractAmount',
  請負代金額: 'contractAmount',
  契約金額: 'contractAmount',
  前払金: 'advanceAmount',
  契約日: 'contractDate',
  請負契約日: 'contractDate',
  契約締結日: 'contractDate',
  工期自: 'worksFrom',
  工期至: 'worksTo',
  工期始期: 'worksFrom',
  工期終期: 'worksTo',
  保証期間自: 'guaranteeFrom',
  保証期間至: 'guaranteeTo',
  保証期間始期: 'guaranteeFrom',
  保証期間終期: 'guaranteeTo',
  保証契約日: 'guaranteeDate',
  JV名: 'jvName',
  出来高予定額: 'currentYearAmount',
  支払限度額: 'currentYearAmount',
  今年度出来高予定額: 'currentYearAmount',
  代表者JV: 'jvRepresentative',
  JV代表者: 'jvRepresentative',
  代表会社: 'jvRepresentative',
  出資比率: 'jvShares',
  請負者担当部署: 'contactDepartment',
  請負者担当者: 'contactName',
  担当者: 'contactName',
  担当者名: 'contactName',
  担当部署: 'contactDepartment',
  電話番号: 'contactPhone',
  請負者電話番号: 'contactPhone',
  連絡先電話番号: 'contactPhone',
  TEL: 'contactPhone',
};

const BY_HEADER: ReadonlyMap<string, Column> = (() => {
  const map = new Map<string, Column>();
  const ambiguous = new Set<string>();
  const add = (header: string, column: Column) => {
    const key = headerKey(header);
    if (map.has(key) && map.get(key) !== column) ambiguous.add(key);
    else map.set(key, column);
  };
  for (const c of COLUMN_DEFS) {
    add(c.name, c.name);
    const label = columnLabel(ja, c.name);
    add(label, c.name);
    // 請負代金額（税込） is also written 請負代金額; 工期（開始） and 工期（終了） both shorten to 工期, so neither does.
    add(label.replace(/（[^）]*）/g, ''), c.name);
  }
  for (const [alias, column] of Object.entries(HEADER_ALIASES)) add(alias, column);
  for (const key of ambiguous) map.delete(key);
  return map;
})();

/**
 * The column a CSV header names: its column name (guaranteeAmount), its Japanese label (保証金額) or a name Japanese
 * sheets use for it (請負金額, 保証期間 開始), compared without regard to width, spaces and brackets.
 */
export function columnOfHeader(header: string): Column | undefined {
  return BY_HEADER.get(headerKey(header));
}

const PRODUCT_BY_LABEL = new Map(PRODUCTS.map((p) => [ja(`product.${p}`), p]));

/** Columns of certificate fields on the 申込 form that may be left empty (a change may add or clear them). */
export const OPTIONAL_FORM_COLUMNS: readonly Column[] = Object.freeze(
  COLUMN_DEFS.filter((c) => c.field.form !== undefined && !c.field.requestOnly && !isRequired(c.field)).map(
    (c) => c.name,
  ),
);

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

/**
 * Amounts accept `50,000,000`, `50000000円` and full-width digits; dates 和暦 (令和8年4月1日, R8.4.1), slashes and ISO;
 * the product its code or its Japanese name (前払金保証). Anything else is passed through as text so the schema
 * reports it (never silently dropped). Members of a JV are separated by `|` or `、`.
 */
export function toPublishBody(fields: FlatFields): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const column of COLUMN_DEFS) {
    // Numbers, dates and codes are read width-blind; names are signed as typed (㈱ and ① stay, not (株) and 1).
    const wording = column.field.format === 'text' || column.field.format === 'list';
    const raw = (wording ? fields[column.name] : fields[column.name]?.normalize('NFKC'))?.trim();
    if (raw === undefined || raw === '') continue;
    let value: unknown = raw;
    if (column.field.format === 'yen') {
      const digits = raw.replace(/[,\s円]/g, '');
      value = /^\d+$/.test(digits) ? Number(digits) : raw;
    } else if (column.field.format === 'date' || column.field.format === 'period') {
      value = parseDateInput(raw) ?? raw;
    } else if (column.field.format === 'product') {
      value = PRODUCT_BY_LABEL.get(raw) ?? raw;
    } else if (column.field.format === 'percents') {
      const items = raw.split(/[|、,]/).map((m) => m.replace(/[%％\s]/g, ''));
      value = items.every((m) => /^\d+(\.\d+)?$/.test(m)) ? items.map(Number) : raw;
    } else if (column.field.format === 'list') {
      value = raw
        .split(/[|、]/)
        .map((m) => m.trim())
        .filter(Boolean);
    }
    setPath(body, column.path, value);
  }
  // 前払金保証: the advance equals the guarantee (DESIGN §3); the forms ask for it once, as 前払金保証金額.
  if (
    ADVANCE_PRODUCTS.includes(body.product as Product) &&
    body.advanceAmount === undefined &&
    body.guaranteeAmount !== undefined
  ) {
    body.advanceAmount = body.guaranteeAmount;
  }
  return body;
}

/** The column a dotted body path or a column name fills, with its field. */
function columnDefOf(path: string): ColumnDef | undefined {
  return BY_NAME.get(path) ?? COLUMN_DEFS.find((c) => c.path === path);
}

/**
 * A value as the approver's review shows it, by its field's format in the page's language: 50,000,000円,
 * 令和8年4月1日, 前払金保証; names as typed; a list joined with 、.
 */
export function reviewValue(path: string, value: unknown, fmt: FieldFormatters): string {
  if (value === undefined || value === null || value === '') return '—';
  const def = columnDefOf(path);
  const format = def?.part ? 'date' : def?.field.format;
  const text = Array.isArray(value) ? value.join('、') : String(value);
  switch (format) {
    case 'yen': {
      const amount = Number(text.replace(/[,\s円]/g, ''));
      return Number.isSafeInteger(amount) ? fmt.yen(amount) : text;
    }
    case 'date':
      return isIsoDate(text) ? fmt.date(text) : text;
    case 'product':
      return (PRODUCTS as readonly string[]).includes(text) ? fmt.product(text as Product) : text;
    default:
      return text;
  }
}

/** Where a path's column stands in the registry's order (the 申込 form's), for rows listed in that order. */
export function columnOrder(path: string): number {
  const def = columnDefOf(path);
  return def ? COLUMN_DEFS.indexOf(def) : COLUMN_DEFS.length;
}

/** A path's label alone (請負者, 保証期間（終了）) for reading; forms name the column too, for typing. */
export function reviewLabel(t: Translate, path: string): string {
  const def = columnDefOf(path);
  if (def) return columnLabel(t, def.name);
  // Envelope fields (発注者, 保証事業会社) have no column but may have a label of their own.
  const field = fieldAt(path);
  const key = field ? labelKeyOf(field) : null;
  return key ? t(key as FieldLabelKey) : path;
}

/** Date columns whose value is not a date in any form toPublishBody reads (reported once, in words a clerk knows). */
export function unreadableDates(fields: FlatFields): Column[] {
  return COLUMN_DEFS.filter((c) => {
    if (c.field.format !== 'date' && c.field.format !== 'period') return false;
    const raw = fields[c.name]?.trim();
    return raw !== undefined && raw !== '' && parseDateInput(raw) === null;
  }).map((c) => c.name);
}

export const UNREADABLE_DATE =
  '日付として読めないか、存在しない日付です（令和8年4月1日、R8.4.1、2026/4/1、2026-04-01 のように入力してください）';

/**
 * The column a body path belongs to (the longest matching prefix), for row and field error messages. An issue
 * about a whole object names its first column; about a whole period, its end (the rule that breaks is 終了日 ≥ 開始日).
 */
export function columnOf(path: string): Column | null {
  let best: ColumnDef | null = null;
  for (const column of COLUMN_DEFS) {
    if ((path === column.path || path.startsWith(`${column.path}.`)) && column.path.length > (best?.path.length ?? -1))
      best = column;
  }
  if (best) return best.name;
  const under = COLUMN_DEFS.filter((c) => c.path.startsWith(`${path}.`));
  return (under.find((c) => c.field.path === path && c.part === 'to') ?? under[0])?.name ?? null;
}

/** Field issues keyed by column; issues that name no column go under `_`. */
export function issuesByColumn(issues: readonly FieldIssue[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of issues) {
    const key = columnOf(issue.path) ?? '_';
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** The flat fields of a certificate (to prefill the change form). */
export function flatten(body: Record<string, unknown>): FlatFields {
  const out: FlatFields = {};
  for (const column of COLUMN_DEFS) {
    const node = valueAt(body, column.path);
    if (node === undefined || node === null) continue;
    out[column.name] = Array.isArray(node) ? node.join('|') : String(node);
  }
  return out;
}
