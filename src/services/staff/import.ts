// Use case: bulk import of new sureties from CSV (one row per guarantee, columns of certificate-form.ts). Every
// row is validated before anything is written; each row carries an idempotency key derived from its content, so
// re-running a file publishes nothing twice (rows already published are reported as skipped).
import { createHash } from 'node:crypto';
import { writeTransaction } from '../../../db/connection.js';
import { eligibilityViolation, type ObligeeRule } from '../../domain/eligibility.js';
import { publishRequestSchema } from '../../domain/requests.js';
import { DomainError } from '../../errors.js';
import { listObligees } from '../../repositories/obligees.js';
import { findIdempotentNumbers } from '../../repositories/staff.js';
import type { Actor, ServiceContext } from '../context.js';
import { isUniqueViolation } from '../db-errors.js';
import { preparePublication, publishSuretyIn } from '../publish-surety.js';
import { fieldIssues } from '../validation.js';
import { withCrossFieldIssues } from './cross-field.js';
import { COLUMN_LABEL, COLUMNS, columnOf, toPublishBody, type Column, type FlatFields } from './certificate-form.js';

export const MAX_IMPORT_ROWS = 50_000;

export interface RowError {
  /** The line number in the file (the header is line 1). */
  row: number;
  /** The column as the CLI prints it: 保証金額（guaranteeAmount）, a header name, or '-'. */
  column: string;
  /** The certificate column the message is about, when there is one (pages label it in their language). */
  field?: Column | undefined;
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
      const field = columnOf(issue.path) ?? undefined;
      errors.push({ row: line, column: label(field ?? issue.path), field, message: issue.message });
    }
    if (issues.length === 0) rows.push({ row: line, key: rowKey(body), body });
  }
  if (rows.length === 0 && errors.length === 0) {
    errors.push({ row: 2, column: '-', message: 'データ行がありません' });
  }
  return { rows, errors };
}

/** A write transaction holds at most this many rows, and is committed once it has run this long. */
export const IMPORT_BATCH_ROWS = 500;
export const IMPORT_BATCH_MS = 150;

/**
 * Publishes validated rows through publishSuretyIn — the API's own publication code — each under its row key, a
 * few hundred per write transaction: one disk flush per batch instead of one per guarantee (SQLite
 * `synchronous=FULL` spends most of a lone publication waiting for it). Each guarantee still gets its audit row in
 * the transaction that writes it. A batch is also cut after IMPORT_BATCH_MS, so that other writers (verification
 * counters, the API) never wait long for the write lock. Rows whose key was already used (an earlier run, another
 * process, or the same row twice in the file) are skipped; a batch that loses a race on a key is retried and then
 * sees the winner's row.
 * @throws DomainError validation_failed (before anything is written) | the publication error of the first failing
 *   row, naming it (batches before its batch stay committed; re-running the file continues from there)
 */
export async function importRows(
  ctx: ServiceContext,
  actor: Actor,
  rows: ImportRow[],
  onProgress?: (done: number, total: number) => void,
  limits: { rows?: number; ms?: number } = {},
): Promise<ImportReport> {
  const batchRows = limits.rows ?? IMPORT_BATCH_ROWS;
  const batchMs = limits.ms ?? IMPORT_BATCH_MS;
  // Every row is validated before anything is written.
  const prepared = rows.map((row) => {
    try {
      return { row, publication: preparePublication(row.body) };
    } catch (error) {
      throw error instanceof DomainError ? rowError(row, error, null) : error;
    }
  });
  const report: ImportReport = { total: rows.length, published: 0, skipped: 0, results: [] };
  const seen = new Map<string, string>();
  let done = 0;
  while (done < prepared.length) {
    const first = done;
    const attempt = () =>
      writeTransaction(ctx.db, async (tx) => {
        const started = performance.now();
        const pending = prepared.slice(first, first + batchRows);
        const known = await findIdempotentNumbers(
          tx,
          pending.map((p) => p.row.key),
        );
        const results: ImportReport['results'] = [];
        const batchSeen = new Map<string, string>();
        for (const { row, publication } of pending) {
          const earlier = known.get(row.key) ?? seen.get(row.key) ?? batchSeen.get(row.key);
          if (earlier) {
            results.push({ row: row.row, contractNumber: earlier, skipped: true });
          } else {
            try {
              const published = await publishSuretyIn(ctx, tx, actor, publication, row.key);
              batchSeen.set(row.key, published.contractNumber);
              results.push({ row: row.row, contractNumber: published.contractNumber, skipped: published.replayed });
            } catch (error) {
              throw error instanceof DomainError ? rowError(row, error, prepared[first]?.row ?? row) : error;
            }
          }
          if (performance.now() - started >= batchMs) break;
        }
        return { results, batchSeen };
      });
    let batch: Awaited<ReturnType<typeof attempt>>;
    try {
      batch = await attempt();
    } catch (error) {
      // Another process published one of these keys (or took a number) first: the retry sees its row.
      if (!isUniqueViolation(error)) throw error;
      batch = await attempt();
    }
    for (const [key, number] of batch.batchSeen) seen.set(key, number);
    for (const r of batch.results) {
      report.results.push(r);
      if (r.skipped) report.skipped++;
      else report.published++;
    }
    done += batch.results.length;
    onProgress?.(done, rows.length);
  }
  return report;
}

function rowError(row: ImportRow, error: DomainError, batchStart: ImportRow | null): DomainError {
  const committed =
    batchStart === null || batchStart.row <= 2
      ? 'このファイルからは何も登録していません'
      : `${batchStart.row - 1}行目までは登録済みです。同じファイルを再実行すると続きから登録します`;
  return new DomainError(error.code, `${row.row}行目: ${error.message}（${committed}）`, {
    ...(error.issues ? { issues: error.issues } : {}),
  });
}
