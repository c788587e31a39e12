// Issue 16, the clerk's import walked through in Debian Chromium: a CSV saved as Japanese Excel saves it (Shift_JIS,
// Japanese headers, 和暦 dates) is uploaded and stated as Shift_JIS; a different approver reviews it row by row, a
// page at a time, and approves; the clerk downloads every key notice at once (ZIP) and one on its own; each PDF is
// rendered by poppler and its text read back; the officer verifies with the number and the key printed on the
// notice and reads the certificate — no mojibake anywhere. axe-core runs on every screen; screenshots (and the
// notices' first pages as PNG) go to E2E_SCREENSHOT_DIR.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { openPlatform } from '../../src/platform.js';
import { totpAt } from '../../src/security/totp.js';
import { createStaffUser } from '../../src/services/staff/accounts.js';
import { encodeShiftJis } from '../support/shift-jis.js';
import {
  CHROMIUM_PATH,
  axeProblems,
  chromiumInstalled,
  launchChromium,
  startServer,
  type TestServer,
} from './harness.js';

const available = chromiumInstalled();
if (!available) console.warn(`[e2e] skipping import walkthrough: ${CHROMIUM_PATH} not found`);
const PASSWORD = 'correct horse battery staple 7';

// Two rows as a clerk types them, then twenty more works of the same contractor: 22 rows, two review pages.
const HEADER =
  '保証の種類,発注者名,請負者名,請負者住所,工事名,工事番号,契約日,工期 開始,工期 終了,請負金額,保証金額,預託金融機関,保証期間 開始,保証期間 終了,保証契約日';
const ROWS = [
  '前払金保証,三島市,㈱髙橋組,静岡県三島市北田町4番47号,﨑山地区排水路整備工事①,第12号,令和8年4月1日,R8.4.2,令和9年3月19日,"50,000,000",20000000円,静岡中央銀行 三島支店,令和8年4月2日,令和9年4月30日,R8.4.10',
  '契約保証,三島市,㈱髙橋組,静岡県三島市北田町4番47号,﨑山地区排水路整備工事①,第12号,令和8年4月1日,R8.4.2,令和9年3月19日,"50,000,000","5,000,000",,令和8年4月2日,令和9年3月19日,令和8年4月1日',
  ...Array.from(
    { length: 20 },
    (_, i) =>
      `契約保証,三島市,㈱髙橋組,,市道${i + 1}号線舗装補修工事,,令和8年5月${i + 1}日,R8.5.${i + 2},R9.2.26,"${(i + 1) * 1_000_000}","${(i + 1) * 100_000}",,R8.5.${i + 2},R9.2.26,R8.5.${i + 1}`,
  ),
];
const SHEET = [HEADER, ...ROWS].join('\r\n') + '\r\n';

function pdfText(pdf: Buffer): string {
  return execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString();
}

/** The first page as a PNG (pdftoppm), with whatever poppler said on stderr. */
function renderPng(pdf: Buffer, file: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-e2e-pdf-'));
  try {
    fs.writeFileSync(path.join(dir, 'in.pdf'), pdf);
    const stderr = execFileSync(
      'pdftoppm',
      ['-png', '-r', '100', '-f', '1', '-l', '1', '-singlefile', 'in.pdf', 'page'],
      {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    fs.copyFileSync(path.join(dir, 'page.png'), file);
    return stderr?.toString() ?? '';
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!available)('the clerk’s CSV import in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let shots: string;
  const problems: string[] = [];

  // What the screen shows first (a review page of 20 rows is metres long when captured whole).
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `import-${name}.png`) });
  const axeClean = async (page: Page) => expect(await axeProblems(page)).toEqual([]);

  async function logIn(email: string, offsetMs: number): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      locale: 'ja-JP',
      acceptDownloads: true,
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${server.baseUrl}/admin/login`);
    await page.getByLabel('メールアドレス').fill(email);
    await page.getByLabel('パスワード').fill(PASSWORD);
    await page.getByRole('button', { name: 'ログイン' }).click();
    await page.waitForURL('**/admin/mfa');
    const secret = (await page.locator('.secret').textContent()) ?? '';
    await page.getByRole('textbox').fill(totpAt(secret, Date.now() + offsetMs));
    await page.getByRole('button', { name: '確認する' }).click();
    await page.waitForLoadState('load');
    if (await page.getByRole('heading', { name: 'リカバリーコード' }).count()) {
      await page.getByRole('link', { name: /管理画面へ進む/ }).click();
    }
    await page.waitForURL(/\/admin$/);
    return page;
  }

  beforeAll(async () => {
    shots = process.env.E2E_SCREENSHOT_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-shots-'));
    fs.mkdirSync(shots, { recursive: true });
    [server, browser] = await Promise.all([startServer(), launchChromium()]);
    const platform = await openPlatform(
      loadConfig({ NODE_ENV: 'test', ESURETY_DATA_DIR: server.dataDir, ESURETY_DEMO: '0' }),
    );
    for (const [email, role] of [
      ['clerk@import.jp', 'clerk'],
      ['approver@import.jp', 'approver'],
    ] as const) {
      await createStaffUser(platform.ctx, { type: 'system', id: 'e2e' }, { email, role, password: PASSWORD });
    }
    await platform.close();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (shots) console.info(`[e2e] import walkthrough screenshots in ${shots}`);
  });

  it(
    'uploads a Shift_JIS sheet, reviews it row by row, publishes it, and every notice and page reads right',
    { timeout: 480_000 },
    async () => {
      // The clerk uploads the file Excel saved.
      const clerk = await logIn('clerk@import.jp', 0);
      await clerk.goto(`${server.baseUrl}/admin/import`);
      await axeClean(clerk);
      await clerk.locator('input[type=file]').setInputFiles({
        name: '保証申込一覧.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(encodeShiftJis(SHEET)),
      });
      await shot(clerk, '01-upload');
      await clerk.getByRole('button', { name: '確認して申込を作成する' }).click();
      await clerk.waitForURL(/\/admin\/drafts\/[^/?]+\?flash=draft\.importedShiftJis/);
      const draftUrl = clerk.url().replace(/\?.*$/, '');
      await expect.poll(() => clerk.locator('body').textContent()).toContain('Shift_JIS として読み込みました');
      await axeClean(clerk);
      await shot(clerk, '02-uploaded');

      // A different approver reads it row by row, 20 to a page, with labels and formatted values.
      const approver = await logIn('approver@import.jp', 30_000);
      await approver.goto(draftUrl);
      const review = (await approver.locator('main').textContent()) ?? '';
      for (const shown of [
        '22件の新規保証',
        'ファイルの2行目',
        '㈱髙橋組',
        '﨑山地区排水路整備工事①',
        '前払金保証',
        '三島市（三島市長）',
        '50,000,000円',
        '令和8年4月1日',
        '令和9年4月30日',
        '1 / 2 ページ',
      ]) {
        expect(review, shown).toContain(shown);
      }
      expect(review).not.toMatch(/advance_payment|mishima-city|\ufffd/);
      expect(review).not.toContain('ファイルの22行目');
      await axeClean(approver);
      await shot(approver, '03-review-page1');
      await approver.getByRole('link', { name: '次の20行' }).first().click();
      await approver.waitForURL(/page=2/);
      const second = (await approver.locator('main').textContent()) ?? '';
      expect(second).toContain('ファイルの22行目');
      expect(second).toContain('市道20号線舗装補修工事');
      expect(second).toContain('令和8年5月20日');
      await axeClean(approver);
      await shot(approver, '04-review-page2');
      await approver.getByRole('button', { name: '承認して発行する' }).click();
      await approver.waitForURL(/flash=draft\.published/);
      await axeClean(approver);

      // The clerk downloads every key notice at once.
      await clerk.goto(draftUrl);
      await axeClean(clerk);
      await shot(clerk, '05-published-download');
      const [zipDownload] = await Promise.all([
        clerk.waitForEvent('download'),
        clerk.getByRole('button', { name: '22件の認証キーのお知らせをまとめてダウンロード（ZIP）' }).click(),
      ]);
      expect(zipDownload.suggestedFilename()).toMatch(/^認証キーのお知らせ_一括_\d{4}-\d{2}-\d{2}_22件\.zip$/);
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-e2e-zip-'));
      try {
        const zipFile = path.join(work, 'notices.zip');
        await zipDownload.saveAs(zipFile);
        execFileSync('unzip', ['-q', zipFile, '-d', path.join(work, 'out')]);
        const files = fs.readdirSync(path.join(work, 'out'));
        expect(files.filter((f) => /^notice-\d{5}-\d{6}\.pdf$/.test(f))).toHaveLength(22);
        const list = fs.readFileSync(path.join(work, 'out', '一覧.csv'), 'utf8');
        const first = /\r\n2,(\d{5}-\d{6}),前払金保証,㈱髙橋組,﨑山地区排水路整備工事①,/.exec(list)?.[1];
        expect(first).toBeDefined();
        const batchPdf = fs.readFileSync(path.join(work, 'out', `notice-${first}.pdf`));
        const batchText = pdfText(batchPdf);
        for (const shown of [
          '電子保証にかかる',
          '認証キー',
          first!,
          '㈱髙橋組',
          '﨑山地区排水路整備工事①',
          '三島市長',
        ]) {
          expect(batchText, shown).toContain(shown);
        }
        expect(batchText).not.toContain('\ufffd');
        expect(renderPng(batchPdf, path.join(shots, 'import-06-batch-notice.png'))).toBe('');
        // The key as the contractor reads it off the notice: 12 characters of the key alphabet, one per box.
        const key = /認証キー\s*((?:[2-9A-HJ-NP-Za-km-z]\s*){12})/.exec(batchText)?.[1]?.replace(/\s+/g, '');
        expect(key).toMatch(/^[2-9A-HJ-NP-Za-km-z]{12}$/);

        // The same notice on its own, from the 電子保証概要 screen.
        await clerk.goto(`${server.baseUrl}/admin/sureties/${first}`);
        await axeClean(clerk);
        const [single] = await Promise.all([
          clerk.waitForEvent('download'),
          clerk.getByRole('button', { name: '認証キーのお知らせ（PDF）' }).click(),
        ]);
        expect(single.suggestedFilename()).toBe(`認証キーのお知らせ_${first}.pdf`);
        const singleFile = path.join(work, 'single.pdf');
        await single.saveAs(singleFile);
        const singlePdf = fs.readFileSync(singleFile);
        const singleText = pdfText(singlePdf);
        expect(singleText).toContain('﨑山地区排水路整備工事①');
        expect(singleText.replace(/\s+/g, '')).toContain(key!);
        expect(renderPng(singlePdf, path.join(shots, 'import-07-single-notice.png'))).toBe('');

        // The officer verifies with what the notice says and reads the certificate in Japanese.
        const officer = await (
          await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } })
        ).newPage();
        await officer.goto(`${server.baseUrl}/`);
        await officer.getByRole('textbox', { name: '保証契約番号' }).fill(first!);
        await officer.getByRole('textbox', { name: '認証キー' }).fill(key!);
        await officer.getByRole('button', { name: '確認する' }).click();
        await officer.waitForURL(`**/certificates/${first}`);
        const certificate = (await officer.locator('main').textContent()) ?? '';
        for (const shown of [
          '前払金保証',
          '㈱髙橋組',
          '静岡県三島市北田町4番47号',
          '﨑山地区排水路整備工事①',
          '三島市長',
          '50,000,000円',
          '20,000,000円',
          '静岡中央銀行 三島支店',
          '令和8年4月1日',
          '令和9年4月30日',
          '令和8年4月10日',
        ]) {
          expect(certificate, shown).toContain(shown);
        }
        expect(certificate).not.toContain('\ufffd');
        await axeClean(officer);
        await shot(officer, '08-certificate');
      } finally {
        fs.rmSync(work, { recursive: true, force: true });
      }
      expect(problems).toEqual([]);
    },
  );
});
