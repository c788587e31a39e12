// The settings screen's e-seal panel (issue 19), on both databases: which e-seal signs the as-issued PDFs, its
// certificate's subject and validity, the TSA URL without its credentials, and the signing queue with the last error
// and next attempt — never the PKCS#12 password or the TSA password; without an e-seal it says PDFs are not signed.
// One screenshot of the panel (Chromium over the real app) goes to E2E_SCREENSHOT_DIR or /work/shots/h19lt.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { openSeal, type Seal } from '../../src/pdf-sign/open-seal.js';
import { publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { runSigningPass } from '../../src/services/signed-pdfs.js';
import { axeProblems, chromiumInstalled, launchChromium } from '../e2e/harness.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { makePki, startTsa, type TestPki, type TestTsa } from '../support/pki.js';
import { loginAs, type Staff } from './support.js';

let pki: TestPki;
let tsa: TestTsa;
beforeAll(async () => {
  pki = makePki();
  tsa = await startTsa(pki);
});
afterAll(async () => {
  await tsa.close();
  pki.cleanup();
});

const TSA_PASSWORD = 'tsa-Passw0rd-771';

describeEachDatabase('settings: e-seal and signing queue', (kind) => {
  let env: TestEnv;
  let seal: Seal | null = null;
  afterEach(async () => {
    seal?.close();
    seal = null;
    await env?.close();
  });

  it('says as-issued PDFs are not signed when no e-seal is configured', async () => {
    env = await setup(kind);
    const admin = await loginAs(env, 'admin@eseal.jp', 'admin');
    const page = await admin.get('/admin/settings');
    expect(page.status).toBe(200);
    expect(page.html).toContain('eシールが設定されていないため、発行時のPDFに電子署名をしていません');
    const en = await admin.get('/admin/settings?lang=en');
    expect(en.html).toContain('As-issued PDFs are not signed: no e-seal configured');
  });

  it('shows the certificate, the TSA without its credentials and a failing version, never a password', async () => {
    const tsaUrl = tsa.url.replace('http://', `http://stamp-user:${TSA_PASSWORD}@`);
    env = await setup(kind, {
      env: {
        ESURETY_PDF_SIGN_P12: pki.p12Path,
        ESURETY_PDF_SIGN_P12_PASSWORD: pki.p12Password,
        ESURETY_TSA_URL: tsaUrl,
      },
    });
    seal = (await openSeal(env.config))!;
    env.ctx.eSeal = seal.summary;
    await registerMishima(env);
    const admin = await loginAs(env, 'admin@eseal.jp', 'admin');
    tsa.failWith(503);
    let contractNumber: string;
    try {
      ({ contractNumber } = await publish(env));
      await publishCheckpoint(env.ctx); // the log checkpoint the as-issued PDF waits for (a second in production)
      expect(await runSigningPass(env.ctx, seal)).toBe(0);
    } finally {
      tsa.failWith(0);
    }
    const page = await admin.get('/admin/settings');
    const html = page.html;
    expect(html).toContain('PKCS#12 ファイル（開発用・eシール レベル1）');
    expect(html).toContain('CN=テスト保証株式会社 eシール, O=テスト保証株式会社, C=JP');
    expect(html).toContain('CN=Test e-Seal CA, O=Test Trust, C=JP');
    expect(html).toMatch(/令和\d+年\d+月\d+日 [\d:]+ から 令和\d+年\d+月\d+日/);
    expect(html).toContain(`${new URL(tsa.url).origin}/tsa`);
    expect(html).toContain('PAdES B-T（署名タイムスタンプ付き）');
    expect(html).toContain('署名済み 0件・署名待ち 1件（うち失敗して再試行待ち 1件）');
    expect(html).toContain(`${contractNumber} / seq 1`);
    expect(html).toContain('HTTP 503');
    for (const secret of [pki.p12Password, TSA_PASSWORD, 'stamp-user']) expect(html).not.toContain(secret);

    const en = await admin.get('/admin/settings?lang=en');
    expect(en.html).toContain('0 signed, 1 waiting (1 of them after a failed attempt)');
    expect(en.html).not.toMatch(/\{[A-Za-z]+\}/);

    // Signed on the next attempt: the failure disappears from the screen.
    env.setNow(new Date(env.now().getTime() + 60_000).toISOString());
    expect(await runSigningPass(env.ctx, seal)).toBe(1);
    const after = await admin.get('/admin/settings');
    expect(after.html).toContain('署名済み 1件・署名待ち 0件（うち失敗して再試行待ち 0件）');
    expect(after.html).not.toContain('HTTP 503');

    if (kind.name === 'sqlite' && chromiumInstalled()) await screenshot(env, admin, seal);
  });
});

/** The panel with one failing version, as a browser shows it (every request answered by the real app). */
async function screenshot(env: TestEnv, admin: Staff, seal: Seal): Promise<void> {
  tsa.failWith(503);
  try {
    await publish(env);
    await runSigningPass(env.ctx, seal);
  } finally {
    tsa.failWith(0);
  }
  const dir = process.env.E2E_SCREENSHOT_DIR ?? '/work/shots/h19lt';
  fs.mkdirSync(dir, { recursive: true });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      const res = await env.app.request(url.pathname + url.search, {
        headers: { cookie: `__Host-esurety_staff=${admin.cookie}`, 'x-forwarded-for': '198.51.100.20' },
      });
      await route.fulfill({
        status: res.status,
        headers: Object.fromEntries(res.headers),
        body: Buffer.from(await res.arrayBuffer()),
      });
    });
    await page.goto('https://esurety.test/admin/settings');
    const panel = page.locator('section[aria-labelledby="eseal-h"]');
    await panel.scrollIntoViewIfNeeded();
    expect(await axeProblems(page)).toEqual([]);
    await panel.screenshot({ path: path.join(dir, 'settings-eseal.png') });
    await page.screenshot({ path: path.join(dir, 'settings-full.png'), fullPage: true });
  } finally {
    await browser.close();
  }
}
