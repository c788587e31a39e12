// The 電子保証概要 screen's key sheet and documents through the real staff routes: the printable key sheet, the
// notice PDF (clerks and approvers only, a POST, audited without the key) and the certificate PDF for every role.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { text } from '../documents/poppler.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { loginAs, type Staff } from './support.js';

async function pdfOf(env: TestEnv, staff: Staff, method: 'GET' | 'POST', path: string) {
  const headers: Record<string, string> = {
    cookie: `__Host-esurety_staff=${staff.cookie}`,
    'x-forwarded-for': '198.51.100.20',
  };
  let body: string | undefined;
  if (method === 'POST') {
    headers.origin = 'http://localhost:3000';
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams({ _csrf: staff.csrf }).toString();
  }
  const res = await env.app.request(path, { method, headers, ...(body ? { body } : {}) });
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}

describeEachDatabase('電子保証概要: key sheet and documents', (kind) => {
  let env: TestEnv;
  let clerk: Staff;
  let approver: Staff;
  let admin: Staff;
  let number = '';
  let key = '';
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber: number, authKey: key } = await publish(env));
    clerk = await loginAs(env, 'clerk@docs.jp', 'clerk');
    approver = await loginAs(env, 'approver@docs.jp', 'approver');
    admin = await loginAs(env, 'admin@docs.jp', 'admin');
  });
  afterAll(async () => env?.close());

  it('puts the shown key on a sheet that only the print stylesheet reveals, with a 印刷 button wired by script', async () => {
    const before = await approver.get(`/admin/sureties/${number}`);
    expect(before.html).not.toContain(key);
    expect(before.html).not.toContain('class="print-sheet"');
    const shown = await approver.post(`/admin/sureties/${number}/key`);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('cache-control')).toBe('no-store');
    const sheet = /<section class="print-sheet"[\s\S]*?<\/section>/.exec(shown.html)?.[0] ?? '';
    expect(sheet).toContain('電子保証にかかる『認証キー』');
    expect(sheet).toContain(`<td class="print-key">${key}</td>`);
    expect(sheet).toContain(`<td class="print-number">${number}</td>`);
    expect(sheet).toContain('市道大場線道路改良工事');
    expect(sheet).toContain('20,000,000円');
    expect(sheet).toContain('確認先：http://localhost:3000/');
    expect(sheet).toContain('0（ゼロ）・O・o・1（いち）・I・l は使われていません');
    // On screen the sheet is hidden; in print everything else in <main> is.
    expect(shown.html).toContain('.print-sheet { display:none; }');
    expect(shown.html).toMatch(/@media print \{\s*\.admin-main:has\(> \.print-sheet\) > :not\(\.print-sheet\)/);
    // The button needs a script (hidden without one), and the script only calls the browser's print.
    expect(shown.html).toMatch(
      /<button type="button" class="button-secondary no-print" data-print="true" hidden="">印刷/,
    );
    expect(shown.html).toMatch(
      /<script nonce="[^"]+">\(function\(\)\{var b=document\.querySelector\('\[data-print\]'\)/,
    );
    // Nowhere in a link or form target.
    expect(shown.html).not.toMatch(new RegExp(`(href|action)="[^"]*${key}`));
  });

  it('lets clerks and approvers download the key notice with a POST, audited without the key', async () => {
    for (const staff of [clerk, approver]) {
      const { res, bytes } = await pdfOf(env, staff, 'POST', `/admin/sureties/${number}/notice.pdf`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-disposition')).toMatch(
        new RegExp(`^attachment; filename="notice-${number}\\.pdf"; filename\\*=UTF-8''`),
      );
      const { stdout } = await text(bytes);
      expect(stdout).toContain(number);
      // The key is drawn one character per box.
      expect(stdout.replace(/\s+/g, '')).toContain(key);
    }
    const rows = await env.ctx.db
      .selectFrom('audit_log')
      .select(['actor_type', 'detail'])
      .where('action', '=', 'notice.print')
      .where('contract_number', '=', number)
      .execute();
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.actor_type === 'staff' && !r.detail.includes(key))).toBe(true);
    // An administrator may not see the key, so not the notice either; nor is there a GET for it.
    expect((await admin.post(`/admin/sureties/${number}/notice.pdf`)).status).toBe(403);
    expect((await clerk.get(`/admin/sureties/${number}/notice.pdf`)).status).toBe(404);
  });

  it('offers every role the certificate PDF of the current version, and the notice only to those who may see keys', async () => {
    const { res, bytes } = await pdfOf(env, admin, 'GET', `/admin/sureties/${number}/certificate.pdf`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toMatch(
      new RegExp(`^attachment; filename="certificate-${number}-no1\\.pdf"`),
    );
    const { stdout } = await text(bytes);
    expect(stdout).toContain('市道大場線道路改良工事');
    expect(stdout).not.toContain(key);
    const adminPage = await admin.get(`/admin/sureties/${number}`);
    expect(adminPage.html).toContain(`href="/admin/sureties/${number}/certificate.pdf"`);
    expect(adminPage.html).not.toContain(`/admin/sureties/${number}/notice.pdf`);
    const clerkPage = await clerk.get(`/admin/sureties/${number}`);
    expect(clerkPage.html).toContain(`<form method="post" action="/admin/sureties/${number}/notice.pdf">`);
    expect((await admin.get('/admin/sureties/99999-999999/certificate.pdf')).status).toBe(404);
  });
});
