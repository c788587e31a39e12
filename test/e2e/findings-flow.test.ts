// Browser test of the officer's §11 flow in Chromium: verify → enter the municipality's own figures → see the findings
// next to the rows → 確認証跡 with them → bulk upload of a Shift_JIS CSV → download the result (UTF-8 with BOM) and
// the session export. axe-clean pages, no console error or CSP violation; screenshots to E2E_SCREENSHOT_DIR.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { parseCsv } from '../../src/services/staff/import.js';
import { encodeShiftJis } from '../support/shift-jis.js';
import { axeProblems, chromiumInstalled, launchChromium, startServer, type TestServer } from './harness.js';

const available = chromiumInstalled();

describe.skipIf(!available)('the officer’s own checks, bulk verification and export in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let shots: string;
  const browserErrors: string[] = [];
  const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  const contract = () => server.demo.find((d) => d.product === 'contract')!;
  const advance = () => server.demo.find((d) => d.product === 'advance_payment')!;

  beforeAll(async () => {
    shots = process.env.E2E_SCREENSHOT_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-shots-'));
    fs.mkdirSync(shots, { recursive: true });
    [server, browser] = await Promise.all([startServer(), launchChromium()]);
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      locale: 'ja-JP',
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') browserErrors.push(m.text());
    });
    page.on('pageerror', (e) => browserErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('compares the officer’s figures with the certificate and marks the rows concerned', async () => {
    await page.goto(`${server.baseUrl}/`);
    await page.getByRole('textbox', { name: '保証契約番号' }).fill(contract().contractNumber);
    await page.getByRole('textbox', { name: '認証キー' }).fill(contract().authKey);
    await page.getByRole('button', { name: '確認する' }).click();
    await page.waitForURL(/\/certificates\//);
    // The real price is five times the certificate's: a contract guarantee of 2%, and the works run past the guarantee.
    await page.getByRole('textbox', { name: '請負金額（円）' }).fill('250,000,000');
    await page.getByLabel('工期の終了日').fill('2027-05-31');
    await page.getByRole('button', { name: '照合する' }).click();
    await page.waitForURL(/contractAmount=/);
    const findings = page.locator('#findings-result li');
    await expect.poll(() => findings.count()).toBe(4);
    const texts = await findings.allTextContents();
    expect(texts).toContain(
      '契約保証の保証金額（5,000,000円）が、請負代金額（250,000,000円）の10%（25,000,000円）に足りません。',
    );
    expect(texts).toContain('保証期間の終了日（令和9年3月19日）が、工期の終了日（令和9年5月31日）より前です。');
    // The rows concerned are marked in the certificate itself.
    const marked = await page.locator('table.fields tr.has-finding th').allTextContents();
    expect(marked).toEqual(expect.arrayContaining(['請負代金額（税込）', '保証金額', '工期', '保証期間']));
    expect(await axeProblems(page)).toEqual([]);
    await shot('01-certificate-findings');
    await page.locator('article.paper').screenshot({ path: path.join(shots, '01a-marked-rows.png') });
    await page.locator('#findings').screenshot({ path: path.join(shots, '01b-findings-panel.png') });
  });

  it('issues a 確認証跡 that states the figures and the findings', async () => {
    await page.getByRole('textbox', { name: '部署名' }).fill('契約検査課');
    await page.getByRole('textbox', { name: '氏名' }).fill('三島 花子');
    await page.getByRole('button', { name: '確認証跡を発行する' }).click();
    await page.waitForURL(/verification-receipts\/R/);
    const body = await page.locator('main').textContent();
    expect(body).toContain('請負金額 250,000,000円');
    expect(body).toContain('工期の終了日 令和9年5月31日');
    expect(body).toContain(
      '・契約保証の保証金額（5,000,000円）が、請負代金額（250,000,000円）の10%（25,000,000円）に足りません。',
    );
    expect(await axeProblems(page)).toEqual([]);
    await shot('02-receipt-with-findings');
  });

  it('verifies a Shift_JIS CSV with Japanese headers, shows the table and downloads it as UTF-8 with BOM', async () => {
    const csv = [
      '保証契約番号,認証キー,請負金額,工事番号',
      `${contract().contractNumber},${contract().authKey},"250,000,000",`,
      `${advance().contractNumber},${advance().authKey},,`,
      `${advance().contractNumber},WRONGKEY2345,,`,
      `${contract().contractNumber},${contract().authKey},二億円,`,
    ].join('\r\n');
    await page.goto(`${server.baseUrl}/bulk`);
    expect(await axeProblems(page)).toEqual([]);
    await page.getByLabel('CSVファイル（UTF-8 または Shift_JIS、1 MBまで）').setInputFiles({
      name: '確認リスト.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(encodeShiftJis(csv)),
    });
    // The progress bar comes up when the form is submitted: seen here with that one submission held back in the page.
    expect(await page.locator('#bulk-progress progress').isVisible()).toBe(false);
    await page.evaluate(() =>
      document
        .querySelector('form[data-progress]')!
        .addEventListener('submit', (e) => e.preventDefault(), { once: true }),
    );
    await page.getByRole('button', { name: '確認する' }).click();
    await page.locator('#bulk-progress progress').waitFor({ state: 'visible' });
    await shot('03a-bulk-progress');
    await page.evaluate(() => (document.querySelector('form[data-progress]') as HTMLFormElement).submit());
    await page.waitForSelector('.bulk-table');
    const outcomes = await page.locator('.bulk-table tbody tr td:nth-child(3)').allTextContents();
    expect(outcomes).toEqual(['確認済み', '確認済み', '番号または認証キーが一致しません', '入力に誤り']);
    const first = await page.locator('.bulk-table tbody tr').first().textContent();
    expect(first).toContain('10%（25,000,000円）に足りません');
    expect(first).toContain('50,000,000円5,000,000円');
    expect(await page.locator('[role=status]').first().textContent()).toContain('4件中');
    expect(await axeProblems(page)).toEqual([]);
    await shot('03-bulk-results');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: '結果をCSVで保存（Excel対応）' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^確認結果_\d{8}\.csv$/);
    const bytes = fs.readFileSync((await download.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const { records, error } = parseCsv(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    expect(error).toBeUndefined();
    expect(records).toHaveLength(5);
    expect(records[0]?.cells.slice(0, 4)).toEqual(['行', '結果', '所見', '保証契約番号']);
    expect(records[1]?.cells).toEqual(
      expect.arrayContaining(['確認済み', contract().contractNumber, '50000000', '5000000']),
    );
    expect(records[3]?.cells.slice(0, 2)).toEqual(['4', '番号または認証キーが一致しません']);
    expect(records.flatMap((r) => r.cells).join()).not.toContain(contract().authKey);
  });

  it('exports this session’s verified certificates as CSV, UTF-8 with BOM or Shift_JIS', async () => {
    const utf8 = await page.request.get(`${server.baseUrl}/export/certificates.csv`);
    expect(utf8.status()).toBe(200);
    const bytes = await utf8.body();
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(new TextDecoder().decode(bytes)).records;
    expect(rows[0]?.cells[0]).toBe('保証契約番号');
    // Only what this browser verified through the form (the bulk upload opens nothing).
    expect(rows.slice(1).map((r) => r.cells[0])).toEqual([contract().contractNumber]);
    const sjis = await page.request.get(`${server.baseUrl}/export/certificates.csv?encoding=shift_jis`);
    expect(sjis.headers()['content-type']).toContain('Shift_JIS');
    const text = new TextDecoder('shift_jis', { fatal: true }).decode(await sjis.body());
    expect(text.split('\r\n')[0]).toBe(rows[0]?.cells.join(','));
  });

  it('ran every page without a console error or CSP violation', () => {
    expect(browserErrors).toEqual([]);
  });
});
