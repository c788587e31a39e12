// CSV files for Excel and the municipality's import programs: formula-injection escaping, quoting, and the two
// encodings (UTF-8 with BOM, Shift_JIS with 〓 for what it cannot hold), read back as decodeCsv/parseCsv read them.
import { describe, expect, it } from 'vitest';
import { csvBytes, csvCell, csvText } from '../../src/csv/write.js';
import { decodeCsv, parseCsv } from '../../src/services/staff/import.js';

describe('CSV output', () => {
  it('escapes cells a spreadsheet would run as a formula, and only those', () => {
    expect(csvCell('=HYPERLINK("http://evil.example","x")')).toBe('"\'=HYPERLINK(""http://evil.example"",""x"")"');
    expect(csvCell('+81-55-983-2600')).toBe("'+81-55-983-2600");
    expect(csvCell('-1+2')).toBe("'-1+2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=1')).toBe("'\t=1");
    expect(csvCell('\r=1')).toBe('"\'\r=1"');
    expect(csvCell('三島市第8-101号')).toBe('三島市第8-101号');
    expect(csvCell(-5)).toBe('-5'); // a number is a number, not text that looks like a formula
    expect(csvCell(null)).toBe('');
  });

  it('writes UTF-8 with a BOM that reads back cell for cell', () => {
    const rows = [
      ['保証契約番号', '工事名'],
      ['10001-000001', '市道1-23号線, "改良"\n工事'],
    ];
    const bytes = csvBytes(csvText(rows), 'utf-8');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const decoded = decodeCsv(bytes);
    if ('error' in decoded) throw new Error('unreadable');
    expect(decoded.encoding).toBe('UTF-8');
    expect(parseCsv(decoded.text).records.map((r) => r.cells)).toEqual(rows);
  });

  it('writes Shift_JIS that Excel reads, with 〓 for a character it cannot hold', () => {
    const bytes = csvBytes(csvText([['髙橋㈱', '𠮷野家']]), 'shift_jis');
    const decoded = decodeCsv(bytes);
    if ('error' in decoded) throw new Error('unreadable');
    expect(decoded.encoding).toBe('Shift_JIS');
    expect(parseCsv(decoded.text).records[0]?.cells).toEqual(['髙橋㈱', '〓野家']);
  });
});
