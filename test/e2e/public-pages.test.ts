// Browser test of the public pages: a procurement officer verifies a demo guarantee in Chromium and reads it.
// Runs the real app (middleware, CSP, routes) on a free port with a fresh data dir; skipped without Chromium.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ja } from '../../src/i18n/ja.js';
import { CHROMIUM_PATH, chromiumInstalled, launchChromium, startServer, type TestServer } from './harness.js';

const available = chromiumInstalled();
if (!available) {
  console.warn(
    `[e2e] skipping browser tests: ${CHROMIUM_PATH} not found ` +
      '(apt-get install chromium fonts-morisawa-bizud-gothic fonts-morisawa-bizud-mincho)',
  );
}

/** `10001-000001` → `１０００１－０００００１`, as an officer copying from a Japanese document may type it. */
const fullWidth = (s: string) =>
  s.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0)).replace(/-/g, '－');

describe.skipIf(!available)('public pages in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shots: string;
  /** Console errors and CSP violations: an inline script or style without the nonce shows up here. */
  const browserErrors: string[] = [];

  const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

  async function submit(contractNumber: string, authKey: string) {
    await page.goto(`${server.baseUrl}/`);
    await page.getByRole('textbox', { name: '保証契約番号' }).fill(contractNumber);
    await page.getByRole('textbox', { name: '認証キー' }).fill(authKey);
    const answer = page.waitForResponse((r) => r.url().endsWith('/verify') && r.request().method() === 'POST');
    await page.getByRole('button', { name: '確認する' }).click();
    const response = await answer;
    await page.waitForLoadState('load');
    return response;
  }

  beforeAll(async () => {
    shots = process.env.E2E_SCREENSHOT_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-shots-'));
    fs.mkdirSync(shots, { recursive: true });
    [server, browser] = await Promise.all([startServer(), launchChromium()]);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    // Headless Chromium has no print dialog: record the call instead (init scripts are not subject to the CSP).
    await context.addInitScript(() => {
      (window as unknown as { printed: number }).printed = 0;
      window.print = () => {
        (window as unknown as { printed: number }).printed += 1;
      };
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 401/.test(m.text())) browserErrors.push(m.text());
    });
    page.on('pageerror', (e) => browserErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (shots) console.info(`[e2e] screenshots in ${shots}`);
  });

  it('shows the verification form with help on the notice and the characters a key never contains', async () => {
    await page.goto(`${server.baseUrl}/`);
    // Without a doctype Chromium falls back to quirks mode, which changes table and list line heights.
    expect(await page.evaluate(() => document.compatMode)).toBe('CSS1Compat');
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
    expect(await page.locator('h1').textContent()).toBe('電子保証の確認');
    await page.keyboard.press('Tab');
    await expect(page.locator(':focus').textContent()).resolves.toBe('本文へ移動');
    const help = await page.locator('#authKey-help').innerText();
    for (const name of ['数字のゼロ', '数字のいち', '大文字のオー', '小文字のオー', '大文字のアイ', '小文字のエル']) {
      expect(help).toContain(name);
    }
    expect(await page.locator('main').innerText()).toContain('電子保証にかかる「認証キー」のお知らせ');
    await shot('01-verify');
  });

  it('answers a wrong key with HTTP 401 and the one uniform message', async () => {
    const advance = server.demo[0]!;
    const response = await submit(advance.contractNumber, 'WrongKey2345');
    expect(response.status()).toBe(401);
    await expect(page.getByRole('alert').innerText()).resolves.toContain(ja['verify.error.no_match']);
    expect(page.url()).not.toContain('WrongKey2345');
    await shot('02-verify-wrong-key');
  });

  it('opens the advance payment certificate from a full-width number and shows it like the paper certificate', async () => {
    const advance = server.demo[0]!;
    expect(advance.product).toBe('advance_payment');
    const response = await submit(fullWidth(advance.contractNumber), advance.authKey);
    expect(response.status()).toBe(303);
    expect(new URL(page.url()).pathname).toBe(`/certificates/${advance.contractNumber}`);
    expect(page.url()).not.toContain(advance.authKey);

    expect(await page.locator('h1').textContent()).toBe('前払金保証証書');
    const main = await page.locator('main').innerText();
    expect(main).toContain('三島市長 殿');
    expect(main).toContain('署名検証: 改ざんなし');
    expect(main).toContain('22,000,000円');
    expect(main).toContain('令和8年4月1日');
    const rows = page.locator('.history-table tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    expect(await rows.nth(0).innerText()).toContain('新規');
    expect(await rows.nth(1).innerText()).toContain('変更（増額）');
    await shot('03-advance-certificate');
  });

  it('prints through the nonce-carrying script, and the print layout keeps banner and signature line', async () => {
    const button = page.getByRole('button', { name: '印刷する' });
    await expect(button.isVisible()).resolves.toBe(true);
    await button.click();
    expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);

    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('.site-header').isVisible()).resolves.toBe(false);
    await expect(button.isVisible()).resolves.toBe(false);
    await expect(page.locator('.banner-active').isVisible()).resolves.toBe(true);
    await expect(page.getByText('署名検証: 改ざんなし').isVisible()).resolves.toBe(true);
    await shot('04-advance-print');
    await page.emulateMedia({ media: 'screen' });
  });

  it('shows an earlier version from the history table, marked as not current', async () => {
    await page.getByRole('link', { name: /No\.1（新規）/ }).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toMatch(/\/versions\/1$/);
    const main = await page.locator('main').innerText();
    expect(main).toContain('過去の版（No.1）を表示しています');
    expect(main).toContain('20,000,000円');
    await shot('05-advance-version-1');
  });

  it('switches the certificate to English and back', async () => {
    await page.getByRole('link', { name: 'Show this page in English' }).click();
    await page.waitForLoadState('load');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.locator('h1').textContent()).toBe('Advance Payment Guarantee Certificate');
    expect(await page.locator('main').innerText()).toContain('Signature check: not altered');
    await shot('06-advance-version-1-en');
    await page.getByRole('link', { name: '日本語で表示' }).click();
    await page.waitForLoadState('load');
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
  });

  it('lists the obligees accepting e-surety', async () => {
    await page.goto(`${server.baseUrl}/obligees`);
    const table = await page.locator('table').innerText();
    expect(table).toContain('三島市');
    expect(table).toContain('請負契約締結日が令和8年1月1日以降の案件');
    await shot('07-obligees');
  });

  it('ran every page without a console error or CSP violation', () => {
    expect(browserErrors).toEqual([]);
  });
});
