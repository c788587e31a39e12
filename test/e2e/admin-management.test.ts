// Browser test of the staff portal's management screens in Debian Chromium: the mail screen with a real dead letter
// and 再送, the settings screen, an obligee rule change and a key reissue each requested by one person and approved by
// another. axe-core runs on every screen (serious/critical findings fail); screenshots go to E2E_SCREENSHOT_DIR.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { createSmtpTransport } from '../../src/mail/transport.js';
import { MailWorker } from '../../src/mail/worker.js';
import { openPlatform } from '../../src/platform.js';
import { totpAt } from '../../src/security/totp.js';
import { publishSurety } from '../../src/services/publish-surety.js';
import { createStaffUser } from '../../src/services/staff/accounts.js';
import { advanceBody } from '../support/fixtures.js';
import { startSink } from '../notifications/mail-sink.js';
import {
  CHROMIUM_PATH,
  axeProblems,
  chromiumInstalled,
  launchChromium,
  startServer,
  type TestServer,
} from './harness.js';

const available = chromiumInstalled();
if (!available) console.warn(`[e2e] skipping staff management browser test: ${CHROMIUM_PATH} not found`);
const PASSWORD = 'correct horse battery staple 7';

describe.skipIf(!available)('staff management screens in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let shots: string;
  let mailNumber = '';
  const problems: string[] = [];

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(shots, `admin-mgmt-${name}.png`), fullPage: true });

  async function logIn(email: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of (401|403|409|422)/.test(m.text())) problems.push(m.text());
    });
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
    const sink = await startSink({ rejectRecipient: () => 550 });
    try {
      for (const [email, role] of [
        ['admin@example.jp', 'admin'],
        ['clerk@example.jp', 'clerk'],
        ['approver@example.jp', 'approver'],
      ] as const) {
        await createStaffUser(platform.ctx, { type: 'system', id: 'e2e' }, { email, role, password: PASSWORD });
      }
      // A real dead letter: the contractor's mail server refuses the address for good.
      const published = await publishSurety(
        platform.ctx,
        { type: 'system', id: 'e2e' },
        advanceBody({ contractorEmail: 'keiyaku@fujimi-kensetsu.example.jp' }),
      );
      mailNumber = published.contractNumber;
      const worker = new MailWorker(platform.ctx, { transport: createSmtpTransport(sink.url), random: () => 0.5 });
      expect(await worker.tick()).toMatchObject({ dead: 1 });
    } finally {
      await sink.close();
      await platform.close();
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (shots) console.info(`[e2e] staff management screenshots in ${shots}`);
  });

  it(
    'shows and resends a dead letter, shows the settings, and applies requests only on another person’s approval',
    { timeout: 150_000 },
    async () => {
      const admin = await logIn('admin@example.jp');
      const panel = admin.locator('section', { has: admin.getByRole('heading', { name: 'メール送信' }) });
      expect(await panel.innerText()).toContain('送信に失敗して止まっているメールが1件あります。');
      expect(await axeProblems(admin)).toEqual([]);
      await shot(admin, '01-dashboard');

      // The mail screen opens on the dead letter; 再送 queues it again.
      await panel.getByRole('link', { name: '送信失敗のメールを確認する' }).click();
      await admin.waitForURL('**/admin/outbox?state=dead');
      const row = admin.locator('tbody tr').first();
      expect(await row.innerText()).toContain('ke***@fujimi-kensetsu.example.jp');
      expect(await row.innerText()).toContain('宛先のメールアドレスが存在しないか');
      expect(await admin.locator('body').innerText()).not.toContain('keiyaku@');
      expect(await axeProblems(admin)).toEqual([]);
      await shot(admin, '02-outbox-dead');
      await row.getByRole('button', { name: /を再送する$/ }).click();
      await admin.waitForURL(/\/admin\/outbox\?state=pending&flash=mail\.retried/);
      expect(await admin.locator('.flash').first().innerText()).toContain('再送の手配をしました');
      expect(await admin.locator('tbody').innerText()).toContain(mailNumber);
      expect(await axeProblems(admin)).toEqual([]);
      await shot(admin, '03-outbox-retried');

      await admin.getByRole('link', { name: '設定', exact: true }).click();
      await admin.waitForURL('**/admin/settings');
      expect(await admin.locator('body').innerText()).toContain('署名に使用中');
      expect(await axeProblems(admin)).toEqual([]);
      await shot(admin, '04-settings');

      // An obligee rule change: requested by the administrator…
      await admin.goto(`${server.baseUrl}/admin/obligees/mishima-city`);
      await admin.locator('[id="f-rule0.effectiveFrom"]').fill('2026-04-01');
      expect(await axeProblems(admin)).toEqual([]);
      await shot(admin, '05-obligee-form');
      await admin.getByRole('button', { name: '変更を申請する' }).click();
      await admin.waitForURL(/\/admin\/drafts\/[0-9a-f-]{36}\?flash=request\.created/);
      const requestPath = new URL(admin.url()).pathname;
      expect(await admin.locator('body').innerText()).toContain('承認者の承認を待っています');
      expect(await axeProblems(admin)).toEqual([]);
      await shot(admin, '06-obligee-request');

      // …applied by an approver, who sees 変更前 → 変更後.
      const approver = await logIn('approver@example.jp');
      expect(await approver.locator('body').innerText()).toContain('発注者の登録・変更');
      await approver.goto(`${server.baseUrl}${requestPath}`);
      expect(await approver.locator('.diff-after').last().innerText()).toContain('令和8年4月1日');
      expect(await axeProblems(approver)).toEqual([]);
      await shot(approver, '07-obligee-review');
      await approver.getByRole('button', { name: '承認して適用する' }).click();
      await approver.waitForURL('**?flash=request.applied');
      expect(await approver.locator('body').innerText()).toContain('適用済み');

      // A key reissue: requested by a clerk, applied by the approver.
      const clerk = await logIn('clerk@example.jp');
      await clerk.goto(`${server.baseUrl}/admin/sureties/${mailNumber}`);
      await clerk.getByLabel('再発行の理由').fill('請負者が認証キーを紛失したため');
      await clerk.getByRole('button', { name: '認証キーの再発行を申請する' }).click();
      await clerk.waitForURL('**?flash=reissue.requested');
      expect(await axeProblems(clerk)).toEqual([]);
      await shot(clerk, '08-reissue-requested');
      await approver.goto(`${server.baseUrl}/admin/drafts`);
      await approver.getByRole('link', { name: '内容を見る' }).first().click();
      expect(await approver.locator('body').innerText()).toContain('請負者が認証キーを紛失したため');
      expect(await axeProblems(approver)).toEqual([]);
      await shot(approver, '09-reissue-review');
      await approver.getByRole('button', { name: '承認して適用する' }).click();
      await approver.waitForURL(`**/admin/sureties/${mailNumber}?flash=reissue.applied`);
      expect(await approver.locator('.flash').first().innerText()).toContain('認証キーを再発行しました');

      // The English versions pass the same checks.
      await admin.goto(`${server.baseUrl}/admin/settings?lang=en`);
      expect(await admin.locator('h1').innerText()).toBe('Settings');
      expect(await axeProblems(admin)).toEqual([]);
      await admin.goto(`${server.baseUrl}/admin/outbox?state=sent`);
      expect(await axeProblems(admin)).toEqual([]);
      await shot(admin, '10-outbox-en');
      expect(problems).toEqual([]);
    },
  );
});
