// Browser test (Debian Chromium) of a plausibility warning in the staff portal (issue 16 item 6): a clerk's 契約保証
// below 10% of the contract price is not refused but must be acknowledged with a reason; the approver sees the
// warning and the clerk's reason on the review, and publishes. axe-core runs on each screen; screenshots go to
// E2E_SCREENSHOT_DIR.
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
if (!available) console.warn(`[e2e] skipping plausibility browser test: ${CHROMIUM_PATH} not found`);
const PASSWORD = 'correct horse battery staple 7';
const REASON = '発注者の特記仕様書により契約保証金は請負代金額の3%';

describe.skipIf(!available)('plausibility warnings in the staff portal', () => {
  let server: TestServer;
  let browser: Browser;
  let shots: string;

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(shots, `rules-${name}.png`), fullPage: true });

  async function logIn(email: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/admin/login`);
    await page.getByLabel('メールアドレス').fill(email);
    await page.getByLabel('パスワード').fill(PASSWORD);
    await page.getByRole('button', { name: 'ログイン' }).click();
    await page.waitForURL('**/admin/mfa');
    const secret = (await page.locator('.secret').textContent()) ?? '';
    await page.getByRole('textbox').fill(totpAt(secret, Date.now()));
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
      ['clerk@example.jp', 'clerk'],
      ['approver@example.jp', 'approver'],
    ] as const) {
      await createStaffUser(platform.ctx, { type: 'system', id: 'e2e' }, { email, role, password: PASSWORD });
    }
    await platform.close();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it(
    'has the clerk acknowledge a warning with a reason, and shows both to the approver',
    { timeout: 120_000 },
    async () => {
      const clerk = await logIn('clerk@example.jp');
      await clerk.goto(`${server.baseUrl}/admin/drafts/new?product=contract`);
      // The 発注者 drop-down names the obligee as people know it.
      expect(await clerk.locator('#f-obligeeId option').first().textContent()).toContain('三島市');
      await clerk.locator('#f-contractorName').fill('富士見建設株式会社');
      await clerk.locator('#f-worksName').fill('市道北上線舗装工事');
      await clerk.locator('#f-worksNumber').fill('令和8年度 第31号');
      await clerk.locator('#f-contractDate').fill('2026-06-01');
      await clerk.locator('#f-worksFrom').fill('2026-06-02');
      await clerk.locator('#f-worksTo').fill('2027-02-26');
      await clerk.locator('#f-contractAmount').fill('30,000,000');
      await clerk.locator('#f-guaranteeAmount').fill('900,000');
      await clerk.locator('#f-guaranteeFrom').fill('2026-06-02');
      await clerk.locator('#f-guaranteeTo').fill('2027-02-26');
      await clerk.locator('#f-guaranteeDate').fill('2026-06-01');
      await clerk.getByRole('button', { name: '承認者に申込を送る' }).click();
      await clerk.waitForLoadState('load');

      // Not filed yet: the warning is next to 保証金額 and in the box that asks for the reason.
      expect(new URL(clerk.url()).pathname).toBe('/admin/drafts/new');
      const warning = '契約保証の保証金額（900,000円）が請負代金額（30,000,000円）の10%（3,000,000円）に足りません';
      expect(await clerk.locator('#f-guaranteeAmount-error').textContent()).toContain(warning);
      const box = clerk.locator('fieldset.acknowledge');
      expect(await box.locator('legend').textContent()).toBe('確認が必要な点（妥当性チェック）');
      expect(await box.locator('li').allTextContents()).toEqual([warning]);
      expect(await axeProblems(clerk)).toEqual([]);
      await shot(clerk, '01-clerk-warning');

      await clerk.locator('#f-plausibilityReason').fill(REASON);
      await clerk.getByRole('button', { name: '承認者に申込を送る' }).click();
      await clerk.waitForURL('**/admin/drafts?flash=draft.created');

      const approver = await logIn('approver@example.jp');
      await approver.goto(`${server.baseUrl}/admin/drafts`);
      await approver.getByRole('link', { name: '内容を見る' }).first().click();
      await approver.waitForLoadState('load');
      const panel = approver.locator('section.warning-panel');
      expect(await panel.locator('h2').textContent()).toBe('申込者が確認した注意（妥当性チェック）');
      expect(await panel.locator('li').allTextContents()).toEqual([warning]);
      expect(await panel.textContent()).toContain(`申込者の理由：${REASON}`);
      // The acknowledgement is the application's, not the certificate's: it is not among the values to publish.
      expect(await approver.locator('table.admin-table').first().textContent()).not.toContain(REASON);
      expect(await axeProblems(approver)).toEqual([]);
      await shot(approver, '02-approver-review');

      await approver.getByRole('button', { name: '承認して発行する' }).click();
      await approver.waitForURL(/\/admin\/sureties\/\d{5}-\d{6}\?flash=draft\.published/);
      await shot(approver, '03-published');
    },
  );
});
