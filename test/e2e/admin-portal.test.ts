// Browser test of the staff portal in Debian Chromium: log-in with TOTP enrolment, a clerk's application, a
// different approver's approval, a change with its diff, and the officer verifying the result on the public pages.
// axe-core runs on every staff screen (serious/critical findings fail); screenshots go to E2E_SCREENSHOT_DIR.
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
import {
  CHROMIUM_PATH,
  axeProblems,
  chromiumInstalled,
  launchChromium,
  startServer,
  type TestServer,
} from './harness.js';

const available = chromiumInstalled();
if (!available) console.warn(`[e2e] skipping staff portal browser test: ${CHROMIUM_PATH} not found`);
const PASSWORD = 'correct horse battery staple 7';

describe.skipIf(!available)('staff portal in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let shots: string;
  const secrets = new Map<string, string>();
  const problems: string[] = [];

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(shots, `admin-${name}.png`), fullPage: true });

  async function logIn(email: string, offsetMs = 0): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of (401|403|422)/.test(m.text())) problems.push(m.text());
    });
    await page.goto(`${server.baseUrl}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.getByLabel('メールアドレス').fill(email);
    await page.getByLabel('パスワード').fill(PASSWORD);
    await page.getByRole('button', { name: 'ログイン' }).click();
    await page.waitForURL('**/admin/mfa');
    let secret = secrets.get(email);
    if (!secret) {
      secret = (await page.locator('.secret').textContent()) ?? '';
      secrets.set(email, secret);
      expect(await axeProblems(page)).toEqual([]);
      await shot(page, `02-enrol-${email.split('@')[0]}`);
    }
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
    if (shots) console.info(`[e2e] staff screenshots in ${shots}`);
  });

  it(
    'runs draft → approve → publish → change with diff, and the officer verifies the result',
    { timeout: 120_000 },
    async () => {
      const loginPage = await (await browser.newContext({ locale: 'ja-JP' })).newPage();
      await loginPage.goto(`${server.baseUrl}/admin/login`);
      expect(await axeProblems(loginPage)).toEqual([]);
      await shot(loginPage, '01-login');

      // The clerk drafts a 前払金保証 with one mistake first: the message sits next to the field.
      const clerk = await logIn('clerk@example.jp');
      expect(await axeProblems(clerk)).toEqual([]);
      await clerk.goto(`${server.baseUrl}/admin/drafts/new?product=advance_payment`);
      const fill = async (label: string, value: string) =>
        clerk.getByLabel(label, { exact: false }).first().fill(value);
      await fill('請負者', '富士見建設株式会社');
      await fill('工事名', '市道北上線舗装工事');
      // The obligee's rules are checked live: a contract date before 三島市's start shows next to 発注者 at once.
      await clerk.locator('#f-contractDate').fill('2025-12-01');
      await expect
        .poll(() => clerk.locator('#f-obligeeId-live').textContent(), { timeout: 10_000 })
        .toContain('三島市の電子保証は請負契約締結日が令和8年1月1日以降の案件が対象です');
      expect(await clerk.locator('#f-obligeeId').getAttribute('aria-invalid')).toBe('true');
      expect(await axeProblems(clerk)).toEqual([]);
      await shot(clerk, '03a-draft-live-check');
      await clerk.locator('#f-contractDate').fill('2026-06-01');
      await expect.poll(() => clerk.locator('#f-obligeeId-live').textContent(), { timeout: 10_000 }).toBe('');
      await clerk.locator('#f-worksFrom').fill('2026-06-02');
      await clerk.locator('#f-worksTo').fill('2027-02-26');
      await clerk.locator('#f-contractAmount').fill('30,000,000');
      await clerk.locator('#f-guaranteeAmount').fill('40,000,000');
      expect(await clerk.locator('#ratio').textContent()).toBe('133.3%');
      await clerk.locator('#f-depositBank').fill('静岡中央銀行 三島支店');
      await clerk.locator('#f-guaranteeFrom').fill('2026-06-02');
      await clerk.locator('#f-guaranteeTo').fill('2027-03-31');
      await clerk.locator('#f-guaranteeDate').fill('2026-06-05');
      await clerk.getByRole('button', { name: '承認者に申込を送る' }).click();
      await clerk.waitForLoadState('load');
      expect(await clerk.locator('#f-guaranteeAmount-error').textContent()).toContain(
        '保証金額は請負代金額以下にしてください',
      );
      expect(await axeProblems(clerk)).toEqual([]);
      await shot(clerk, '03-draft-error');
      await clerk.locator('#f-guaranteeAmount').fill('12,000,000');
      expect(await clerk.locator('#ratio').textContent()).toBe('40.0%');
      await clerk.getByRole('button', { name: '承認者に申込を送る' }).click();
      await clerk.waitForURL('**/admin/drafts?flash=draft.created');
      expect(await axeProblems(clerk)).toEqual([]);
      await shot(clerk, '04-drafts');

      // A different approver approves: the guarantee is published.
      const approver = await logIn('approver@example.jp');
      await shot(approver, '05-dashboard');
      await approver.getByRole('link', { name: '内容を見る' }).first().click();
      await approver.waitForLoadState('load');
      expect(await axeProblems(approver)).toEqual([]);
      await shot(approver, '06-draft-review');
      await approver.getByRole('button', { name: '承認して発行する' }).click();
      await approver.waitForURL(/\/admin\/sureties\/\d{5}-\d{6}\?flash=draft\.published/);
      const number = /sureties\/(\d{5}-\d{6})/.exec(approver.url())![1]!;
      await approver.getByRole('button', { name: '認証キーを表示する' }).click();
      await approver.waitForLoadState('load');
      const key = ((await approver.locator('.key-box').textContent()) ?? '').trim();
      expect(key).toMatch(/^[2-9A-HJ-NP-Za-km-z]{12}$/);

      // 印刷: the script shows the button and it opens the browser's print; what prints is the key sheet alone.
      await approver.evaluate(() => {
        (window as unknown as { printed: number }).printed = 0;
        window.print = () => {
          (window as unknown as { printed: number }).printed++;
        };
      });
      await approver.getByRole('button', { name: '印刷' }).click();
      expect(await approver.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
      expect(await approver.locator('.print-sheet').isVisible()).toBe(false);
      await approver.emulateMedia({ media: 'print' });
      expect(await approver.locator('.print-sheet').isVisible()).toBe(true);
      expect(await approver.locator('#history-h').isVisible()).toBe(false);
      expect(await approver.locator('.admin-header').isVisible()).toBe(false);
      await shot(approver, '06a-key-print');
      const printed = await approver.pdf({ format: 'A4' });
      const pdfText = execFileSync('pdftotext', ['-layout', '-', '-'], { input: printed }).toString();
      expect(pdfText).toContain(key);
      expect(pdfText).toContain(number);
      expect(pdfText).not.toContain('履歴情報');
      await approver.emulateMedia({ media: 'screen' });
      expect(new URL(approver.url()).search).toBe('');

      // The notice PDF (it holds the key) downloads from a POST; the certificate PDF from a link.
      const [notice] = await Promise.all([
        approver.waitForEvent('download'),
        approver.getByRole('button', { name: '認証キーのお知らせ（PDF）' }).click(),
      ]);
      expect(notice.suggestedFilename()).toBe(`認証キーのお知らせ_${number}.pdf`);
      const [certificate] = await Promise.all([
        approver.waitForEvent('download'),
        approver.getByRole('link', { name: '保証証書（PDF・最新の版）' }).click(),
      ]);
      expect(certificate.suggestedFilename()).toMatch(new RegExp(`_${number}_No1\\.pdf$`));

      // The clerk drafts an increase (増額); the approver approves; the detail shows before → after.
      await clerk.goto(`${server.baseUrl}/admin/sureties/${number}`);
      expect(await clerk.getByRole('link', { name: '変更取消' }).count()).toBe(0);
      await clerk.getByRole('link', { name: '変更', exact: true }).click();
      await clerk.locator('#f-guaranteeAmount').fill('15,000,000');
      await clerk.locator('#f-contractAmount').fill('37,500,000');
      await clerk.locator('#f-reason').fill('請負代金額の増額に伴う保証金額の増額');
      expect(await axeProblems(clerk)).toEqual([]);
      await shot(clerk, '07-change-form');
      await clerk.getByRole('button', { name: '承認者に申込を送る' }).click();
      await clerk.waitForLoadState('load');
      await approver.goto(`${server.baseUrl}/admin/drafts`);
      await approver.getByRole('link', { name: '内容を見る' }).first().click();
      await approver.getByRole('button', { name: '承認して発行する' }).click();
      await approver.waitForURL(/\/admin\/sureties\//);
      const diff = approver.locator('section.version').nth(1);
      await expect(diff.locator('tr', { hasText: '保証金額' }).innerText()).resolves.toMatch(
        /12,000,000円\s+15,000,000円/,
      );
      expect(await axeProblems(approver)).toEqual([]);
      await shot(approver, '08-detail-with-diff');

      await approver.goto(`${server.baseUrl}/admin/sureties?worksName=北上`);
      expect(await approver.locator('tbody tr').count()).toBe(1);
      expect(await axeProblems(approver)).toEqual([]);
      await shot(approver, '09-list');
      await approver.goto(`${server.baseUrl}/admin/audit`);
      expect(await axeProblems(approver)).toEqual([]);
      await shot(approver, '10-audit');
      await clerk.goto(`${server.baseUrl}/admin/import`);
      expect(await axeProblems(clerk)).toEqual([]);
      await shot(clerk, '11-import');

      // The officer verifies on the public pages and sees the increase in the history.
      const officer = await (await browser.newContext({ locale: 'ja-JP' })).newPage();
      await officer.goto(`${server.baseUrl}/`);
      await officer.getByRole('textbox', { name: '保証契約番号' }).fill(number);
      await officer.getByRole('textbox', { name: '認証キー' }).fill(key);
      await officer.getByRole('button', { name: '確認する' }).click();
      await officer.waitForURL(`**/certificates/${number}`);
      expect(await officer.locator('body').innerText()).toContain('変更（増額）');
      expect(await officer.locator('body').innerText()).toContain('15,000,000円');
      await shot(officer, '12-officer-verifies');

      // Log-out ends the session: the portal asks for a log-in again.
      await clerk.getByRole('button', { name: 'ログアウト' }).click();
      await clerk.goto(`${server.baseUrl}/admin`);
      expect(new URL(clerk.url()).pathname).toBe('/admin/login');
      expect(problems).toEqual([]);
    },
  );
});
