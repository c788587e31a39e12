// Staff accounts and sessions through the real app: cookie attributes, TOTP, timeouts, log-out, disabling,
// throttling, CSRF, and the whole role × route matrix generated from the route table.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Hono } from 'hono';
import { staffGuard } from '../../src/routes/admin/guard.js';
import { assertGuardedByTable } from '../../src/routes/admin/index.js';
import type { AdminEnv } from '../../src/routes/admin/kit.js';
import { ROUTES } from '../../src/routes/admin/route-table.js';
import { setStaffDisabled } from '../../src/services/staff/accounts.js';
import { otpauthUri, totpAt } from '../../src/security/totp.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { qrCodesInDataUrl } from '../documents/poppler.js';
import { csrfOf, loginAs, PASSWORD, request, type Staff } from './support.js';

describeEachDatabase('staff accounts and sessions', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
  });
  afterAll(async () => env?.close());

  it('logs in with password then TOTP enrolment, in a __Host- cookie that is HttpOnly, Secure and SameSite=Strict', async () => {
    const { createStaffUser } = await import('../../src/services/staff/accounts.js');
    await createStaffUser(
      env.ctx,
      { type: 'system', id: 't' },
      { email: 'first@example.jp', role: 'clerk', password: PASSWORD },
    );
    const login = await env.app.request('/admin/login', {
      method: 'POST',
      headers: { origin: 'http://localhost:3000', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'First@Example.jp', password: PASSWORD }).toString(),
    });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/admin/mfa');
    const set = login.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/^__Host-esurety_staff=/);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/Secure/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\//);
    expect(login.headers.get('cache-control')).toBe('no-store');
    const half = set.split(';')[0]!.split('=')[1]!;
    // A half session opens only the TOTP screens.
    expect((await request(env, 'GET', '/admin/sureties', half)).headers.get('location')).toBe('/admin/mfa');
    const enrol = await request(env, 'GET', '/admin/mfa', half);
    expect(enrol.html).toContain('二要素認証の設定');
    const qr = /<img src="(data:image\/png;base64,[^"]+)"/.exec(enrol.html)?.[1];
    expect(qr).toBeDefined();
    const secret = /class="secret">([A-Z2-7]+)</.exec(enrol.html)![1]!;
    // The enrolment QR code is what an authenticator app reads: the otpauth URI of the key shown beside it.
    expect(await qrCodesInDataUrl(qr!)).toEqual([otpauthUri(secret, 'first@example.jp', env.ctx.config.issuerName)]);
    const wrong = await request(env, 'POST', '/admin/mfa', half, { code: '000000', _csrf: csrfOf(enrol.html) });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('確認コードが正しくありません');
    const ok = await request(env, 'POST', '/admin/mfa', half, {
      code: totpAt(secret, env.now().getTime()),
      _csrf: csrfOf(enrol.html),
    });
    expect(ok.status).toBe(200);
    expect(ok.html).toContain('リカバリーコード');
    const codes = [...ok.html.matchAll(/<li>([a-z0-9]{5}-[a-z0-9]{5})<\/li>/g)].map((m) => m[1]!);
    expect(codes).toHaveLength(10);
    // A new session id once fully logged in; the half-session token opens nothing any more.
    expect(ok.cookie).toBeTruthy();
    expect(ok.cookie).not.toBe(half);
    expect((await request(env, 'GET', '/admin', half)).headers.get('location')).toBe('/admin/login');
    const home = await request(env, 'GET', '/admin', ok.cookie);
    expect(home.status).toBe(200);
    expect(home.headers.get('cache-control')).toBe('no-store');
    expect(home.html).toContain('first@example.jp');

    // Next log-in: the same TOTP code (same step) is refused as a replay, a recovery code works exactly once.
    const again = await request(env, 'POST', '/admin/login', null, { email: 'first@example.jp', password: PASSWORD });
    const mfa = await request(env, 'GET', '/admin/mfa', again.cookie);
    const replay = await request(env, 'POST', '/admin/mfa', again.cookie, {
      code: totpAt(secret, env.now().getTime()),
      _csrf: csrfOf(mfa.html),
    });
    expect(replay.status).toBe(401);
    // Said as such: the code was right but used, so the clerk waits for the next one instead of doubting the app.
    expect(replay.html).toContain('この確認コードはすでに使われています');
    expect(replay.html).not.toContain('確認コードが正しくありません');
    const stillWrong = await request(env, 'POST', '/admin/mfa', again.cookie, {
      code: '000000',
      _csrf: csrfOf(mfa.html),
    });
    expect(stillWrong.html).toContain('確認コードが正しくありません');
    const viaRecovery = await request(env, 'POST', '/admin/mfa', again.cookie, {
      code: codes[0]!.toUpperCase(),
      _csrf: csrfOf(mfa.html),
    });
    expect(viaRecovery.status).toBe(303);
    const third = await request(env, 'POST', '/admin/login', null, { email: 'first@example.jp', password: PASSWORD });
    const mfa3 = await request(env, 'GET', '/admin/mfa', third.cookie);
    const reused = await request(env, 'POST', '/admin/mfa', third.cookie, {
      code: codes[0]!,
      _csrf: csrfOf(mfa3.html),
    });
    expect(reused.status).toBe(401);
  });

  it('answers a wrong password and an unknown account with the same message', async () => {
    const a = await request(env, 'POST', '/admin/login', null, {
      email: 'first@example.jp',
      password: 'wrong password 123',
    });
    const b = await request(env, 'POST', '/admin/login', null, { email: 'nobody@example.jp', password: PASSWORD });
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(a.html).toContain('メールアドレスまたはパスワードが正しくありません');
    expect(b.html).toContain('メールアドレスまたはパスワードが正しくありません');
    expect(a.cookie).toBeNull();
  });

  it('throttles an account from one client after 10 failures, even with the right password, and tells the user to wait', async () => {
    const { createStaffUser } = await import('../../src/services/staff/accounts.js');
    await createStaffUser(
      env.ctx,
      { type: 'system', id: 't' },
      { email: 'target@example.jp', role: 'clerk', password: PASSWORD },
    );
    for (let i = 0; i < 10; i++) {
      expect(
        (
          await request(env, 'POST', '/admin/login', null, {
            email: 'target@example.jp',
            password: `bad password ${i}`,
          })
        ).status,
      ).toBe(401);
    }
    const blocked = await request(env, 'POST', '/admin/login', null, {
      email: 'target@example.jp',
      password: PASSWORD,
    });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(blocked.html).toContain('ログインの試行回数が上限に達しました');
    env.setNow(new Date(env.now().getTime() + 16 * 60_000).toISOString());
    expect(
      (await request(env, 'POST', '/admin/login', null, { email: 'target@example.jp', password: PASSWORD })).status,
    ).toBe(303);
  });

  it('ends a session after 30 idle minutes and after 12 hours however active, and on log-out', async () => {
    const s = await loginAs(env, 'idle@example.jp', 'clerk');
    env.setNow(new Date(env.now().getTime() + 29 * 60_000).toISOString());
    expect((await s.get('/admin')).status).toBe(200);
    env.setNow(new Date(env.now().getTime() + 31 * 60_000).toISOString());
    expect((await s.get('/admin')).headers.get('location')).toBe('/admin/login');

    const active = await loginAs(env, 'idle@example.jp', 'clerk', { secret: s.secret });
    for (let i = 0; i < 25; i++) {
      env.setNow(new Date(env.now().getTime() + 29 * 60_000).toISOString());
      const r = await active.get('/admin');
      if (i < 24) expect(r.status).toBe(200);
      else expect(r.headers.get('location')).toBe('/admin/login');
    }

    const out = await loginAs(env, 'idle@example.jp', 'clerk', { secret: s.secret });
    expect((await out.post('/admin/logout')).headers.get('location')).toBe('/admin/login');
    expect((await out.get('/admin')).headers.get('location')).toBe('/admin/login');
  });

  it('disabling a user ends their sessions at once', async () => {
    const s = await loginAs(env, 'leaver@example.jp', 'approver');
    expect((await s.get('/admin')).status).toBe(200);
    const user = await env.ctx.db
      .selectFrom('staff_users')
      .select('id')
      .where('email', '=', 'leaver@example.jp')
      .executeTakeFirstOrThrow();
    await setStaffDisabled(env.ctx, { type: 'system', id: 't' }, user.id, true);
    expect((await s.get('/admin')).headers.get('location')).toBe('/admin/login');
    const relogin = await request(env, 'POST', '/admin/login', null, {
      email: 'leaver@example.jp',
      password: PASSWORD,
    });
    expect(relogin.status).toBe(401);
  });

  it('refuses a staff form without the session CSRF token, and one from another origin', async () => {
    const s = await loginAs(env, 'csrf@example.jp', 'admin');
    const noToken = await request(env, 'POST', '/admin/tokens', s.cookie, { name: 'x' });
    expect(noToken.status).toBe(403);
    expect(noToken.html).toContain('フォームの有効期限が切れました');
    const foreign = await env.app.request('/admin/tokens', {
      method: 'POST',
      headers: {
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `__Host-esurety_staff=${s.cookie}`,
      },
      body: new URLSearchParams({ name: 'x', _csrf: s.csrf }).toString(),
    });
    expect(foreign.status).toBe(403);
    const count = await env.ctx.db
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('name', '=', 'x')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });
});

describeEachDatabase('role × route matrix (from the route table)', (kind) => {
  let env: TestEnv;
  const staff: Record<string, Staff> = {};
  let contractNumber = '';
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber } = await publish(env));
    for (const role of ['admin', 'clerk', 'approver'] as const)
      staff[role] = await loginAs(env, `${role}@matrix.jp`, role);
  });
  afterAll(async () => env?.close());

  const fill = (path: string) =>
    path
      .replace(':n', contractNumber)
      .replace(':event', 'change')
      .replace(':id', '00000000-0000-0000-0000-000000000000');

  for (const route of ROUTES) {
    it(`${route.method} /admin${route.path} (${Array.isArray(route.access) ? route.access.join('/') : route.access})`, async () => {
      const path = `/admin${fill(route.path)}`.replace(/\/$/, '');
      // No session at all: protected routes send a GET to the log-in and refuse a POST.
      const anon = await request(env, route.method, path, null, {});
      expect(anon.headers.get('cache-control')).toBe('no-store');
      if (route.access !== 'anon') {
        expect(anon.status).toBe(route.method === 'GET' ? 303 : 401);
        if (route.method === 'GET') expect(anon.headers.get('location')).toBe('/admin/login');
      }
      if (route.access === 'anon' || route.access === 'half') return;
      for (const role of ['admin', 'clerk', 'approver'] as const) {
        const res = route.method === 'GET' ? await staff[role]!.get(path) : await staff[role]!.post(path, {});
        const allowed = (route.access as readonly string[]).includes(role);
        if (allowed) expect(res.status, `${role} should pass the guard`).not.toBe(403);
        else {
          expect(res.status, `${role} must be refused`).toBe(403);
          expect(res.html).toContain('この画面を利用する権限がありません');
        }
      }
    });
  }

  it("shows each role exactly the menu pages the table opens to it, in the table's menu order", async () => {
    const menuPages = ROUTES.filter((r) => 'menu' in r).sort((a, b) => a.menu.order - b.menu.order);
    for (const role of ['admin', 'clerk', 'approver'] as const) {
      const home = await staff[role]!.get('/admin');
      const nav = /<nav aria-label="[^"]*" class="admin-nav">(.*?)<\/nav>/s.exec(home.html)?.[1] ?? '';
      const links = [...nav.matchAll(/<a href="([^"]+)"(?: aria-current="page")?>/g)].map((m) => m[1]);
      const expected = menuPages
        .filter((r) => (r.access as readonly string[]).includes(role))
        .map((r) => `/admin${r.path}`.replace(/\/$/, ''));
      expect(links, role).toEqual(expected);
      for (const href of links) expect((await staff[role]!.get(href!)).status, `${role} ${href}`).toBe(200);
    }
  });

  it('refuses to start with a staff route that is not behind the guard of its own table entry', () => {
    const guard = staffGuard(env.ctx);
    const unguarded = new Hono<AdminEnv>().get('/secret', (c) => c.text('x'));
    expect(() => assertGuardedByTable([unguarded])).toThrow('GET /secret');
    const borrowed = new Hono<AdminEnv>().post('/users', guard('settings'), (c) => c.text('x'));
    expect(() => assertGuardedByTable([borrowed])).toThrow('POST /users');
    const partial = new Hono<AdminEnv>().get('/settings', guard('settings'), (c) => c.text('x'));
    expect(() => assertGuardedByTable([partial])).toThrow(/without a handler: login\.form/);
  });

  it('answers 404 for an /admin path that the table does not name', async () => {
    expect((await staff.admin!.get('/admin/secret-backdoor')).status).toBe(404);
  });
});
