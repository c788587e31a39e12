// The notification flows in Chromium against the real server and a real SMTP sink: the contractor downloads the
// notice from the mailed link, the officer confirms receipt and subscribes, the contractor reads the status page.
// Also proves the pages' styles run under the CSP (a style without the nonce would be reported). Skipped without
// Chromium.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { createSmtpTransport } from '../../src/mail/transport.js';
import { MailWorker } from '../../src/mail/worker.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { publishSurety } from '../../src/services/publish-surety.js';
import { chromiumInstalled, launchChromium, startServer, type TestServer } from '../e2e/harness.js';
import { advanceBody } from '../support/fixtures.js';
import { linkIn, startSink, type MailSink } from './mail-sink.js';

describe.skipIf(!chromiumInstalled())('notification pages in a browser', () => {
  let server: TestServer;
  let sink: MailSink;
  let platform: Platform;
  let worker: MailWorker;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let surety: { contractNumber: string; authKey: string };
  const problems: string[] = [];
  const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    shots = process.env.E2E_SCREENSHOT_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-mail-shots-'));
    [server, sink, browser] = await Promise.all([startServer(), startSink(), launchChromium()]);
    // A second handle on the server's database, with the server's public URL, as a second instance would have.
    const env = { NODE_ENV: 'test', ESURETY_DATA_DIR: server.dataDir, ESURETY_PUBLIC_URL: server.baseUrl };
    platform = await openPlatform(loadConfig(env));
    worker = new MailWorker(platform.ctx, { transport: createSmtpTransport(sink.url) });
    const published = await publishSurety(
      platform.ctx,
      { type: 'system', id: 'test:browser' },
      advanceBody({ contractorEmail: 'keiyaku@fujimi-kensetsu.example.jp' }),
    );
    surety = { contractNumber: published.contractNumber, authKey: published.authKey };
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' })).newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 410/.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.close();
    await Promise.all([server?.close(), sink?.close()]);
  });

  it('downloads the key notice once from the mailed link', async () => {
    await worker.tick();
    const link = linkIn(sink.received[0]?.text ?? '', `${server.baseUrl}/mail/notice/`);
    await page.goto(link);
    await shot('mail-01-notice-link');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'PDFをダウンロードする' }).click();
    const file = await (await download).path();
    expect(fs.readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
    const again = await page.goto(link);
    expect(again?.status()).toBe(410);
    await expect(page.locator('h1').textContent()).resolves.toBe('このリンクはすでに使用されています');
    await shot('mail-02-notice-used');
  });

  it('lets the officer confirm receipt and subscribe under the certificate', async () => {
    await page.goto(`${server.baseUrl}/`);
    await page.getByRole('textbox', { name: '保証契約番号' }).fill(surety.contractNumber);
    await page.getByRole('textbox', { name: '認証キー' }).fill(surety.authKey);
    await page.getByRole('button', { name: '確認する' }).click();
    await page.waitForURL(`**/certificates/${surety.contractNumber}`);
    // One 確認者 for both actions: typed once, for the 受領確認 …
    const receipt = page.locator('#receipt');
    await expect(page.getByRole('textbox', { name: '部署名' }).count()).resolves.toBe(1);
    await receipt.getByRole('textbox', { name: '部署名' }).fill('契約検査課');
    await receipt.getByRole('textbox', { name: '氏名' }).fill('三島 花子');
    await page.getByRole('button', { name: '受領を確認する' }).click();
    await page.waitForURL('**f=receipt_recorded**');
    await expect(page.locator('#receipt').innerText()).resolves.toContain('この版は受領確認済みです。');
    // … and still there for the 確認証跡, without typing it again.
    await expect(receipt.getByRole('textbox', { name: '氏名' }).inputValue()).resolves.toBe('三島 花子');
    await page.getByRole('button', { name: '確認証跡を発行する' }).click();
    await page.waitForURL('**/verification-receipts/R*');
    await expect(page.locator('main').innerText()).resolves.toContain('三島 花子');
    await page.goBack();
    await page.getByRole('textbox', { name: 'メールアドレス' }).fill('kensa@city.mishima.example.jp');
    await page.getByRole('button', { name: '通知を申し込む' }).click();
    await page.waitForURL('**f=subscribe_sent**');
    await expect(page.getByRole('status').last().innerText()).resolves.toContain('確認のメールを送信しました');
    // Styled by the nonce-carrying <style>: the receipt note is green and bold, not the browser default.
    const weight = await page.locator('.receipt-done').evaluate((el) => getComputedStyle(el).fontWeight);
    expect(Number(weight)).toBeGreaterThanOrEqual(700);
    await shot('mail-03-certificate-follow-up');
  });

  it('shows the contractor the receipt, the views and the download on the status page', async () => {
    await page.goto(`${server.baseUrl}/status`);
    await page.getByRole('textbox', { name: '保証契約番号' }).fill(surety.contractNumber);
    await page.getByRole('textbox', { name: '認証キー' }).fill(surety.authKey);
    await page.getByRole('button', { name: '状況を確認する' }).click();
    await page.waitForLoadState('load');
    const main = await page.locator('main').innerText();
    expect(main).toContain('受領確認済み');
    expect(main).toContain('契約検査課');
    expect(main).toContain('メールのリンクからダウンロードされました');
    expect(main).not.toContain(surety.authKey);
    await shot('mail-04-status');
    expect(problems).toEqual([]);
  });
});
