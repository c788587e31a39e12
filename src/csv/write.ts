// CSV files for the municipality's own systems (財務会計, 契約管理) and for Excel: RFC 4180 quoting, CRLF, cells that a
// spreadsheet would run as a formula escaped, and the two encodings Japanese Excel opens correctly.
import { encodeShiftJis } from './shift-jis.js';

export type CsvOutputEncoding = 'utf-8' | 'shift_jis';

/**
 * One cell. A cell beginning with = + - @ (or tab / CR, which Excel strips before looking) is prefixed with an
 * apostrophe, so a spreadsheet shows it as text instead of running it (OWASP "CSV injection"); the apostrophe is
 * what Excel itself writes for such text. Quoted when it holds a comma, quote or line break.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvText(rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);

/**
 * The file's bytes: UTF-8 with a BOM (without it Excel reads UTF-8 as Shift_JIS and garbles every kanji), or
 * Shift_JIS for older import programs, where a character it cannot hold becomes 〓 (the geta mark Japanese systems use
 * for exactly that) instead of failing the whole file.
 */
export function csvBytes(text: string, encoding: CsvOutputEncoding): Uint8Array<ArrayBuffer> {
  if (encoding === 'shift_jis') return new Uint8Array(encodeShiftJis(text, '〓'));
  const body = new TextEncoder().encode(text);
  const out = new Uint8Array(BOM.length + body.length);
  out.set(BOM);
  out.set(body, BOM.length);
  return out;
}

export const csvContentType = (encoding: CsvOutputEncoding) =>
  `text/csv; charset=${encoding === 'shift_jis' ? 'Shift_JIS' : 'utf-8'}`;
