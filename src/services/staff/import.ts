// Use case: bulk import of new sureties from CSV (one row per guarantee, columns of certificate-form.ts). Every
// row is validated before anything is written; each row carries an idempotency key derived from its content, so
// re-running a file publishes nothing twice (rows already published are reported as skipped).
import { createHash } from 'node:crypto';
import { eligibilityViolation, type ObligeeRule } from '../../domain/eligibility.js';
import { publishRequestSchema } from '../../domain/requests.js';
import { DomainError } from '../../errors.js';
import { listObligees } from '../../repositories/obligees.js';
import { findIdempotentNumbers } from '../../repositories/staff.js';
import type { Actor, ServiceContext } from '../context.js';
import { publishSurety } from '../publish-surety.js';
import { fieldIssues } from '../validation.js';
import { withCrossFieldIssues } from './cross-field.js';
import { COLUMN_LABEL, COLUMNS, columnOf, toPublishBody, type Column, type FlatFields } from './certificate-form.js';

export const MAX_IMPORT_ROWS = 50_000;

export interface RowError {
  /** The line number in the file (the header is line 1). */
  row: number;
  column: string;
  message: string;
}

export interface ImportRow {
  row: number;
  key: string;
  body: Record<string, unknown>;
}

export interface ImportReport {
  total: number;
  published: number;
  skipped: number;
  results: { row: number; contractNumber: string; skipped: boolean }[];
}

/** RFC 4180 CSV: quoted fields with "" escapes and embedded newlines, CRLF or LF, an optional UTF-8 BOM. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (quoted) {
      if (ch === '"') {
        if (input[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && input[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0]?.trim() === ''));
}

/** Canonical JSON (sorted keys): the same row content gives the same key however the file orders its columns. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const rowKey = (body: Record<string, unknown>) =>
  `import:${createHash('sha256').update(canonical(body)).digest('base64url')}`;

const label = (column: string) => (column in COLUMN_LABEL ? `${COLUMN_LABEL[column as Column]}（${column}）` : column);

/**
 * Parses and validates a whole file without writing anything.
 * @returns the rows ready to publish, or every error found (row number, column, Japanese reason)
 */
export async function validateCsv(
  ctx: ServiceContext,
  text: string,
): Promise<{ rows: ImportRow[]; errors: RowError[] }> {
  const table = parseCsv(text);
  const header = table[0]?.map((h) => h.trim());
  if (!header || header.length === 0) {
    return { rows: [], errors: [{ row: 1, column: '-', message: 'ファイルが空です（1行目に列名が必要です）' }] };
  }
  const errors: RowError[] = [];
  const unknown = header.filter((h) => !(COLUMNS as readonly string[]).includes(h));
  for (const h of unknown)
    errors.push({ row: 1, column: h, message: `不明な列名です（使える列名は docs/import-example.csv を参照）` });
  for (const required of ['product', 'obligeeId'] as const) {
    if (!header.includes(required)) errors.push({ row: 1, column: required, message: '必須の列がありません' });
  }
  if (table.length - 1 > MAX_IMPORT_ROWS) {
    errors.push({
      row: 1,
      column: '-',
      message: `1回に登録できるのは${MAX_IMPORT_ROWS.toLocaleString('ja-JP')}行までです`,
    });
  }
  if (errors.length > 0) return { rows: [], errors };

  const obligees = new Map((await listObligees(ctx.db)).map((o) => [o.id, o]));
  const rows: ImportRow[] = [];
  for (let i = 1; i < table.length; i++) {
    const line = i + 1;
    const cells = table[i] as string[];
    if (cells.length !== header.length) {
      errors.push({
        row: line,
        column: '-',
        message: `列の数が見出し行と違います（${cells.length}列／見出し${header.length}列）`,
      });
      continue;
    }
    const fields: FlatFields = {};
    header.forEach((h, index) => (fields[h as Column] = cells[index]));
    const body = toPublishBody(fields);
    const parsed = publishRequestSchema.safeParse(body);
    const issues = parsed.success ? [] : withCrossFieldIssues(fieldIssues(parsed.error), body);
    const obligee = typeof body.obligeeId === 'string' ? obligees.get(body.obligeeId) : undefined;
    if (typeof body.obligeeId === 'string' && !obligee) {
      issues.push({ path: 'obligeeId', message: `登録されていない発注者です（${body.obligeeId}）` });
    }
    if (parsed.success && obligee) {
      const reason = eligibilityViolation(obligee.name, JSON.parse(obligee.rules) as ObligeeRule[], parsed.data);
      if (reason) issues.push({ path: 'obligeeId', message: reason });
    }
    for (const issue of issues) {
      errors.push({ row: line, column: label(columnOf(issue.path) ?? issue.path), message: issue.message });
    }
    if (issues.length === 0) rows.push({ row: line, key: rowKey(body), body });
  }
  if (rows.length === 0 && errors.length === 0) {
    errors.push({ row: 2, column: '-', message: 'データ行がありません' });
  }
  return { rows, errors };
}

/**
 * Publishes validated rows one by one through publishSurety (the API's own service), each under its row key.
 * Rows whose key was already used (an earlier run, or the same row twice in the file) are skipped.
 */
export async function importRows(
  ctx: ServiceContext,
  actor: Actor,
  rows: ImportRow[],
  onProgress?: (done: number, total: number) => void,
): Promise<ImportReport> {
  const known = await findIdempotentNumbers(
    ctx.db,
    rows.map((r) => r.key),
  );
  const report: ImportReport = { total: rows.length, published: 0, skipped: 0, results: [] };
  const seen = new Map<string, string>();
  for (const [index, row] of rows.entries()) {
    const earlier = known.get(row.key) ?? seen.get(row.key);
    if (earlier) {
      report.skipped++;
      report.results.push({ row: row.row, contractNumber: earlier, skipped: true });
    } else {
      try {
        const published = await publishSurety(ctx, actor, row.body, row.key);
        seen.set(row.key, published.contractNumber);
        report.published++;
        report.results.push({ row: row.row, contractNumber: published.contractNumber, skipped: false });
      } catch (error) {
        if (error instanceof DomainError) {
          throw new DomainError(
            error.code,
            `${row.row}行目: ${error.message}（それより前の行は登録済みです。同じファイルを再実行すると続きから登録します）`,
          );
        }
        throw error;
      }
    }
    onProgress?.(index + 1, rows.length);
  }
  return report;
}
