// Browser test of the approver's reviews in Debian Chromium: a 変更取消 says which No. it undoes and what reverts, a
// 変更 and a 訂正 show labelled, formatted values before → after, a 取消 shows what ends and is refused by the server
// when its confirmation is missing (even with the page's `required` removed), and the audit log reads in names.
// axe-core runs on every screen (serious/critical findings fail); screenshots go to E2E_SCREENSHOT_DIR.
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
if (!available) console.warn(`[e2e] skipping review browser test: ${CHROMIUM_PATH} not found`);
const PASSWORD = 'correct horse battery staple 7';

describe.skipIf(!available)('approval reviews in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let shots: string;
  const problems: string[] = [];

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(shots, `review-${name}.png`), fullPage: true });

  async function logIn(email: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of (401|403|422)/.test(m.text())) problems.push(m.text());
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
    if (await page.getByRole('heading', { name: 'リカバリーコード' }).count()) {
      await page.getByRole('link', { name: /管理画面へ進む/ }).click();
    }
    await page.waitForURL(/\/admin$/);
    return page;
  }

  /** The clerk files an event from the guarantee's page; the approver opens the newest application of it. */
  async function file(clerk: Page, approver: Page, n: string, event: string, edit?: () => Promise<void>) {
    await clerk.goto(`${server.baseUrl}/admin/sureties/${n}`);
    await clerk.getByRole('link', { name: event, exact: true }).click();
    await clerk.waitForLoadState('load');
    if (edit) await edit();
    await clerk.locator('#f-reason').fill(`${event}の理由`);
    await clerk.getByRole('button', { name: '承認者に申込を送る' }).click();
    await clerk.waitForURL(/flash=draft\.created/);
    await approver.goto(`${server.baseUrl}/admin/sureties/${n}`);
    await approver.locator('section[aria-labelledby="drafts-h"] a', { hasText: '内容を見る' }).first().click();
    await approver.waitForLoadState('load');
    expect(await approver.locator('h1').innerText()).toContain(event);
    expect(await axeProblems(approver)).toEqual([]);
  }

  const cells = async (page: Page, label: string) =>
    (
      await page
        .locator('tr', { has: page.locator(`th:text-is("${label}")`) })
        .first()
        .innerText()
    ).split('\t');

  beforeAll(async () => {
    shots = process.env.E2E_SCREENSHOT_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-shots-'));
    fs.mkdirSync(shots, { recursive: true });
    [server, browser] = await Promise.all([startServer({ extras: true }), launchChromium()]);
    const platform = await openPlatform(
      loadConfig({ NODE_ENV: 'test', ESURETY_DATA_DIR: server.dataDir, ESURETY_DEMO: '0' }),
    );
    for (const [email, role] of [
      ['clerk@example.jp', 'clerk'],
      ['approver@example.jp', 'approver'],
    ] as const) {
      await createStaffUser(platform.ctx, { type: 'system', id: 'e2e' }, { email, role, password: PASSWORD });
    }
    // A contractor address on file, as an issuer's API publication would have given it.
    await platform.ctx.db
      .updateTable('sureties')
      .set({ contractor_email: 'tanaka@example.co.jp' })
      .where('contract_number', '=', server.demo[0]!.contractNumber)
      .execute();
    await platform.close();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (shots) console.info(`[e2e] review screenshots in ${shots}`);
  });

  it('reviews a 変更取消, a 変更, a 訂正 and a 取消 as an approver can check them', { timeout: 180_000 }, async () => {
    const clerk = await logIn('clerk@example.jp');
    const approver = await logIn('approver@example.jp');

    // 変更取消 of the 減額 (No.2): which No. it undoes, what reverts, and what officers will see.
    const expired = server.extra!.expired.contractNumber;
    await file(clerk, approver, expired, '変更取消');
    const lead = await approver.locator('section[aria-labelledby="base-h"]').innerText();
    expect(lead).toContain('No.2（内部連番 2）（変更（減額））');
    expect(lead).toContain('No.1（内部連番 1）（新規）の内容に戻します');
    expect(lead).toContain('No.2 が表示されなくなり、No.1 が最新の版になります');
    expect(await approver.getByRole('heading', { name: '元に戻る内容' }).count()).toBe(1);
    expect(await cells(approver, '保証金額')).toEqual(['保証金額', '4,400,000円', '4,840,000円']);
    expect(await cells(approver, '請負代金額（税込）')).toEqual(['請負代金額（税込）', '11,000,000円', '12,100,000円']);
    await shot(approver, '01-change-cancellation');
    await approver.getByRole('button', { name: '承認して発行する' }).click();
    await approver.waitForURL(/flash=draft\.published/);
    const history = await approver.locator('section[aria-labelledby="history-h"]').innerText();
    expect(history).toContain('変更取消の記録：変更取消');
    expect(history).toContain('非表示：変更取消（内部連番 3）で取り消されました');
    expect(await axeProblems(approver)).toEqual([]);
    await shot(approver, '02-detail-after-change-cancellation');

    // 変更: the form shows who will be mailed (masked); the review shows yen, not bare numbers.
    const demo = server.demo[0]!.contractNumber;
    await file(clerk, approver, demo, '変更', async () => {
      expect(await clerk.locator('main').innerText()).toContain('請負者の通知先メールアドレス：t***@example.co.jp');
      expect(await clerk.content()).not.toContain('tanaka@example.co.jp');
      expect(await axeProblems(clerk)).toEqual([]);
      await shot(clerk, '03-change-form');
      const amount = Number((await clerk.locator('#f-contractAmount').inputValue()).replace(/\D/g, ''));
      await clerk.locator('#f-contractAmount').fill(String(amount + 1_000_000));
    });
    const facts = await approver.locator('dl.check-meta').innerText();
    expect(facts).toContain('t***@example.co.jp');
    expect(await approver.locator('section[aria-labelledby="base-h"]').innerText()).toMatch(
      /No\.2（内部連番 2）（変更（増額））の内容を次のとおり変更します。承認すると、発注者の画面に No\.3 として表示されます/,
    );
    const [, before, after] = await cells(approver, '請負代金額（税込）');
    expect(before).toMatch(/^[\d,]+円$/);
    expect(after).toMatch(/^[\d,]+円$/);
    await shot(approver, '04-change');
    await approver.getByRole('button', { name: '承認して発行する' }).click();
    await approver.waitForURL(/flash=draft\.published/);

    // 訂正 of that 変更 (No.3): a date shown in 和暦 before → after.
    await file(clerk, approver, demo, '訂正', async () => {
      await clerk.locator('#f-guaranteeTo').fill('2028-03-31');
    });
    expect(await approver.locator('section[aria-labelledby="base-h"]').innerText()).toContain(
      'No.3（内部連番 3）（変更）を訂正します',
    );
    expect((await cells(approver, '保証期間（終了）'))[2]).toBe('令和10年3月31日');
    await shot(approver, '05-correction');

    // 取消: what ends; the server refuses the approval without the confirmation, even when the page's check is gone.
    const cancelled = server.demo[1]!.contractNumber;
    await file(clerk, approver, cancelled, '取消');
    const ends = await approver.locator('section[aria-labelledby="c-h"]').innerText();
    expect(ends).toContain('取り消される保証');
    expect(ends).toContain(cancelled);
    expect(ends).toMatch(/保証金額\t[\d,]+円/);
    expect(ends).toMatch(/保証期間（終了）\t令和\d+年\d+月\d+日/);
    expect(await approver.locator('section[aria-labelledby="base-h"]').innerText()).toContain('取消は元に戻せません');
    await shot(approver, '06-cancellation');
    await approver.locator('input[name="confirmCancellation"]').evaluate((e) => e.removeAttribute('required'));
    await approver.getByRole('button', { name: '取消を承認して発行する' }).click();
    await approver.waitForLoadState('load');
    expect(await approver.locator('.error-summary').innerText()).toContain(
      '「上記の保証を取り消すことを確認しました」にチェックを入れてから承認してください',
    );
    expect(await axeProblems(approver)).toEqual([]);
    await shot(approver, '07-cancellation-refused');
    await approver.goto(`${server.baseUrl}/admin/sureties/${cancelled}`);
    expect(await approver.locator('.banner').innerText()).not.toContain('取消');
    await approver.locator('section[aria-labelledby="drafts-h"] a', { hasText: '内容を見る' }).first().click();
    await approver.getByLabel('上記の保証を取り消すことを確認しました').check();
    await approver.getByRole('button', { name: '取消を承認して発行する' }).click();
    await approver.waitForURL(/flash=draft\.published/);
    expect(await approver.locator('.banner').innerText()).toContain('取消');

    // The audit log in names: no UUID on screen (the stored JSON is behind a toggle), versions by No.
    await approver.goto(`${server.baseUrl}/admin/audit`);
    const audit = await approver.locator('table').innerText();
    expect(audit).toContain('clerk@example.jp');
    expect(audit).toContain('変更取消の発行');
    expect(audit).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    expect(await axeProblems(approver)).toEqual([]);
    await shot(approver, '08-audit');
    await approver.locator('details summary').first().click();
    await shot(approver, '09-audit-raw-open');
    expect(problems).toEqual([]);
  });
});
