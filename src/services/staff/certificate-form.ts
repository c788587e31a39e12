// One flat column set for a new surety, shared by the draft form and the CSV import (docs/import-example.csv) and
// derived from the field registry: flat text fields in, a publication request body out, and every field issue mapped
// back to its column. Labels come from the ja/en catalogs through the registry's label keys.
import { ADVANCE_PRODUCTS, type Product } from '../../domain/certificate.js';
import { FIELDS, isRequired, labelKeyOf, valueAt, type Field, type FieldLabelKey } from '../../domain/fields.js';
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
const BY_HEADER = new Map<string, Column>(
  COLUMN_DEFS.flatMap((c) => [
    [c.name, c.name],
    [columnLabel(ja, c.name), c.name],
  ]),
);

/** The column a CSV header names: its column name (guaranteeAmount) or its Japanese label (保証金額). */
export function columnOfHeader(header: string): Column | undefined {
  return BY_HEADER.get(header);
}

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
 * Amounts accept `50,000,000`, `50000000円` and full-width digits; anything else is passed through as text so the
 * schema reports it (never silently dropped). Members of a JV are separated by `|` or `、`.
 */
export function toPublishBody(fields: FlatFields): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const column of COLUMN_DEFS) {
    const raw = fields[column.name]?.normalize('NFKC').trim();
    if (raw === undefined || raw === '') continue;
    let value: unknown = raw;
    if (column.field.format === 'yen') {
      const digits = raw.replace(/[,\s円]/g, '');
      value = /^\d+$/.test(digits) ? Number(digits) : raw;
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
