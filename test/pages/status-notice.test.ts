// The contractor downloads the key notice again from /status with number + key: the same form's second button, the
// key only in the body, checked and throttled like verification (a wrong key here counts against the same limits),
// the download audited without the key and listed on the status page; the PDF renders and holds the issued key.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { listAudit } from '../../src/repositories/audit-log.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { postForm } from '../notifications/support.js';
import { rasterise, text } from '../documents/poppler.js';

describeEachDatabase('the key notice again from /status', (kind) => {
  let env: TestEnv;
  let n: string;
  let key: string;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber: n, authKey: key } = await publish(env));
  });
  afterEach(async () => env.close());

  it('offers the download on the same number + key form, posted, never with the key in a URL', async () => {
    const html = await (await env.app.request('/status')).text();
    expect(html).toContain('<form method="post" action="/status">');
    expect(html).toContain('formaction="/status/notice">お知らせ（PDF）をダウンロードする</button>');
  });

  it('hands out the notice for the right key, audited without the key, and lists the download', async () => {
    env.setNow('2026-11-24T03:15:00.000Z');
    const res = await postForm(env, '/status/notice', { contractNumber: n.replace('-', ''), authKey: key });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="notice-${n}.pdf"`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const pdf = new Uint8Array(await res.arrayBuffer());
    // The key is drawn one character per box: compare without the layout's spaces.
    const extracted = (await text(pdf)).stdout.replace(/\s+/g, '');
    expect(extracted).toContain(key);
    expect(extracted).toContain(n);
    const rendered = await rasterise(pdf, 50);
    expect(rendered.pages.length).toBeGreaterThan(0);
    expect(rendered.warnings).toBe('');

    const audit = (await listAudit(env.ctx.db, n)).filter((a) => a.action === 'notice.download');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'contractor' });
    expect(JSON.stringify(audit[0])).not.toContain(key);

    const status = await (await postForm(env, '/status', { contractNumber: n, authKey: key })).text();
    expect(status).toContain('令和8年11月24日 12:15:00　この確認状況ページからダウンロードされました');
  });

  it('answers a wrong key like verification, and those failures pause verification too', async () => {
    const wrong = await postForm(env, '/status/notice', { contractNumber: n, authKey: 'WrongKey2345' });
    expect(wrong.status).toBe(401);
    const html = await wrong.text();
    expect(html).toContain('保証契約番号または認証キーが正しくありません');
    expect(html).toContain('あと4回続けて誤ると');
    for (let i = 0; i < 4; i++) await postForm(env, '/status/notice', { contractNumber: n, authKey: 'WrongKey2345' });
    expect((await postForm(env, '/status/notice', { contractNumber: n, authKey: key })).status).toBe(429);
    expect((await postForm(env, '/verify', { contractNumber: n, authKey: key })).status).toBe(429);
    expect((await listAudit(env.ctx.db, n)).some((a) => a.action === 'notice.download')).toBe(false);
  });
});
