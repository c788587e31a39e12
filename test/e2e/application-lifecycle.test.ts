// Browser test of the clerk's application lifecycle in Debian Chromium: one combined 申込 (前払金保証＋契約保証) →
// 申込確認 → 送信完了 → sent back with a reason → the clerk reads it on 全体トップ, corrects the same application and
// resubmits → a different approver approves → both guarantees are published; then 下書き保存 and 取り下げ. axe-core
// runs on every new screen (serious/critical findings fail); screenshots go to E2E_SCREENSHOT_DIR.
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
if (!available) console.warn(`[e2e] skipping application lifecycle browser test: ${CHROMIUM_PATH} not found`);
const PASSWORD = 'correct horse battery staple 7';
const REASON = '契約保証の保証期間が工期の終了日を覆っていません。終了日を確認してください。';
const PERIOD_WARNING =
  '契約保証：保証期間の終了日（令和9年2月28日）が工期の終了日（令和9年3月19日）より前で、工期を保証していません';
const ACK_REASON = '発注者の指示で年度末までの保証とし、翌年度に延長します';

describe.skipIf(!available)('a clerk’s application from 申込作成 to publication, in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let shots: string;
  const problems: string[] = [];

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(shots, `apply-${name}.png`), fullPage: true });
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

  const fill = (page: Page, name: string, value: string) => page.locator(`[name="${name}"]`).fill(value);

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
    if (shots) console.info(`[e2e] application screenshots in ${shots}`);
  });

  it(
    'walks combined 申込 → 申込確認 → 送信完了 → 差戻し → 修正・再申込 → 承認, then 下書き and 取り下げ',
    { timeout: 180_000 },
    async () => {
      const clerk = await logIn('clerk@example.jp');
      await clerk.goto(`${server.baseUrl}/admin/drafts/new`);
      await clerk.getByRole('link', { name: '前払金保証＋契約保証（同じ工事の一括申込）' }).click();
      await clerk.waitForURL('**/admin/applications/new');
      await axeClean(clerk);
      // Works and contractor once; each guarantee in its own section.
      await fill(clerk, 'contractorName', '富士見建設株式会社');
      await fill(clerk, 'worksName', '市道大場線道路改良工事');
      await fill(clerk, 'contractDate', '2026-04-01');
      await fill(clerk, 'worksFrom', '2026-04-02');
      await fill(clerk, 'worksTo', '2027-03-19');
      await fill(clerk, 'contractAmount', '50,000,000');
      await fill(clerk, 'advance_payment.guaranteeAmount', '20,000,000');
      await fill(clerk, 'advance_payment.depositBank', '静岡中央銀行 三島支店');
      await fill(clerk, 'advance_payment.guaranteeFrom', '2026-04-02');
      await fill(clerk, 'advance_payment.guaranteeTo', '2027-04-30');
      await fill(clerk, 'advance_payment.guaranteeDate', '2026-04-10');
      await fill(clerk, 'contract.guaranteeAmount', '5,000,000');
      await fill(clerk, 'contract.guaranteeFrom', '2026-04-02');
      await fill(clerk, 'contract.guaranteeTo', '2027-02-28');
      await fill(clerk, 'contract.guaranteeDate', '2026-04-10');
      await shot(clerk, '01-form');
      await clerk.getByRole('button', { name: '申込確認へ進む' }).click();
      await clerk.waitForLoadState('load');
      await expect(clerk.getByRole('heading', { name: '申込確認' })).toBeDefined();
      const confirmText = (await clerk.locator('main').textContent()) ?? '';
      for (const expected of ['20,000,000円', '5,000,000円', '令和8年4月10日', '前払金保証の内容', '契約保証の内容'])
        expect(confirmText).toContain(expected);
      await axeClean(clerk);
      await shot(clerk, '02-confirm');
      // The 契約保証 ends before the works do: a plausibility warning naming its guarantee, acknowledged with a reason.
      const box = clerk.locator('fieldset.acknowledge');
      expect(await box.locator('li').allTextContents()).toEqual([PERIOD_WARNING]);
      await clerk.getByRole('button', { name: '送信する' }).click();
      // The browser itself asks for the reason first (the server does too: application-set-plausibility.test.ts).
      expect(
        await clerk
          .locator('#f-plausibilityReason')
          .evaluate((el) => (el as HTMLTextAreaElement).validity.valueMissing),
      ).toBe(true);
      expect(new URL(clerk.url()).pathname).toBe('/admin/applications');
      await clerk.locator('#f-plausibilityReason').fill(ACK_REASON);
      await axeClean(clerk);
      await box.scrollIntoViewIfNeeded();
      await shot(clerk, '02b-acknowledge');
      await clerk.getByRole('button', { name: '送信する' }).click();
      await clerk.waitForURL(/\/admin\/applications\/[0-9a-f-]{36}\/sent$/);
      expect(await clerk.locator('h1').textContent()).toBe('送信完了');
      await axeClean(clerk);
      await shot(clerk, '03-sent');
      const id = /applications\/([0-9a-f-]{36})\/sent/.exec(clerk.url())![1]!;

      // The approver sends it back: without a reason it is refused, with one it goes back to the clerk.
      const approver = await logIn('approver@example.jp');
      await approver.goto(`${server.baseUrl}/admin/drafts/${id}`);
      const review = (await approver.locator('main').textContent()) ?? '';
      expect(review).toContain('前払金保証の内容');
      expect(review).toContain('契約保証の内容');
      const warned = (await approver.locator('section.warning-panel').textContent()) ?? '';
      expect(warned).toContain(PERIOD_WARNING);
      expect(warned).toContain(`申込者の理由：${ACK_REASON}`);
      await axeClean(approver);
      await shot(approver, '04-approver-review');
      // The browser itself refuses an empty reason (the server does too: test/admin/application-lifecycle.test.ts).
      await approver.getByRole('button', { name: '差し戻す' }).click();
      expect(await approver.locator('#f-reason').evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).toBe(
        true,
      );
      expect(new URL(approver.url()).pathname).toBe(`/admin/drafts/${id}`);
      await approver.locator('#f-reason').fill(REASON);
      await approver.getByRole('button', { name: '差し戻す' }).click();
      await approver.waitForURL('**/admin/drafts?flash=draft.rejected');

      // The clerk's 全体トップ lists it with the approver's words; the application reads them with who and when.
      await clerk.goto(`${server.baseUrl}/admin`);
      const top = (await clerk.locator('main').textContent()) ?? '';
      expect(top).toContain('差戻しされた申込（1件）');
      expect(top).toContain(REASON);
      await axeClean(clerk);
      await shot(clerk, '05-top-sent-back');
      await clerk.getByRole('link', { name: /新規（前払金保証＋契約保証）/ }).click();
      await clerk.waitForURL(`**/admin/drafts/${id}`);
      expect(await clerk.locator('.send-back').textContent()).toContain('approver@example.jp');
      await axeClean(clerk);
      await shot(clerk, '06-sent-back-application');

      // Correct the same application: the form comes back filled; only the wrong date is retyped.
      await clerk.getByRole('link', { name: '修正して再申込する' }).click();
      await clerk.waitForURL(`**/admin/drafts/${id}/edit`);
      expect(await clerk.locator('[name="worksName"]').inputValue()).toBe('市道大場線道路改良工事');
      expect(await clerk.locator('[name="contract.guaranteeAmount"]').inputValue()).toBe('5000000');
      await axeClean(clerk);
      await fill(clerk, 'contract.guaranteeTo', '2027-03-19');
      await clerk.getByRole('button', { name: '申込確認へ進む' }).click();
      await clerk.waitForLoadState('load');
      await clerk.getByRole('button', { name: '送信する' }).click();
      await clerk.waitForURL(`**/admin/applications/${id}/sent`);

      // A different approver approves: both guarantees are published at once.
      await approver.goto(`${server.baseUrl}/admin/drafts/${id}`);
      await approver.getByRole('button', { name: '承認して発行する' }).click();
      await approver.waitForURL(`**/admin/drafts/${id}?flash=draft.published`);
      const numbers = await approver.locator('a[href^="/admin/sureties/"]').allTextContents();
      const published = numbers.filter((n) => /^\d{5}-\d{6}$/.test(n));
      expect(published).toHaveLength(2);
      for (const n of published) {
        await approver.goto(`${server.baseUrl}/admin/sureties/${n}`);
        expect(await approver.locator('main').textContent()).toContain('市道大場線道路改良工事');
      }

      // The application's history: 申込 → 差戻し (reason) → 再申込 → 承認・発行.
      await clerk.goto(`${server.baseUrl}/admin/drafts/${id}`);
      const history = await clerk.locator('.history-table tbody tr td:nth-child(2)').allTextContents();
      expect(history).toEqual(['申込', '差戻し', '再申込', '承認・発行']);
      expect(await clerk.locator('.history-table').textContent()).toContain(REASON);
      await axeClean(clerk);
      await shot(clerk, '07-history');

      // 下書き保存 of a half-typed form, then 取り下げ.
      await clerk.goto(`${server.baseUrl}/admin/applications/new`);
      await fill(clerk, 'worksName', '市道谷田線側溝整備工事');
      await clerk.getByRole('button', { name: '下書き保存' }).click();
      await clerk.waitForURL(/\/admin\/drafts\/[0-9a-f-]{36}\?flash=app\.saved$/);
      expect(await clerk.locator('.flash').first().textContent()).toContain('下書きを保存しました');
      await axeClean(clerk);
      await shot(clerk, '08-draft-saved');
      await clerk.getByRole('button', { name: '取り下げる' }).click();
      await clerk.waitForURL('**/admin/drafts?flash=draft.withdrawn');
      expect(problems).toEqual([]);
    },
  );
});
