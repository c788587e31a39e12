// Staff log-in throttling through the real app: failures count per (account, client) and per client, for the password
// and the second factor alike, so whoever knows a staff address cannot lock its owner out from their own network.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStaffUser } from '../../src/services/staff/accounts.js';
import { totpAt } from '../../src/security/totp.js';
import { describeEachDatabase, listen, setup, type TestEnv } from '../support/harness.js';
import { csrfOf, loginAs, PASSWORD } from './support.js';

const COOKIE = '__Host-esurety_staff';
const ATTACKER = '198.51.100.66';
const OFFICE = '203.0.113.10';

interface Answer {
  status: number;
  html: string;
  location: string | null;
  cookie: string | null;
}

/** A staff form POST (or GET without fields) from the client `xff` names (the test app trusts one proxy hop). */
async function send(
  env: TestEnv,
  path: string,
  xff: string,
  fields?: Record<string, string>,
  cookie?: string | null,
): Promise<Answer> {
  const headers: Record<string, string> = { 'x-forwarded-for': xff };
  if (cookie) headers.cookie = `${COOKIE}=${cookie}`;
  if (fields) {
    headers.origin = 'http://localhost:3000';
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const res = await env.app.request(path, {
    method: fields ? 'POST' : 'GET',
    headers,
    ...(fields ? { body: new URLSearchParams(fields).toString() } : {}),
  });
  const set = res.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`));
  return {
    status: res.status,
    html: await res.text(),
    location: res.headers.get('location'),
    cookie: set ? (set.split(';')[0] as string).slice(COOKIE.length + 1) : null,
  };
}

const logIn = (env: TestEnv, email: string, password: string, xff: string) =>
  send(env, '/admin/login', xff, { email, password });

describeEachDatabase('staff log-in throttling', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await setup(kind);
  });
  afterAll(async () => env?.close());

  const account = (email: string) =>
    createStaffUser(env.ctx, { type: 'system', id: 'test' }, { email, role: 'clerk', password: PASSWORD });

  it('lets the real user log in from their own network after an attacker has used up the limit elsewhere', async () => {
    await account('victim@example.jp');
    for (let i = 0; i < 10; i++) {
      expect((await logIn(env, 'victim@example.jp', `wrong password ${i}`, ATTACKER)).status).toBe(401);
    }
    const blocked = await logIn(env, 'victim@example.jp', PASSWORD, ATTACKER);
    expect(blocked.status).toBe(429);
    expect(blocked.html).toContain('ログインの試行回数が上限に達しました');
    for (let i = 0; i < 5; i++) {
      expect((await logIn(env, 'victim@example.jp', `more wrong ${i}`, ATTACKER)).status).toBe(429);
    }

    const owner = await logIn(env, 'victim@example.jp', PASSWORD, OFFICE);
    expect(owner.status).toBe(303);
    expect(owner.location).toBe('/admin/mfa');
    expect(owner.cookie).not.toBeNull();
  });

  it('stops one client spraying many accounts at the client limit, without touching other clients', async () => {
    await account('spray-target@example.jp');
    const sprayer = '198.51.100.77';
    for (let i = 0; i < 50; i++) {
      expect((await logIn(env, `guess${i}@example.jp`, 'wrong password', sprayer)).status).toBe(401);
    }
    expect((await logIn(env, 'spray-target@example.jp', PASSWORD, sprayer)).status).toBe(429);
    expect((await logIn(env, 'spray-target@example.jp', PASSWORD, OFFICE)).status).toBe(303);
  });

  it('buckets second-factor failures per (account, client) too: the owner passes TOTP from another network', async () => {
    const staff = await loginAs(env, 'totp-victim@example.jp', 'clerk');
    const half = async (xff: string) => {
      const login = await logIn(env, staff.email, PASSWORD, xff);
      expect(login.status).toBe(303);
      const form = await send(env, '/admin/mfa', xff, undefined, login.cookie);
      return { cookie: login.cookie, csrf: csrfOf(form.html) };
    };
    // Someone who has the password guesses codes from their own network until that pair is throttled.
    const attacker = await half(ATTACKER);
    for (let i = 0; i < 10; i++) {
      const wrong = await send(env, '/admin/mfa', ATTACKER, { code: '000000', _csrf: attacker.csrf }, attacker.cookie);
      expect(wrong.status).toBe(401);
    }
    env.setNow(new Date(env.now().getTime() + 30_000).toISOString());
    const right = () => totpAt(staff.secret, env.now().getTime());
    const refused = await send(env, '/admin/mfa', ATTACKER, { code: right(), _csrf: attacker.csrf }, attacker.cookie);
    expect(refused.status).toBe(429);
    expect(refused.html).toContain('ログインの試行回数が上限に達しました');

    const owner = await half(OFFICE);
    const passed = await send(env, '/admin/mfa', OFFICE, { code: right(), _csrf: owner.csrf }, owner.cookie);
    expect(passed.status).toBe(303);
    expect(passed.location).toBe('/admin');
  });

  it('raises one alert, and locks nobody out, when an account collects failures from many clients', async () => {
    await account('popular@example.jp');
    for (let n = 0; n < 11; n++) {
      for (let i = 0; i < 10; i++) {
        await logIn(env, 'popular@example.jp', `wrong ${n}-${i}`, `192.0.2.${n + 1}`);
      }
    }
    const alerts = await env.ctx.db
      .selectFrom('alerts')
      .selectAll()
      .where('kind', '=', 'staff_login_failures')
      .execute();
    expect(alerts).toHaveLength(1);
    expect(JSON.parse(alerts[0]!.detail)).toMatchObject({ email: 'popular@example.jp', failures: 100 });
    expect((await logIn(env, 'popular@example.jp', PASSWORD, OFFICE)).status).toBe(303);
  });

  it('counts X-Forwarded-For junk, ports and brackets as the socket address, not as new clients', async () => {
    await account('xff-target@example.jp');
    const server = await listen(env.ctx);
    try {
      const post = (xff: string, password: string) =>
        fetch(`${server.url}/admin/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            origin: 'http://localhost:3000',
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-for': xff,
          },
          body: new URLSearchParams({ email: 'xff-target@example.jp', password }).toString(),
        });
      const disguises = ['198.51.100.1:1', '[2001:db8::1]', 'junk', '198.51.100.1:2', '[2001:db8::2]:80'];
      for (let i = 0; i < 10; i++) {
        expect((await post(disguises[i % disguises.length]!, `wrong ${i}`)).status).toBe(401);
      }
      expect((await post('any-new-junk', PASSWORD)).status).toBe(429);
      const clients = await env.ctx.db
        .selectFrom('audit_log')
        .select('detail')
        .where('action', '=', 'staff.login_failed')
        .execute();
      const recorded = new Set(
        clients
          .map((r) => JSON.parse(r.detail) as { email: string; client: string })
          .filter((d) => d.email === 'xff-target@example.jp')
          .map((d) => d.client),
      );
      expect([...recorded]).toEqual(['127.0.0.1']);
      expect((await post('203.0.113.10', PASSWORD)).status).toBe(303);
    } finally {
      await server.close();
    }
  });

  it('records a failed e-mail field as written only when it is an address, otherwise as a hash', async () => {
    const typedPassword = 'my secret passphrase 42';
    expect((await logIn(env, typedPassword, PASSWORD, '192.0.2.200')).status).toBe(401);
    expect((await logIn(env, typedPassword, PASSWORD, '192.0.2.200')).status).toBe(401);
    expect((await logIn(env, 'nobody@example.jp', 'wrong password', '192.0.2.200')).status).toBe(401);
    const rows = await env.ctx.db
      .selectFrom('audit_log')
      .select('detail')
      .where('action', '=', 'staff.login_failed')
      .orderBy('id', 'desc')
      .limit(3)
      .execute();
    const [address, second, first] = rows.map((r) => JSON.parse(r.detail) as Record<string, string>);
    expect(rows.map((r) => r.detail).join('\n')).not.toContain('passphrase');
    expect(first).not.toHaveProperty('email');
    expect(first!.emailHash).toMatch(/^[\w-]{43}$/);
    expect(second!.emailHash).toBe(first!.emailHash);
    expect(address).toMatchObject({ email: 'nobody@example.jp', reason: 'unknown' });
    const buckets = await env.ctx.db.selectFrom('throttle_counters').select('bucket').execute();
    expect(buckets.map((b) => b.bucket).join('\n')).not.toContain('passphrase');
  });
});
