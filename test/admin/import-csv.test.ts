// The staff import's CSV reader: RFC 4180 records with the line each starts on, and malformed quoting refused with
// the line and cell to fix (the hand-written reader took an unterminated quote and counted records, not lines).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv, type CsvRecord } from '../../src/services/staff/import.js';

const records = (text: string): CsvRecord[] => {
  const parsed = parseCsv(text);
  if (parsed.error) throw new Error(`unexpected CSV error: ${JSON.stringify(parsed.error)}`);
  return parsed.records;
};

const errorOf = (text: string) => {
  const parsed = parseCsv(text);
  if (!parsed.error) throw new Error(`parsed without an error: ${JSON.stringify(parsed.records)}`);
  return parsed.error;
};

describe('parseCsv', () => {
  it('reads quoted values with commas, "" escapes and a UTF-8 BOM', () => {
    expect(records('\uFEFFproduct,worksName\ncontract,"市道1号線, ""第2工区"""\n')).toEqual([
      { line: 1, cells: ['product', 'worksName'] },
      { line: 2, cells: ['contract', '市道1号線, "第2工区"'] },
    ]);
  });

  it('reads CRLF, LF and CR line ends, mixed in one file, the last line with or without one', () => {
    for (const end of ['', '\n']) {
      expect(records(`a,b\r\n1,2\n3,4\r5,6${end}`).map((r) => r.cells)).toEqual([
        ['a', 'b'],
        ['1', '2'],
        ['3', '4'],
        ['5', '6'],
      ]);
    }
  });

  it('numbers each record by the line it starts on when a quoted value spans lines', () => {
    expect(records('a,b\r\n1,"三島市\r\n大場地内"\r\n2,"x\ny\rz"\n3,4\r\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', '三島市\r\n大場地内'] },
      { line: 4, cells: ['2', 'x\ny\rz'] },
      { line: 7, cells: ['3', '4'] },
    ]);
  });

  it('leaves out blank and whitespace-only lines but counts them', () => {
    expect(records('\na,b\n\n1,2\n \u3000\n""\n3,4\n\r\n\n')).toEqual([
      { line: 2, cells: ['a', 'b'] },
      { line: 4, cells: ['1', '2'] },
      { line: 7, cells: ['3', '4'] },
    ]);
    expect(records('')).toEqual([]);
    expect(records('\uFEFF\r\n\r\n')).toEqual([]);
  });

  it('keeps a row with the wrong number of cells for the import to report', () => {
    expect(records('a,b,c\n1,2\n1,2,3,4\n').map((r) => r.cells.length)).toEqual([3, 2, 4]);
  });

  it('refuses a quote that is never closed, naming the line its record starts on and the cell', () => {
    expect(errorOf('a,b\n1,"x\ny"\n2,"三島市\n3,4\n')).toEqual({
      line: 4,
      column: 2,
      message: expect.stringMatching(/^「"」で始まる値がファイルの終わりまで閉じられていません/),
    });
    expect(errorOf('"a,b\n1,2\n')).toMatchObject({ line: 1, column: 1 });
  });

  it('refuses text after a closing quote and a quote inside an unquoted value', () => {
    expect(errorOf('a,b\r\n1,2\r\n3,"静岡中央銀行" 三島支店\r\n')).toEqual({
      line: 3,
      column: 2,
      message: expect.stringMatching(/^「"」で囲んだ値の閉じる「"」のあとに/),
    });
    expect(errorOf('a,b,c\n1,2,3\n4,5,12"\n')).toEqual({
      line: 3,
      column: 3,
      message: expect.stringMatching(/^「"」で囲んでいない値の途中に「"」があります/),
    });
  });

  it('gives back every table it is given, each record numbered by the line it starts on', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', '三', ' ', ',', '"', '\r', '\n', '\r\n'), maxLength: 6 });
    const lineEnd = fc.constantFrom('\n', '\r\n', '\r');
    const table = fc.array(
      fc.record({ cells: fc.array(cell, { minLength: 2, maxLength: 4 }), end: lineEnd, blanks: fc.array(lineEnd) }),
      { minLength: 1, maxLength: 8 },
    );
    fc.assert(
      fc.property(fc.boolean(), table, (bom, rows) => {
        let text = bom ? '\uFEFF' : '';
        const expected: CsvRecord[] = [];
        const lineOf = () => 1 + (text.match(/\r\n|\r|\n/g)?.length ?? 0);
        for (const { cells, end, blanks } of rows) {
          expected.push({ line: lineOf(), cells });
          text += cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(',') + end;
          text += blanks.join('');
        }
        expect(records(text)).toEqual(expected);
      }),
    );
  });
});
