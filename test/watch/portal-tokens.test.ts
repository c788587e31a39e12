// The staff portal's obligee tokens (issue 17 item 3): an administrator makes one for an obligee organisation, sees it
// once, and it works on the watch API only after a different administrator approves it; revoking ends it at once.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { listAudit } from '../../src/repositories/audit-log.js';
import { loginAs } from '../admin/support.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';

describeEachDatabase('obligee tokens in the staff portal', (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
  });
  afterEach(async () => env.close());

  const watchList = (token: string) => env.api('GET', '/api/v1/watch', undefined, { authorization: `Bearer ${token}` });

  it('is shown once, waits for a second administrator, then works until revoked — each step audited', async () => {
    const maker = await loginAs(env, 'kanri1@hosho.example', 'admin');
    const checker = await loginAs(env, 'kanri2@hosho.example', 'admin');
    const screen = await maker.get('/admin/obligee-tokens');
    expect(screen.status).toBe(200);
    expect(screen.html).toContain('発注者APIトークン');
    expect(screen.html).toContain('<option value="mishima-city">三島市（mishima-city）</option>');

    const made = await maker.post('/admin/obligee-tokens', { obligee: 'mishima-city', name: '契約管理システム' });
    expect(made.status).toBe(200);
    const token = /class="secret">(eob_[A-Za-z0-9_-]+)</.exec(made.html)?.[1];
    expect(token).toBeDefined();
    expect(made.html).toContain('三島市 のトークンを作成しました');
    expect(made.html).toContain('別の管理者が承認するまで、このトークンは使えません。');
    // Shown once: the list afterwards never holds it.
    expect((await maker.get('/admin/obligee-tokens')).html).not.toContain(token!);
    expect((await watchList(token!)).status).toBe(401);

    // Its maker gets no approve button; the other administrator does.
    expect((await maker.get('/admin/obligee-tokens')).html).not.toContain('/approve');
    const pending = await checker.get('/admin/obligee-tokens');
    const id = /action="\/admin\/obligee-tokens\/([^/]+)\/approve"/.exec(pending.html)?.[1];
    expect(pending.html).toContain('承認待ち（まだ使えません）');
    const self = await maker.post(`/admin/obligee-tokens/${id}/approve`);
    expect(self.status).toBe(403);
    expect((await watchList(token!)).status).toBe(401);
    const approved = await checker.post(`/admin/obligee-tokens/${id}/approve`);
    expect(approved.status).toBe(303);
    expect((await checker.get(approved.headers.get('location')!)).html).toContain('発注者トークンを承認しました');
    expect((await watchList(token!)).status).toBe(200);

    // Issuer API tokens never reach the watch API, nor this token the issuer API.
    const n = (await publish(env)).contractNumber;
    expect(
      (await env.api('GET', `/api/v1/sureties/${n}`, undefined, { authorization: `Bearer ${token}` })).status,
    ).toBe(401);

    expect((await maker.post(`/admin/obligee-tokens/${id}/revoke`)).status).toBe(303);
    expect((await watchList(token!)).status).toBe(401);
    const actions = (await listAudit(env.ctx.db)).map((r) => r.action).filter((a) => a.startsWith('obligee_token.'));
    expect(actions).toEqual(['obligee_token.create', 'obligee_token.approve', 'obligee_token.revoke']);
    expect(JSON.stringify(await listAudit(env.ctx.db))).not.toContain(token!);
  });

  it('refuses an unknown obligee or an empty name with the reason on the page, and nothing is made', async () => {
    const admin = await loginAs(env, 'kanri1@hosho.example', 'admin');
    const unknown = await admin.post('/admin/obligee-tokens', { obligee: 'atlantis', name: 'x' });
    expect(unknown.status).toBe(422);
    expect(unknown.html).toContain('発注者 atlantis は登録されていません');
    const empty = await admin.post('/admin/obligee-tokens', { obligee: 'mishima-city', name: ' ' });
    expect(empty.status).toBe(422);
    expect(empty.html).not.toContain('eob_');
    expect((await admin.get('/admin/obligee-tokens')).html).toContain('発注者トークンはまだありません。');
  });

  it('is for administrators only', async () => {
    const clerk = await loginAs(env, 'jimu@hosho.example', 'clerk');
    expect((await clerk.get('/admin/obligee-tokens')).status).toBe(403);
    expect((await clerk.post('/admin/obligee-tokens', { obligee: 'mishima-city', name: 'x' })).status).toBe(403);
  });
});
