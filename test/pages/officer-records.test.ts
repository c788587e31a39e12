// The public menu leads to the contractor's status page; under a certificate the officer types the 確認者 once for
// both the verification receipt (確認証跡) and the receipt confirmation (受領確認), and finds it filled in again
// after either action.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';

const ORIGIN = 'http://localhost:3000';

describeEachDatabase('site menu and the officer records form', (kind) => {
  let env: TestEnv;
  let n: string;
  let key: string;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber: n, authKey: key } = await publish(env));
  });
  afterEach(async () => env.close());

  const post = (path: string, fields: Record<string, string>, cookie = '') =>
    env.app.request(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: ORIGIN,
        'x-forwarded-for': '203.0.113.40',
        ...(cookie ? { cookie } : {}),
      },
      body: new URLSearchParams(fields).toString(),
    });
  const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const html = async (path: string, cookie = '') => (await env.app.request(path, { headers: { cookie } })).text();
  const count = (text: string, needle: string) => text.split(needle).length - 1;
  const officerCookie = (res: Response) =>
    (res.headers.getSetCookie().find((c) => c.startsWith('esurety_officer=')) ?? '').split(';')[0] ?? '';

  it('lists the contractor status page in the menu, in Japanese and in English', async () => {
    const ja = await html('/');
    const menu = /<nav aria-label="メインメニュー" class="site-nav">(.*?)<\/nav>/s.exec(ja)?.[1] ?? '';
    expect(menu).toContain('<a href="/status">確認状況（請負者向け）</a>');
    expect(await html('/status')).toContain('<a href="/status" aria-current="page">確認状況（請負者向け）</a>');
    expect(await html('/obligees?lang=en')).toContain('<a href="/status">Status (for contractors)</a>');
  });

  it('asks for department and name once, for both the verification receipt and the receipt confirmation', async () => {
    const grant = cookieOf(await post('/verify', { contractNumber: n, authKey: key }));
    const page = await html(`/certificates/${n}`, grant);
    expect(count(page, 'name="department"')).toBe(1);
    expect(count(page, 'name="officerName"')).toBe(1);
    expect(page).toContain('<legend>確認者</legend>');
    // One form, two actions: the receipt by default (names optional), the confirmation by its own button.
    expect(page).toContain(`<form method="post" action="/certificates/${n}/verification-receipts">`);
    expect(page).toMatch(
      /<button type="submit" class="button-secondary" formnovalidate="">確認証跡を発行する<\/button>/,
    );
    expect(page).toContain(`formaction="/certificates/${n}/receipt">受領を確認する</button>`);

    // The confirmation first; back on the page, the 確認者 is filled in for the receipt.
    const confirmed = await post(
      `/certificates/${n}/receipt`,
      { seq: '1', view: 'current', department: '三島市 契約検査課', officerName: '髙橋　花子' },
      grant,
    );
    expect(confirmed.headers.get('location')).toBe(`/certificates/${n}?f=receipt_recorded#receipt`);
    const officer = officerCookie(confirmed);
    expect(officer).not.toBe('');
    expect(confirmed.headers.getSetCookie().find((c) => c.startsWith('esurety_officer='))).toMatch(/HttpOnly/i);
    const after = await html(`/certificates/${n}?f=receipt_recorded`, `${grant}; ${officer}`);
    expect(after).toContain('value="三島市 契約検査課"');
    expect(after).toContain('value="髙橋 花子"');
    expect(after).toContain('この版は受領確認済みです。');
    // Another officer may still confirm: every confirmation is kept.
    expect(after).toContain('別の担当者として受領を確認することもできます。');
    expect(after).toContain('受領を確認する</button>');

    // The receipt then carries the same names, as posted by the filled-in form.
    const issued = await post(
      `/certificates/${n}/verification-receipts`,
      { seq: '1', department: '三島市 契約検査課', officerName: '髙橋 花子' },
      `${grant}; ${officer}`,
    );
    expect(issued.status).toBe(303);
    const receipt = await html(issued.headers.get('location') ?? '', grant);
    expect(receipt).toContain('髙橋 花子');
    expect(receipt).toContain('三島市 契約検査課');
  });

  it('remembers the names typed for a receipt for the confirmation, and never trusts an altered memo', async () => {
    const grant = cookieOf(await post('/verify', { contractNumber: n, authKey: key }));
    const issued = await post(
      `/certificates/${n}/verification-receipts`,
      { seq: '1', department: '契約検査課', officerName: '三島 太郎' },
      grant,
    );
    const officer = officerCookie(issued);
    const page = await html(`/certificates/${n}`, `${grant}; ${officer}`);
    expect(page).toContain('value="契約検査課"');
    expect(page).toContain('value="三島 太郎"');
    const [body] = officer.split('=')[1]?.split('.') ?? [];
    const forged = `esurety_officer=${Buffer.from(JSON.stringify(['<b>x</b>', 'y'])).toString('base64url')}.${body}`;
    const tampered = await html(`/certificates/${n}`, `${grant}; ${forged}`);
    expect(tampered).toContain('id="officer-department" name="department"');
    expect(tampered).not.toContain('value="契約検査課"');
    expect(tampered).not.toContain('<b>x</b>');
    // Without a viewer grant nothing is remembered: the post goes back to the form.
    expect(
      officerCookie(await post(`/certificates/${n}/receipt`, { seq: '1', department: 'a', officerName: 'b' })),
    ).toBe('');
  });
});
