// Use case: bulk import of new sureties from CSV (one row per guarantee, columns of certificate-form.ts, headed by
// their names or their Japanese labels). Every
// row is validated before anything is written; each row carries an idempotency key derived from its content, so
// re-running a file publishes nothing twice (rows already published are reported as skipped).
import { createHash } from 'node:crypto';
import { CsvError, parse, type CsvErrorCode } from 'csv-parse/sync';
import { writeTransaction } from '../../../db/connection.js';
import { eligibilityViolation, type ObligeeRule } from '../../domain/eligibility.js';
import { publishRequestSchema } from '../../domain/requests.js';
import { DomainError } from '../../errors.js';
import { listObligees } from '../../repositories/obligees.js';
import { findIdempotentNumbers } from '../../repositories/staff.js';
import type { Actor, ServiceContext } from '../context.js';
import { isUniqueViolation } from '../db-errors.js';
import { deferNumberRecords } from '../number-hold.js';
import { assessPublication } from '../plausibility-check.js';
import {
  numberPublications,
  planBatch,
  planPublication,
  preparePublication,
  sealPublication,
  writePublications,
  type PlannedIssue,
} from '../publish-surety.js';
import { fieldIssues } from '../validation.js';
import { withCrossFieldIssues } from './cross-field.js';
import { translator } from '../../i18n/index.js';
import {
  columnLabel,
  columnOf,
  columnOfHeader,
  toPublishBody,
  unreadableDates,
  UNREADABLE_DATE,
  type Column,
  type FlatFields,
} from './certificate-form.js';

export const MAX_IMPORT_ROWS = 50_000;

export interface RowError {
  /** The line of the file its record starts on (the header is line 1; a quoted value may hold line breaks). */
  row: number;
  /** The column as the CLI prints it: 保証金額（guaranteeAmount）, a header name, 3列目 (malformed CSV), or '-'. */
  column: string;
  /** The certificate column the message is about, when there is one (pages label it in their language). */
  field?: Column | undefined;
  message: string;
}

export interface ImportRow {
  /** The line of the file the row starts on, as in RowError. */
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

/** A record of the file and the line it starts on (a quoted value may hold line breaks, so records span lines). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/** Where a file stops being CSV: the line its record starts on, the cell (from 1) when known, a Japanese reason. */
export interface CsvSyntaxError {
  line: number;
  column?: number | undefined;
  message: string;
}

const lineBreaks = (value: string) => value.match(/\r\n|\r|\n/g)?.length ?? 0;

/** What each csv-parse error means to the person who has to fix the file. */
const CSV_REASON: Partial<Record<CsvErrorCode, string>> = {
  CSV_QUOTE_NOT_CLOSED:
    '「"」で始まる値がファイルの終わりまで閉じられていません（閉じる「"」が抜けていないか、値の中の「"」を「""」と書いているか確認してください）',
  CSV_INVALID_CLOSING_QUOTE:
    '「"」で囲んだ値の閉じる「"」のあとに、区切りの「,」や改行以外の文字があります（値の中の「"」は「""」と書きます）',
  INVALID_OPENING_QUOTE:
    '「"」で囲んでいない値の途中に「"」があります（「"」を含む値は全体を「"」で囲み、中の「"」は「""」と書きます）',
};

/**
 * RFC 4180 CSV read by csv-parse: quoted values with "" escapes and line breaks; CRLF, LF or CR line ends, mixed
 * too (as files joined from several sources have them); an optional UTF-8 BOM. Blank lines are left out.
 * @returns every record with the line it starts on; on malformed CSV, the records before it and the first error
 */
export function parseCsv(text: string): { records: CsvRecord[]; error?: CsvSyntaxError } {
  const records: CsvRecord[] = [];
  let line = 1;
  try {
    parse(text, {
      bom: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      // A row with the wrong number of cells is reported by validateCsv, in Japanese and with every other error.
      relax_column_count: true,
      // Lines are counted here, not taken from csv-parse's info.lines (which counts a CRLF inside a quoted value
      // twice). Blank lines arrive as records of one empty cell, so every record ends at exactly one line break and
      // any other break is inside a quoted value, which keeps it. The records are collected here, hence null.
      on_record: (cells: string[]) => {
        if (!(cells.length === 1 && cells[0]?.trim() === '')) records.push({ line, cells });
        line += 1 + cells.reduce((n, cell) => n + lineBreaks(cell), 0);
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    return {
      records,
      error: {
        line,
        // The cell it stopped in, counted from 1 (csv-parse gives its index in the record).
        column: typeof error.index === 'number' ? error.index + 1 : undefined,
        message: CSV_REASON[error.code] ?? `CSVとして読み取れません（${error.code}）`,
      },
    };
  }
  return { records };
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

const ja = translator('ja');
/** A column as the report names it: 保証金額（guaranteeAmount）. */
const label = (column: Column) => `${columnLabel(ja, column)}（${column}）`;

/** The encodings a CSV is read in: what Japanese Excel saves by default (Shift_JIS, i.e. CP932) and UTF-8. */
export type CsvEncoding = 'UTF-8' | 'Shift_JIS';

/** The first line (from 1) holding bytes `decoder` cannot read; lines end with 0x0A in both encodings. */
function firstBadLine(bytes: Uint8Array, decoder: TextDecoder): number {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    try {
      decoder.decode(bytes.subarray(start, i));
    } catch {
      return line;
    }
    line++;
    start = i + 1;
  }
  return line;
}

/**
 * The text of a CSV file's bytes: UTF-8 (with or without a BOM, which parseCsv drops) when the bytes are valid UTF-8,
 * else Shift_JIS as Excel saves it (the WHATWG decoder is Microsoft's CP932: ①, ㈱ and NEC/IBM kanji included).
 * Bytes that are neither are an error naming the line, never U+FFFD signed into a certificate. Shift_JIS bytes are
 * almost never valid UTF-8 (its lead bytes 0x81–0x9F are UTF-8 continuation bytes), so the order decides nothing real.
 */
export function decodeCsv(bytes: Uint8Array): { text: string; encoding: CsvEncoding } | { error: RowError } {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const sjis = new TextDecoder('shift_jis', { fatal: true });
  try {
    return { text: utf8.decode(bytes), encoding: 'UTF-8' };
  } catch {
    // not UTF-8: Excel's default
  }
  try {
    return { text: sjis.decode(bytes), encoding: 'Shift_JIS' };
  } catch {
    return {
      error: {
        row: Math.max(firstBadLine(bytes, utf8), firstBadLine(bytes, sjis)),
        column: '-',
        message:
          '文字コードを読み取れない行があります（UTF-8 と Shift_JIS に対応しています）。Excel では「CSV UTF-8（コンマ区切り）」か「CSV（コンマ区切り）」で保存し直してください',
      },
    };
  }
}

/**
 * Parses and validates a whole file without writing anything.
 * @returns the rows ready to publish, or every error found (row number, column, Japanese reason)
 */
export async function validateCsv(
  ctx: ServiceContext,
  file: string | Uint8Array,
): Promise<{ rows: ImportRow[]; errors: RowError[]; encoding?: CsvEncoding }> {
  const decoded = typeof file === 'string' ? { text: file, encoding: undefined } : decodeCsv(file);
  if ('error' in decoded) return { rows: [], errors: [decoded.error] };
  const { encoding } = decoded;
  const { records: table, error } = parseCsv(decoded.text);
  const headerLine = table[0]?.line ?? 1;
  const header = table[0]?.cells.map((h) => h.trim());
  if (error) return { rows: [], errors: [syntaxError(error, header)], encoding };
  if (!header || header.length === 0) {
    return {
      rows: [],
      errors: [{ row: 1, column: '-', message: 'ファイルが空です（1行目に列名が必要です）' }],
      encoding,
    };
  }
  const errors: RowError[] = [];
  const columns = header.map(columnOfHeader);
  header.forEach((h, index) => {
    const column = columns[index];
    if (column === undefined) {
      errors.push({
        row: headerLine,
        column: h,
        message: `不明な列名です（使える列名は docs/import-example.csv を参照。日本語の項目名も使えます）`,
      });
    } else if (columns.indexOf(column) !== index) {
      // guaranteeAmount and 保証金額 both, say: which value is meant is anyone's guess.
      errors.push({ row: headerLine, column: label(column), field: column, message: '同じ列が2回あります' });
    }
  });
  for (const required of ['product', 'obligeeId'] as const) {
    if (!columns.includes(required))
      errors.push({ row: headerLine, column: required, message: '必須の列がありません' });
  }
  if (table.length - 1 > MAX_IMPORT_ROWS) {
    errors.push({
      row: headerLine,
      column: '-',
      message: `1回に登録できるのは${MAX_IMPORT_ROWS.toLocaleString('ja-JP')}行までです`,
    });
  }
  if (errors.length > 0) return { rows: [], errors, encoding };

  const obligees = new Map((await listObligees(ctx.db)).map((o) => [o.id, o]));
  const obligeeByName = new Map([...obligees.values()].map((o) => [o.name, o.id]));
  const rows: ImportRow[] = [];
  for (const { line, cells } of table.slice(1)) {
    if (cells.length !== header.length) {
      errors.push({
        row: line,
        column: '-',
        message: `列の数が見出し行と違います（${cells.length}列／見出し${header.length}列）`,
      });
      continue;
    }
    const fields: FlatFields = {};
    columns.forEach((column, index) => (fields[column as Column] = cells[index]));
    const body = toPublishBody(fields);
    // A sheet names the obligee as people do (三島市); the registry's id is what the request carries.
    if (typeof body.obligeeId === 'string' && !obligees.has(body.obligeeId)) {
      const named = obligeeByName.get(body.obligeeId);
      if (named) body.obligeeId = named;
    }
    const parsed = publishRequestSchema.safeParse(body);
    const issues = parsed.success ? [] : withCrossFieldIssues(fieldIssues(parsed.error), body);
    const obligee = typeof body.obligeeId === 'string' ? obligees.get(body.obligeeId) : undefined;
    if (typeof body.obligeeId === 'string' && !obligee) {
      issues.push({ path: 'obligeeId', message: `登録されていない発注者です（${body.obligeeId}）` });
    }
    if (parsed.success && obligee) {
      const reason = eligibilityViolation(obligee.name, JSON.parse(obligee.rules) as ObligeeRule[], parsed.data);
      if (reason) issues.push({ path: 'obligeeId', message: reason });
      // The intermediate advance's link, and plausibility where the obligee enforces it: refused per row now, not
      // halfway through the approved batch.
      issues.push(...(await assessPublication(ctx, ctx.db, parsed.data, obligee)).issues);
    }
    const badDates = unreadableDates(fields);
    for (const issue of issues) {
      const field = columnOf(issue.path) ?? undefined;
      if (field && badDates.includes(field)) continue;
      errors.push({ row: line, column: field ? label(field) : issue.path, field, message: issue.message });
    }
    for (const field of badDates) errors.push({ row: line, column: label(field), field, message: UNREADABLE_DATE });
    if (issues.length === 0) rows.push({ row: line, key: rowKey(body), body });
  }
  if (rows.length === 0 && errors.length === 0) {
    errors.push({ row: headerLine + 1, column: '-', message: 'データ行がありません' });
  }
  return { rows, errors, encoding };
}

/** A CSV syntax error, its cell named by the header when the header came before it (else by its number). */
function syntaxError({ line, column, message }: CsvSyntaxError, header: string[] | undefined): RowError {
  const name = column === undefined ? undefined : header?.[column - 1];
  if (name === undefined) return { row: line, column: column === undefined ? '-' : `${column}列目`, message };
  const field = columnOfHeader(name);
  return { row: line, column: field ? label(field) : name, field, message };
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
    const attempt = async () => {
      let numbers: { flush(): void } | undefined;
      const written = await writeTransaction(ctx.db, async (tx) => {
        numbers = deferNumberRecords(ctx, tx);
        const started = performance.now();
        const pending = prepared.slice(first, first + batchRows);
        const known = await findIdempotentNumbers(
          tx,
          pending.map((p) => p.row.key),
        );
        const results: ImportReport['results'] = [];
        const batchSeen = new Map<string, string>();
        // Planned one by one (each takes a number), sealed together (the signatures run in parallel on the crypto
        // thread pool), written together (multi-row INSERTs).
        const planned: { key: string; plan: PlannedIssue }[] = [];
        // The results waiting for each planned row's number: its own, and those of its repeats in the batch.
        const numbering = new Map<string, ImportReport['results']>();
        // Every key of the batch was looked up above (findIdempotentNumbers, all tokens): no lookup per row.
        const batch = planBatch(true);
        for (const { row, publication } of pending) {
          const earlier = known.get(row.key) ?? seen.get(row.key) ?? batchSeen.get(row.key);
          const twin = numbering.get(row.key);
          if (earlier) {
            results.push({ row: row.row, contractNumber: earlier, skipped: true });
          } else if (twin) {
            // The same row twice in this batch: skipped, with the number its first occurrence is given below.
            const result = { row: row.row, contractNumber: '', skipped: true };
            twin.push(result);
            results.push(result);
          } else {
            try {
              const plan = await planPublication(ctx, tx, actor, publication, row.key, batch);
              if ('replayed' in plan) {
                results.push({ row: row.row, contractNumber: plan.contractNumber, skipped: true });
                batchSeen.set(row.key, plan.contractNumber);
              } else {
                // Numbered below, with the rest of the batch.
                const result = { row: row.row, contractNumber: '', skipped: false };
                planned.push({ key: row.key, plan });
                numbering.set(row.key, [result]);
                results.push(result);
              }
            } catch (error) {
              // Batches before this one are committed; the first batch of the file has none before it.
              throw error instanceof DomainError
                ? rowError(row, error, first === 0 ? null : (prepared[first]?.row ?? row))
                : error;
            }
          }
          // Planning is most of a batch's time; sealing and writing add about as much again.
          if (performance.now() - started >= batchMs / 2) break;
        }
        const plans = planned.map((p) => p.plan);
        try {
          await numberPublications(ctx, tx, plans);
        } catch (error) {
          const row = pending[0]!.row;
          throw error instanceof DomainError ? rowError(row, error, first === 0 ? null : row) : error;
        }
        for (const { key, plan } of planned) {
          for (const result of numbering.get(key) ?? []) result.contractNumber = plan.payload.sub;
          batchSeen.set(key, plan.payload.sub);
        }
        const sealed = await Promise.all(plans.map((plan) => sealPublication(ctx, plan)));
        await writePublications(ctx, tx, actor, sealed);
        return { results, batchSeen };
      });
      // Committed: the batch's numbers are recorded outside the database before the report names them.
      numbers?.flush();
      return written;
    };
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
    batchStart === null
      ? 'このファイルからは何も登録していません'
      : `${batchStart.row - 1}行目までは登録済みです。同じファイルを再実行すると続きから登録します`;
  return new DomainError(error.code, `${row.row}行目: ${error.message}（${committed}）`, {
    ...(error.issues ? { issues: error.issues } : {}),
  });
}
