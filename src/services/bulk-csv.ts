// The bulk verification's CSV upload (DESIGN §11): number, key and optionally the obligee's own figures, headed in
// Japanese or English, in UTF-8 or Shift_JIS (read as the staff import reads its files). Rows whose figures cannot
// be read are reported as such and never verified: only a well-formed row is an attempt.
import { readExpectInput } from '../domain/expect-input.js';
import type { ExpectField } from '../domain/findings.js';
import { decodeCsv, parseCsv } from './staff/import.js';
import type { BulkItem } from './verify-bulk.js';
import { MAX_BULK_ITEMS } from './verify-bulk.js';

export const MAX_BULK_FILE_BYTES = 1024 * 1024;

type Column = 'contractNumber' | 'authKey' | ExpectField;

/** Header → column: English member names and the labels officers use (NFKC, spaces ignored). */
const HEADERS: Record<string, Column> = {
  contractnumber: 'contractNumber',
  保証契約番号: 'contractNumber',
  契約番号: 'contractNumber',
  authkey: 'authKey',
  認証キー: 'authKey',
  contractamount: 'contractAmount',
  請負金額: 'contractAmount',
  請負代金額: 'contractAmount',
  契約金額: 'contractAmount',
  guaranteeamount: 'guaranteeAmount',
  保証金額: 'guaranteeAmount',
  advanceamount: 'advanceAmount',
  前払金額: 'advanceAmount',
  worksnumber: 'worksNumber',
  工事番号: 'worksNumber',
  worksperiodto: 'worksPeriodTo',
  工期終了日: 'worksPeriodTo',
  工期の終了日: 'worksPeriodTo',
  工期至: 'worksPeriodTo',
  工期末: 'worksPeriodTo',
  contractdate: 'contractDate',
  契約締結日: 'contractDate',
  契約日: 'contractDate',
};

const headerKey = (cell: string) =>
  cell
    .normalize('NFKC')
    .replace(/[\s_（）()]/g, '')
    .replace(/（円）|\(円\)|円$/g, '')
    .toLowerCase();

export interface BulkRow {
  /** The line of the file the row starts on. */
  line: number;
  /** What the row names, as typed (to show beside a row that cannot be read). */
  contractNumber: string;
  /** The item to verify, or why the row cannot be verified. */
  item?: BulkItem;
  errors?: string[];
}

export type BulkFileError = 'encoding' | 'csv' | 'headers' | 'empty' | 'too_many';

/** @returns the rows of the file in order, or why the file as a whole cannot be read */
export function readBulkCsv(bytes: Uint8Array): { rows: BulkRow[] } | { error: BulkFileError; detail?: string } {
  const decoded = decodeCsv(bytes);
  if ('error' in decoded) return { error: 'encoding', detail: decoded.error.message };
  const parsed = parseCsv(decoded.text);
  if (parsed.error) return { error: 'csv', detail: `${parsed.error.line}行目: ${parsed.error.message}` };
  const [head, ...records] = parsed.records;
  if (!head) return { error: 'empty' };
  const columns = head.cells.map((cell) => HEADERS[headerKey(cell.replace(/^\uFEFF/, ''))]);
  if (!columns.includes('contractNumber') || !columns.includes('authKey')) return { error: 'headers' };
  if (records.length === 0) return { error: 'empty' };
  if (records.length > MAX_BULK_ITEMS) return { error: 'too_many' };
  return {
    rows: records.map((record) => {
      const cells: Partial<Record<Column, string>> = {};
      columns.forEach((column, i) => {
        if (column && cells[column] === undefined) cells[column] = record.cells[i] ?? '';
      });
      const contractNumber = (cells.contractNumber ?? '').trim().slice(0, 32);
      const authKey = (cells.authKey ?? '').trim().slice(0, 32);
      const input = readExpectInput(cells);
      const errors = Object.values(input.errors);
      if (contractNumber === '' || authKey === '') errors.unshift('保証契約番号と認証キーが必要です');
      if (errors.length > 0) return { line: record.line, contractNumber, errors };
      return { line: record.line, contractNumber, item: { contractNumber, authKey, expect: input.expect } };
    }),
  };
}
