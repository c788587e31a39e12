// Dev helper: writes an import CSV of N distinct new sureties (for measuring `npm run cli -- import`; the import
// benchmark builds its file with the same function).
// Usage: node --import tsx scripts/make-import-csv.ts <rows> <out.csv>
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COLUMNS } from '../src/services/staff/certificate-form.js';

/** The CSV text of `rows` distinct new sureties for 三島市 (alternately 前払金保証 and 契約保証). */
export function importCsvText(rows: number): string {
  const lines = [COLUMNS.join(',')];
  for (let i = 1; i <= rows; i++) {
    const contract = 10_000_000 + i * 1000;
    const advance = i % 2 === 0;
    const row: Record<string, string> = {
      product: advance ? 'advance_payment' : 'contract',
      obligeeId: 'mishima-city',
      contractorName: `試験建設株式会社 ${i}`,
      worksName: `市道${i}号線改良工事`,
      contractDate: '2026-04-01',
      worksFrom: '2026-04-02',
      worksTo: '2027-03-19',
      contractAmount: String(contract),
      guaranteeAmount: String(advance ? contract * 0.4 : contract * 0.1),
      depositBank: advance ? '静岡中央銀行 三島支店' : '',
      guaranteeFrom: '2026-04-02',
      guaranteeTo: '2027-04-30',
      guaranteeDate: '2026-04-10',
    };
    lines.push(COLUMNS.map((c) => row[c] ?? '').join(','));
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = Number(process.argv[2] ?? 10_000);
  const out = process.argv[3] ?? '/tmp/import-10000.csv';
  fs.writeFileSync(out, importCsvText(rows));
  console.log(`${rows} rows written to ${out}`);
}
