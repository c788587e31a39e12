// Browser test of the 発注者APIトークン screen in Debian Chromium: one administrator makes a token for 三島市 and sees
// it once, another approves it, and the token then works on the watch API. axe-core runs on every screen
// (serious/critical findings fail); screenshots go to E2E_SCREENSHOT_DIR.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { openPlatform } from '../../src/platform.js';
import { totpAt } from '../../src/security/totp.js';
import { createStaffUser } from '../../src/services/staff/accounts.js';
import {
  CHROMIUM_PATH,
  axeProblems,
  chromiumInstalled,
  launchChromium,
  startServer,
  type TestServer,
} from './harness.js';

const available = chromiumInstalled();
if (!available) console.warn(`[e2e] skipping obligee token browser test: ${CHROMIUM_PATH} not found`);
const PASSWORD = 'correct horse battery staple 7';

describe.skipIf(!available)('obligee tokens in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let shots: string;
  const problems: string[] = [];
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(shots, `obligee-tokens-${name}.png`), fullPage: true });

  async function logIn(email: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${server.baseUrl}/admin/login`);
    await page.getByLabel('メールアドレス').fill(email);
    await page.getByLabel('パスワード').fill(PASSWORD);
    await page.getByRole('button', { name: 'ログイン' }).click();
    await page.waitForURL('**/admin/mfa');
    const secret = (await page.locator('.secret').textContent()) ?? '';
    await page.getByRole('textbox').fill(totpAt(secret, Date.now()));
    await page.getByRole('button', { name: '確認する' }).click();
    await page.waitForLoadState('load');
    await page.getByRole('link', { name: /管理画面へ進む/ }).click();
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
    try {
      for (const email of ['kanri1@example.jp', 'kanri2@example.jp']) {
        await createStaffUser(
          platform.ctx,
          { type: 'system', id: 'e2e' },
          { email, role: 'admin', password: PASSWORD },
        );
      }
    } finally {
      await platform.close();
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (shots) console.info(`[e2e] obligee token screenshots in ${shots}`);
  });

  it('is made by one administrator, shown once, approved by another, and then opens the watch API', async () => {
    const maker = await logIn('kanri1@example.jp');
    await maker.getByRole('link', { name: '発注者APIトークン' }).click();
    await maker.waitForURL('**/admin/obligee-tokens');
    problems.push(...(await axeProblems(maker)));
    await maker.getByLabel('発注者').selectOption('mishima-city');
    await maker.getByLabel(/用途（名前）/).fill('契約管理システム');
    await maker.getByRole('button', { name: '発注者トークンを作成する' }).click();
    const token = ((await maker.locator('.secret').textContent()) ?? '').trim();
    expect(token).toMatch(/^eob_/);
    expect(await maker.locator('main').textContent()).toContain('承認待ち（まだ使えません）');
    await shot(maker, '1-created');
    problems.push(...(await axeProblems(maker)));
    const watch = () =>
      fetch(`${server.baseUrl}/api/v1/watch`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await watch()).toBe(401);

    const checker = await logIn('kanri2@example.jp');
    await checker.goto(`${server.baseUrl}/admin/obligee-tokens`);
    await checker.getByRole('button', { name: '契約管理システム（三島市）を承認する' }).click();
    await checker.waitForURL('**/admin/obligee-tokens?flash=*');
    expect(await checker.locator('main').textContent()).toContain('発注者トークンを承認しました');
    await shot(checker, '2-approved');
    problems.push(...(await axeProblems(checker)));
    expect(await watch()).toBe(200);
    expect(problems).toEqual([]);
  }, 120_000);
});
