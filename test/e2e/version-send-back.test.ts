// Browser test (Debian Chromium) of a sent-back 変更: the clerk files a 変更 of a published 契約保証, the approver
// sends it back with a reason, the clerk reads it on 全体トップ, corrects the amount on the same application and
// resubmits, a different approver approves, and the guarantee shows the corrected amount; the application lists its
// four steps. axe-core runs on each screen; screenshots go to E2E_SCREENSHOT_DIR.
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
if (!available) console.warn(`[e2e] skipping version send-back browser test: ${CHROMIUM_PATH} not found`);
const PASSWORD = 'correct horse battery staple 7';
const REASON = '契約変更書では契約保証金額は 7,000,000円 です。金額を確認してください。';

describe.skipIf(!available)('a sent-back 変更 corrected and resubmitted, in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let shots: string;
  const problems: string[] = [];

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(shots, `version-send-back-${name}.png`), fullPage: true });
  const axeClean = async (page: Page) => expect(await axeProblems(page)).toEqual([]);

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
    if (shots) console.info(`[e2e] version send-back screenshots in ${shots}`);
  });

  it(
    'walks 変更 → 差戻し（理由）→ 修正・再申込 → 承認 and shows the corrected amount',
    { timeout: 180_000 },
    async () => {
      const n = server.demo.find((d) => d.product === 'contract')!.contractNumber;
      const clerk = await logIn('clerk@example.jp');
      await clerk.goto(`${server.baseUrl}/admin/sureties/${n}/actions/change`);
      expect(await clerk.locator('[name="contractorEmail"]').count()).toBe(0);
      await clerk.locator('#f-guaranteeAmount').fill('6,000,000');
      await clerk.locator('#f-reason').fill('契約変更による契約保証金額の変更');
      await clerk.getByRole('button', { name: '承認者に申込を送る' }).click();
      await clerk.waitForURL(`**/admin/sureties/${n}?flash=draft.created`);

      const approver = await logIn('approver@example.jp');
      await approver.goto(`${server.baseUrl}/admin/drafts`);
      await approver.getByRole('link', { name: '内容を見る' }).first().click();
      await approver.waitForLoadState('load');
      const id = /\/admin\/drafts\/([0-9a-f-]{36})$/.exec(approver.url())![1]!;
      await approver.locator('#f-reason').fill(REASON);
      await approver.getByRole('button', { name: '差し戻す' }).click();
      await approver.waitForURL('**/admin/drafts?flash=draft.rejected');

      // 全体トップ: the approver's words, and the way to the application.
      await clerk.goto(`${server.baseUrl}/admin`);
      const top = (await clerk.locator('main').textContent()) ?? '';
      expect(top).toContain('差戻しされた申込（1件）');
      expect(top).toContain(REASON);
      await axeClean(clerk);
      await clerk.getByRole('link', { name: new RegExp(`変更\\s*${n}`) }).click();
      await clerk.waitForURL(`**/admin/drafts/${id}`);
      expect(await clerk.locator('.send-back').textContent()).toContain(REASON);
      expect(await clerk.locator('main').textContent()).toContain('6,000,000円');
      await axeClean(clerk);
      await shot(clerk, '01-sent-back');

      // The same application, corrected on the guarantee's 変更 form and sent again.
      await clerk.getByRole('link', { name: '修正して再申込する' }).click();
      await clerk.waitForURL(`**/admin/drafts/${id}/edit`);
      expect(await clerk.locator('#f-guaranteeAmount').inputValue()).toBe('6000000');
      await axeClean(clerk);
      await shot(clerk, '02-edit');
      await clerk.locator('#f-guaranteeAmount').fill('7,000,000');
      await clerk.getByRole('button', { name: '承認者に申込を送る' }).click();
      await clerk.waitForURL(`**/admin/drafts/${id}?flash=draft.created`);

      await approver.goto(`${server.baseUrl}/admin/drafts/${id}`);
      expect(await approver.locator('.diff-table').first().textContent()).toContain('7,000,000円');
      await axeClean(approver);
      await approver.getByRole('button', { name: '承認して発行する' }).click();
      await approver.waitForURL(`**/admin/sureties/${n}?flash=draft.published`);
      const certificate = (await approver.locator('main').textContent()) ?? '';
      expect(certificate).toContain('7,000,000円');

      // The officers' certificate page shows the corrected amount too.
      const demo = server.demo.find((d) => d.contractNumber === n)!;
      const officer = await (await browser.newContext({ locale: 'ja-JP' })).newPage();
      await officer.goto(`${server.baseUrl}/`);
      await officer.getByRole('textbox', { name: '保証契約番号' }).fill(n);
      await officer.getByRole('textbox', { name: '認証キー' }).fill(demo.authKey);
      await officer.getByRole('button', { name: '確認する', exact: true }).click();
      await officer.waitForLoadState('load');
      expect(await officer.locator('main').textContent()).toContain('7,000,000円');

      await clerk.goto(`${server.baseUrl}/admin/drafts/${id}`);
      const history = await clerk.locator('.history-table tbody tr td:nth-child(2)').allTextContents();
      expect(history).toEqual(['申込', '差戻し', '再申込', '承認・発行']);
      expect(await clerk.locator('.history-table').textContent()).toContain(REASON);
      await axeClean(clerk);
      await clerk.locator('.history-table').scrollIntoViewIfNeeded();
      await shot(clerk, '03-history');
      expect(problems).toEqual([]);
    },
  );
});
