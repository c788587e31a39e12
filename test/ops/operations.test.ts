// Operations: one structured log line per request that never carries a secret, the readiness probe, the nonce-based
// CSP and security headers on every kind of response (errors included), and no-store on certificate and staff pages.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { memoryLogger } from '../../src/logger.js';
import { addVersion, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';

const ORIGIN = 'http://localhost:3000';

describeEachDatabase('operations', (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
  });
  afterEach(async () => env.close());

  /** Opens a certificate through the form, as an officer does; returns the viewer-grant cookie. */
  async function grant(app: { request: TestEnv['app']['request'] }, n: string, key: string): Promise<string> {
    const res = await app.request('/verify', {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '192.0.2.9' },
      body: new URLSearchParams({ contractNumber: n, authKey: key }).toString(),
    });
    expect(res.status).toBe(303);
    return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  }

  it('logs one JSON line per request with request id, route, status and duration — never a key or token', async () => {
    const logger = memoryLogger();
    const app = createApp({ ...env.ctx, logger });
    const request = async (path: string, init: RequestInit = {}) => {
      const res = await app.request(path, init);
      await res.arrayBuffer();
      return res;
    };
    const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.50', ...headers },
      body: JSON.stringify(body),
    });
    const auth = { authorization: `Bearer ${env.token}` };
    const { contractNumber: n, authKey: key } = await publish(env);
    const reissued = (await (await app.request(`/api/v1/sureties/${n}/auth-key`, json({}, auth))).json()) as {
      authKey: string;
    };
    const secrets = [env.token, key, reissued.authKey];

    const statuses: number[] = [];
    const track = async (p: Promise<Response>) => statuses.push((await p).status);
    await track(request('/api/v1/verify', json({ contractNumber: n, authKey: reissued.authKey })));
    await track(request('/api/v1/verify', json({ contractNumber: n, authKey: key })));
    await track(request('/api/v1/verify', json({ contractNumber: n, authKey: key }, { 'x-request-id': key })));
    await track(request(`/api/v1/sureties/${n}`, { headers: auth }));
    await track(request(`/api/v1/sureties/${n}?authKey=${key}`, { headers: { authorization: `Bearer ${key}` } }));
    const cookie = await grant(app, n, reissued.authKey);
    statuses.push(303);
    await track(request(`/certificates/${n}?k=${key}`, { headers: { cookie } }));
    await track(
      request('/verify', {
        method: 'POST',
        headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ contractNumber: n, authKey: key, password: key }).toString(),
      }),
    );
    await track(request(`/no-such-page/${key}`));
    await track(request('/api/v1/sureties', json({ contractNumber: key, product: key }, auth)));

    const lines = logger.lines().filter((l) => l.level === 'info');
    // The publication above went through env.api (another app), so every line here is one of these requests.
    expect(lines.map((l) => l.status)).toEqual([200, ...statuses]);
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual([
        'level',
        'method',
        'ms',
        'msg',
        'requestId',
        'route',
        'service',
        'status',
        'time',
        'version',
      ]);
      expect(line.msg).toBe('request');
      expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof line.ms).toBe('number');
    }
    expect(lines.map((l) => l.route)).toContain('/api/v1/sureties/:contractNumber');
    const text = JSON.stringify(logger.lines());
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toContain(n);
  });

  it('answers /readyz 200 when the database is reachable and migrated, 503 naming the failed check otherwise', async () => {
    const ready = await env.app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.headers.get('cache-control')).toBe('no-store');
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'current', writes: 'ok', integrity: 'ok' },
    });

    const last = await env.ctx.db
      .selectFrom('kysely_migration' as never)
      .select('name' as never)
      .orderBy('name' as never, 'desc')
      .executeTakeFirstOrThrow();
    const name = (last as { name: string }).name;
    await env.ctx.db
      .deleteFrom('kysely_migration' as never)
      .where('name' as never, '=', name as never)
      .execute();
    const pending = await env.app.request('/readyz');
    expect(pending.status).toBe(503);
    expect(await pending.json()).toEqual({
      status: 'not_ready',
      checks: { database: 'ok', migrations: 'pending', writes: 'ok', integrity: 'ok' },
    });

    const other = await setup(kind);
    await other.close();
    const down = await createApp(other.ctx).request('/readyz');
    expect(down.status).toBe(503);
    expect((await down.json()).checks.database).toBe('unreachable');
    expect((await env.app.request('/healthz')).status).toBe(200);
  });

  it('sends a fresh nonce-based CSP and the security headers on every response, errors included', async () => {
    const { contractNumber: n, authKey: key } = await publish(env);
    const broken = await setup(kind);
    await broken.close();
    const failingJwks = createApp({
      ...env.ctx,
      keyring: {
        ...env.ctx.keyring,
        jwks: async () => {
          throw new Error('keyring unavailable');
        },
      },
    });
    const api = (method: string, path: string, body?: string) =>
      env.app.request(path, {
        method,
        headers: { authorization: `Bearer ${env.token}`, 'content-type': 'application/json' },
        ...(body !== undefined ? { body } : {}),
      });
    const responses: [string, Response][] = [
      ['page', await env.app.request('/')],
      ['obligees page', await env.app.request('/obligees')],
      [
        'certificate',
        await env.app.request(`/certificates/${n}`, { headers: { cookie: await grant(env.app, n, key) } }),
      ],
      ['redirect without grant', await env.app.request(`/certificates/${n}`)],
      ['404 page', await env.app.request('/nowhere')],
      ['404 api', await api('GET', '/api/v1/nowhere')],
      ['200 api', await api('POST', '/api/v1/verify', JSON.stringify({ contractNumber: n, authKey: key }))],
      ['401 api', await api('POST', '/api/v1/verify', JSON.stringify({ contractNumber: n, authKey: 'zzzzzzzzzzzz' }))],
      ['403 form without origin', await env.app.request('/verify', { method: 'POST', body: new URLSearchParams({}) })],
      ['413 api', await api('POST', '/api/v1/sureties', JSON.stringify({ x: 'x'.repeat(300 * 1024) }))],
      ['422 api', await api('POST', '/api/v1/sureties', '{}')],
      ['500 page', await failingJwks.request('/.well-known/jwks.json')],
      ['500 api', await createApp(broken.ctx).request('/api/v1/obligees')],
    ];
    const nonces = new Set<string>();
    for (const [label, res] of responses) {
      const headers = res.headers;
      const csp = headers.get('content-security-policy') ?? '';
      expect(csp, label).toContain("default-src 'none'");
      if (label.endsWith(' api')) {
        // JSON never carries inline script or style: a fixed CSP that allows nothing at all.
        expect(csp, label).not.toMatch(/script-src|style-src|nonce-/);
        expect(headers.get('content-type'), label).toMatch(/^application\/json/);
      }
      const nonce = label.endsWith(' api') ? `api ${label}` : /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
      expect(nonce, label).toBeDefined();
      if (!label.endsWith(' api')) expect(csp, label).toContain(`style-src 'nonce-${nonce}'`);
      expect(csp, label).toContain("frame-ancestors 'none'");
      expect(headers.get('x-content-type-options'), label).toBe('nosniff');
      expect(headers.get('referrer-policy'), label).toBe('no-referrer');
      expect(headers.get('x-request-id'), label).toMatch(/^[0-9a-f-]{36}$/);
      nonces.add(nonce ?? '');
      if ((headers.get('content-type') ?? '').startsWith('text/html')) {
        const html = await res.text();
        const inline = [...html.matchAll(/<(script|style)\b[^>]*>/g)].map((m) => m[0]);
        expect(inline.length, label).toBeGreaterThan(0);
        for (const tag of inline) expect(tag, label).toContain(`nonce="${nonce}"`);
      }
    }
    expect(responses.map(([, r]) => r.status)).toEqual([
      200, 200, 200, 303, 404, 404, 200, 401, 403, 413, 422, 500, 500,
    ]);
    expect(nonces.size).toBe(responses.length);
    // Every API answer, the verification's and the errors included, gets the same security headers (app.ts, /api).
    const own = new Set(['content-length', 'content-type', 'retry-after', 'www-authenticate', 'x-request-id']);
    const securityHeaders = (res: Response) => Object.fromEntries([...res.headers].filter(([name]) => !own.has(name)));
    const apiAnswers = responses.filter(([label]) => label.endsWith(' api'));
    const expected = securityHeaders(apiAnswers[0]![1]);
    expect(expected).toMatchObject({
      'strict-transport-security': 'max-age=15552000; includeSubDomains',
      'x-frame-options': 'SAMEORIGIN',
      'cross-origin-resource-policy': 'same-origin',
    });
    for (const [label, res] of apiAnswers) expect(securityHeaders(res), label).toEqual(expected);
    // The headers that only concern HTML documents are on the pages, not on JSON (app.ts API_HEADERS).
    for (const name of ['cross-origin-opener-policy', 'x-xss-protection', 'x-permitted-cross-domain-policies']) {
      expect(expected, name).not.toHaveProperty(name);
      expect(responses[0]![1].headers.get(name), name).not.toBeNull();
    }
  });

  it('marks certificate pages, versions and the tampered page no-store, and every staff page too', async () => {
    const { contractNumber: n, authKey: key } = await publish(env);
    await addVersion(env, n, { event: 'change', changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 } });
    const cookie = await grant(env.app, n, key);
    for (const path of [`/certificates/${n}`, `/certificates/${n}/versions/1`, `/certificates/${n}/versions/2`]) {
      const res = await env.app.request(path, { headers: { cookie } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    await env.ctx.db
      .updateTable('versions')
      .set({ jws: 'x.y.z' })
      .where('contract_number', '=', n)
      .where('seq', '=', 2)
      .execute();
    const tampered = await env.app.request(`/certificates/${n}`, { headers: { cookie } });
    expect(tampered.status).toBe(500);
    expect(tampered.headers.get('cache-control')).toBe('no-store');
    // Staff pages (whatever exists of them): every answer, a redirect to the login included, is no-store.
    for (const path of ['/admin', '/admin/', '/admin/login', '/admin/sureties', '/admin/no-such-page']) {
      const res = await env.app.request(path);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
  });
});
