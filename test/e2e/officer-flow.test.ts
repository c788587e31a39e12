// Browser test of the officer's flow where it used to lose them: focus after a wrong key, how many tries remain and
// until when a pause lasts, 受領を確認する after the 30-minute view expired (re-enter the key, and the confirmation is
// made), what changed since the confirmed version, and the signature line under a 取消 banner. Real app and Chromium,
// a controllable clock (the view's expiry is the server's), axe-core on every page.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  axeProblems,
  CHROMIUM_PATH,
  chromiumInstalled,
  launchChromium,
  startServer,
  type TestServer,
} from './harness.js';

const available = chromiumInstalled();
if (!available) console.warn(`[e2e] skipping officer flow: ${CHROMIUM_PATH} not found`);

describe.skipIf(!available)('the officer flow in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let now = new Date('2026-11-24T05:30:00.000Z');
  const shots = process.env.E2E_SCREENSHOT_DIR ?? '/work/shots/officer';
  const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    fs.mkdirSync(shots, { recursive: true });
    [server, browser] = await Promise.all([startServer({ extras: true, clock: () => now }), launchChromium()]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function submit(contractNumber: string, authKey: string) {
    if (contractNumber) await page.getByRole('textbox', { name: '保証契約番号' }).fill(contractNumber);
    await page.getByRole('textbox', { name: '認証キー' }).fill(authKey);
    const answer = page.waitForResponse((r) => r.url().endsWith('/verify') && r.request().method() === 'POST');
    await page.getByRole('button', { name: '確認する', exact: true }).click();
    const response = await answer;
    await page.waitForLoadState('load');
    return response;
  }

  it('puts focus back on the key field after a wrong key and says how many tries remain', async () => {
    const advance = server.demo[0]!;
    await page.goto(`${server.baseUrl}/`);
    expect((await submit(advance.contractNumber, 'WrongKey2345')).status()).toBe(401);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('authKey');
    expect(await page.getAttribute('#authKey', 'aria-invalid')).toBe('true');
    const alert = await page.getByRole('alert').innerText();
    expect(alert).toContain('保証契約番号または認証キーが正しくありません');
    expect(alert).toContain('あと4回続けて誤ると、この端末からの確認が一時停止されます。');
    // The number stays filled in; typing goes straight into the key field.
    expect(await page.inputValue('#contractNumber')).toBe(advance.contractNumber);
    await page.keyboard.type('x');
    expect(await page.inputValue('#authKey')).toBe('x');
    expect(await axeProblems(page)).toEqual([]);
    await shot('10-wrong-key-focus');
  });

  it('says until when checks are paused, in JST, the same for a number that does not exist', async () => {
    await page.goto(`${server.baseUrl}/`);
    for (let i = 0; i < 5; i++) await submit('99999-999999', 'WrongKey2345');
    const response = await submit('99999-999999', 'WrongKey2345');
    expect(response.status()).toBe(429);
    const alert = await page.getByRole('alert').innerText();
    // Paused for the rest of the hour-long window that began at 14:30 JST: until 15時30分.
    expect(alert).toContain('この端末からの確認を15時30分まで一時停止しています（日本時間）');
    expect(await axeProblems(page)).toEqual([]);
    await shot('11-paused-until');
  });

  it('completes 受領を確認する after the view expired, once the key is entered again', async () => {
    const advance = server.demo[0]!;
    await page.goto(`${server.baseUrl}/`);
    expect((await submit(advance.contractNumber, advance.authKey)).status()).toBe(303);
    // Confirm No.1 (the first version), so that the current page has something to compare.
    await page.getByRole('link', { name: /No\.1（新規）/ }).click();
    await page.waitForLoadState('load');
    await page.getByLabel('部署名').fill('三島市 契約検査課');
    await page.getByLabel('氏名').fill('髙橋 花子');
    now = new Date(now.getTime() + 31 * 60_000);
    await page.getByRole('button', { name: '受領を確認する' }).click();
    await page.waitForLoadState('load');

    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.getByRole('status').first().innerText()).toContain(
      `保証契約番号 ${advance.contractNumber} の受領確認を完了します`,
    );
    expect(await page.inputValue('#contractNumber')).toBe(advance.contractNumber);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('authKey');
    expect(await axeProblems(page)).toEqual([]);
    await shot('12-expired-view-resume');

    expect((await submit('', advance.authKey)).status()).toBe(303);
    expect(new URL(page.url()).pathname).toBe(`/certificates/${advance.contractNumber}/versions/1`);
    const records = await page.locator('#receipt').innerText();
    expect(records).toContain('この版は受領確認済みです。');
    expect(records).toContain('髙橋 花子');
  });

  it('shows on the current version what changed since the confirmed one', async () => {
    await page.getByRole('link', { name: '最新の内容を表示' }).first().click();
    await page.waitForLoadState('load');
    const panel = await page.locator('#changes').innerText();
    expect(panel).toContain('受領確認した版（No.1 新規）');
    expect(panel).toContain('No.2 変更（増額）');
    expect(panel).toMatch(/保証金額\s+20,000,000円\s+22,000,000円/);
    expect(await axeProblems(page)).toEqual([]);
    await shot('13-what-changed');
  });

  it('says under a 取消 banner that the signature means unaltered content, not a valid guarantee', async () => {
    const cancelled = server.extra!.cancelled;
    await page.goto(`${server.baseUrl}/`);
    expect((await submit(cancelled.contractNumber, cancelled.authKey)).status()).toBe(303);
    const check = await page.locator('section.check').innerText();
    expect(check).toContain('署名検証: 改ざんなし');
    expect(check).toContain('記載内容は発行時から改ざんされていません（保証の状態は上記のとおり取消）');
    expect(check).not.toContain('署名検証: 有効');
    expect(await axeProblems(page)).toEqual([]);
    await shot('14-cancelled-signature');
  });
});
