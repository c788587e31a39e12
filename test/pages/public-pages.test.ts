// The officer's pages through HTTP: form, viewer grant, certificate, history, versions, language, CSRF.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { addVersion, contractBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';

describeEachDatabase('public pages', (kind) => {
  let env: TestEnv;
  let n: string;
  let key: string;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber: n, authKey: key } = await publish(env));
  });
  afterEach(async () => env.close());

  const form = (fields: Record<string, string>, cookie = '', client = '203.0.113.20') =>
    env.app.request('/verify', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://localhost:3000',
        'x-forwarded-for': client,
        ...(cookie ? { cookie } : {}),
      },
      body: new URLSearchParams(fields).toString(),
    });
  const grantOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const page = async (path: string, cookie: string) => {
    const res = await env.app.request(path, { headers: { cookie } });
    return { res, html: await res.text() };
  };

  it('shows the verification form in Japanese with help on the key alphabet', async () => {
    const res = await env.app.request('/');
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('<html lang="ja"');
    expect(html).toContain('保証契約番号');
    expect(html).toContain('認証キー');
    expect(html).toMatch(/0.*1.*O.*o.*I.*l/s);
  });

  it('verifies, sets an HttpOnly grant cookie and redirects to the certificate without the key in the URL', async () => {
    const res = await form({ contractNumber: n, authKey: key });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/certificates/${n}`);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toContain(key);
  });

  it('renders the certificate with title, addressee, era dates, yen, status and signature check', async () => {
    await addVersion(env, n, { event: 'change', changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 } });
    const grant = grantOf(await form({ contractNumber: n, authKey: key }));
    const { res, html } = await page(`/certificates/${n}`, grant);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    for (const text of [
      '前払金保証証書',
      '三島市長',
      '殿',
      '22,000,000円',
      '50,000,000円',
      '令和8年4月1日',
      '有効',
      '署名検証',
      '変更（増額）',
      '新規',
      '静岡中央銀行 三島支店',
    ]) {
      expect(html).toContain(text);
    }
    expect(html).not.toContain(key);
    const old = await page(`/certificates/${n}/versions/1`, grant);
    expect(old.html).toContain('20,000,000円');
    expect(old.html).not.toContain('22,000,000円');
  });

  it('shows only the visible history and refuses hidden versions', async () => {
    await addVersion(env, n, { event: 'change', changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 } });
    await addVersion(env, n, { event: 'change_cancellation', target: 2 });
    const grant = grantOf(await form({ contractNumber: n, authKey: key }));
    const { html } = await page(`/certificates/${n}`, grant);
    expect(html).not.toContain('変更（増額）');
    expect(html).toContain('20,000,000円');
    expect((await page(`/certificates/${n}/versions/2`, grant)).res.status).toBe(404);
  });

  it('shows banners for cancelled and expired guarantees', async () => {
    env.setNow('2027-05-01T00:00:00Z');
    const late = grantOf(await form({ contractNumber: n, authKey: key }));
    expect((await page(`/certificates/${n}`, late)).html).toContain('保証期間満了');
    env.setNow('2026-11-24T01:00:00Z');
    const grant = grantOf(await form({ contractNumber: n, authKey: key }));
    await addVersion(env, n, { event: 'cancellation' });
    const { html } = await page(`/certificates/${n}`, grant);
    expect(html).toContain('取消');
    expect(html).toContain('この保証は取り消されています');
  });

  it('answers a wrong key with 401 and the uniform message, keeping the typed number', async () => {
    const res = await form({ contractNumber: n, authKey: 'zzzzzzzzzzzz' });
    const html = await res.text();
    expect(res.status).toBe(401);
    expect(html).toContain('保証契約番号または認証キーが正しくありません');
    expect(html).toContain(`value="${n}"`);
    expect(html).not.toContain('zzzzzzzzzzzz');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('answers 429 with Retry-After once the pair limit is reached', async () => {
    for (let i = 0; i < 5; i++) await form({ contractNumber: n, authKey: 'zzzzzzzzzzzz' });
    const res = await form({ contractNumber: n, authKey: key });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await res.text()).toContain('一時停止しています（日本時間）');
  });

  it('opens exactly the granted certificates, up to ten at once', async () => {
    const other = await publish(env, contractBody());
    let grant = grantOf(await form({ contractNumber: n, authKey: key }));
    expect((await page(`/certificates/${other.contractNumber}`, grant)).res.status).toBe(303);
    grant = grantOf(await form({ contractNumber: other.contractNumber, authKey: other.authKey }, grant));
    expect((await page(`/certificates/${n}`, grant)).res.status).toBe(200);
    expect((await page(`/certificates/${other.contractNumber}`, grant)).res.status).toBe(200);
    for (let i = 0; i < 10; i++) {
      const s = await publish(env, contractBody());
      grant = grantOf(await form({ contractNumber: s.contractNumber, authKey: s.authKey }, grant));
    }
    expect((await page(`/certificates/${n}`, grant)).res.status).toBe(303);
  });

  it('redirects to the form without a grant, and ignores a forged or expired grant', async () => {
    expect((await page(`/certificates/${n}`, '')).res.headers.get('location')).toBe('/');
    const grant = grantOf(await form({ contractNumber: n, authKey: key }));
    const [name, value] = grant.split('=') as [string, string];
    const forged = `${name}=${Buffer.from(JSON.stringify([{ n: '10001-000002', e: 9e15 }])).toString('base64url')}.${value.split('.')[1]}`;
    expect((await page(`/certificates/10001-000002`, forged)).res.status).toBe(303);
    env.setNow('2026-11-24T01:31:00Z');
    expect((await page(`/certificates/${n}`, grant)).res.status).toBe(303);
  });

  it('refuses a form POST from another origin (CSRF)', async () => {
    const res = await env.app.request('/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ contractNumber: n, authKey: key }).toString(),
    });
    expect(res.status).toBe(403);
  });

  it('switches to English and remembers the choice', async () => {
    const res = await env.app.request('/?lang=en');
    const html = await res.text();
    expect(html).toContain('<html lang="en"');
    expect(html).toContain('Authentication key');
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(await (await env.app.request('/obligees', { headers: { cookie } })).text()).toContain(
      'Obligees accepting e-surety',
    );
  });

  it('lists the obligees accepting e-surety as a page and as JSON', async () => {
    const html = await (await env.app.request('/obligees')).text();
    expect(html).toContain('電子保証対応の発注者');
    expect(html).toContain('三島市');
    expect(html).toContain('令和8年1月1日');
    const json = (await (await env.app.request('/api/v1/obligees')).json()) as { obligees: { id: string }[] };
    expect(json.obligees.map((o) => o.id)).toEqual(['mishima-city']);
  });

  it('shows a failed signature check instead of tampered data', async () => {
    const grant = grantOf(await form({ contractNumber: n, authKey: key }));
    const row = await env.ctx.db
      .selectFrom('versions')
      .select('jws')
      .where('contract_number', '=', n)
      .executeTakeFirstOrThrow();
    const [h, p, s] = row.jws.split('.') as [string, string, string];
    const edited = Buffer.from(Buffer.from(p, 'base64url').toString('utf8').replace('三島支店', '偽物支店')).toString(
      'base64url',
    );
    await env.ctx.db
      .updateTable('versions')
      .set({ jws: `${h}.${edited}.${s}` })
      .where('contract_number', '=', n)
      .execute();
    const { res, html } = await page(`/certificates/${n}`, grant);
    expect(res.status).toBe(500);
    expect(html).toContain('署名検証に失敗しました');
    expect(html).not.toContain('偽物支店');
    expect(html).not.toContain('20,000,000円');
  });

  it('records each certificate view', async () => {
    const grant = grantOf(await form({ contractNumber: n, authKey: key }));
    await page(`/certificates/${n}`, grant);
    await env.ctx.recorder.flush();
    const views = await env.ctx.db.selectFrom('access_events').selectAll().where('kind', '=', 'view').execute();
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({ contract_number: n, seq: 1 });
  });

  it('renders errors as a Japanese page with a content security policy', async () => {
    const res = await env.app.request('/no-such-page');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('ページが見つかりません');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});
