// Dev helper: full-page screenshots (and a print PDF) of every public page, to look at the UI as an officer would.
// Usage: node --import tsx scripts/screenshots.ts [outDir]   (default /tmp/shots; needs Debian chromium + BIZ UD fonts)
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { launchChromium, startServer } from '../test/e2e/harness.js';

const outDir = path.resolve(process.argv[2] ?? '/tmp/shots');
fs.mkdirSync(outDir, { recursive: true });

const toFullWidth = (s: string) =>
  s.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0)).replace('-', '－');

async function main(): Promise<void> {
  const server = await startServer({ extras: true });
  const browser = await launchChromium();
  const problems: string[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    const page = await context.newPage();
    page.on('console', (m) => {
      // 401, 404 and 500 answers are expected here (wrong key, unknown page, tampered data); a CSP report is not.
      if (/status of (401|404|500)/.test(m.text())) return;
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
    const shot = async (p: Page, name: string) => {
      await p.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
      console.log(`${name}.png  ${p.url()}`);
    };
    const verify = async (p: Page, number: string, key: string) => {
      await p.goto(`${server.baseUrl}/`);
      await p.getByRole('textbox', { name: '保証契約番号' }).fill(number);
      await p.getByRole('textbox', { name: '認証キー' }).fill(key);
      await p.getByRole('button', { name: '確認する' }).click();
      await p.waitForLoadState('load');
    };
    const [advance, contract, intermediate] = server.demo;
    if (!advance || !contract || !intermediate || !server.extra) throw new Error('demo data set incomplete');

    await page.goto(`${server.baseUrl}/`);
    await shot(page, '01-verify');
    await verify(page, advance.contractNumber, 'WRONGkey2345');
    await shot(page, '02-verify-error');
    await verify(page, toFullWidth(advance.contractNumber), advance.authKey);
    await shot(page, '03-advance');
    await page.goto(`${server.baseUrl}/certificates/${advance.contractNumber}/versions/1`);
    await shot(page, '04-advance-version-1');
    await verify(page, contract.contractNumber, contract.authKey);
    await shot(page, '05-contract');
    await verify(page, intermediate.contractNumber, intermediate.authKey);
    await shot(page, '06-intermediate');
    await verify(page, server.extra.cancelled.contractNumber, server.extra.cancelled.authKey);
    await shot(page, '07-cancelled');
    await verify(page, server.extra.expired.contractNumber, server.extra.expired.authKey);
    await shot(page, '08-expired');
    await page.goto(`${server.baseUrl}/certificates/${advance.contractNumber}?lang=en`);
    await shot(page, '09-advance-en');
    await page.goto(`${server.baseUrl}/`);
    await shot(page, '10-verify-en');
    await page.goto(`${server.baseUrl}/obligees?lang=ja`);
    await shot(page, '11-obligees');
    await page.goto(`${server.baseUrl}/nowhere`);
    await shot(page, '12-not-found');
    await page.goto(`${server.baseUrl}/certificates/${advance.contractNumber}`);
    await page.emulateMedia({ media: 'print' });
    await shot(page, '13-advance-print');
    // What the print dialog would produce with its defaults (no "background graphics"): A4 pages from @page.
    await page.pdf({ path: path.join(outDir, '13-advance-print.pdf'), preferCSSPageSize: true });
    await page.emulateMedia({ media: 'screen' });
    // Tamper one byte of a stored signature: the page must refuse to show the certificate.
    const db = new SQLite(path.join(server.dataDir, 'esurety.sqlite'));
    const row = db
      .prepare('select jws from versions where contract_number = ? and seq = 2')
      .get(intermediate.contractNumber) as { jws: string };
    const flipped = row.jws.slice(0, -2) + (row.jws.at(-2) === 'A' ? 'B' : 'A') + row.jws.slice(-1);
    db.prepare('update versions set jws = ? where contract_number = ? and seq = 2').run(
      flipped,
      intermediate.contractNumber,
    );
    db.close();
    await page.goto(`${server.baseUrl}/certificates/${intermediate.contractNumber}`);
    await shot(page, '16-tampered');
    await page.goto(`${server.baseUrl}/certificates/${advance.contractNumber}`);
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, '14-advance-mobile');
    await page.goto(`${server.baseUrl}/`);
    await shot(page, '15-verify-mobile');
    await context.close();
  } finally {
    await browser.close();
    await server.close();
  }
  if (problems.length > 0) {
    console.error(`browser reported:\n${problems.join('\n')}`);
    process.exitCode = 1;
  }
}

await main();
