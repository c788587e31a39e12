// The listening server as src/server.ts starts it (src/http-server.ts), driven over real HTTP: verifications in every
// outcome, a page and the two kinds of 404 answer through the one Hono app, with one log line per request.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { memoryLogger } from '../../src/logger.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, listen, setup, type Listening, type TestEnv } from '../support/harness.js';

describeEachDatabase('the server src/server.ts starts', (kind) => {
  let env: TestEnv;
  let server: Listening;
  let logger: ReturnType<typeof memoryLogger>;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    logger = memoryLogger();
    server = await listen({ ...env.ctx, logger });
  });
  afterEach(async () => {
    await server.close();
    await env.close();
  });

  const verify = (body: string, client: string) =>
    fetch(`${server.url}/api/v1/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
      body,
    });

  it('verifies a guarantee, refuses a wrong key and a malformed body, and throttles', async () => {
    const { contractNumber, authKey } = await publish(env);
    const ok = await verify(JSON.stringify({ contractNumber, authKey }), '198.51.100.1');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/json');
    expect(await ok.json()).toMatchObject({ contractNumber, status: 'active', current: { seq: 1, event: 'issue' } });

    const wrong = JSON.stringify({ contractNumber, authKey: 'zzzzzzzzzzzz' });
    const refused = await verify(wrong, '198.51.100.2');
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('no_match');

    const malformed = await verify('{"contractNumber":', '198.51.100.3');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('bad_request');

    for (let i = 0; i < 4; i++) expect((await verify(wrong, '198.51.100.2')).status).toBe(401);
    const throttled = await verify(JSON.stringify({ contractNumber, authKey }), '198.51.100.2');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await throttled.json()) as { error: { code: string } }).error.code).toBe('throttled');
  });

  it('serves a page, and a 404 as a page or as JSON under /api', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'nonce-/);
    expect(await page.text()).toContain('認証キー');

    const missingPage = await fetch(`${server.url}/no-such-page`);
    expect(missingPage.status).toBe(404);
    expect(missingPage.headers.get('content-type')).toMatch(/^text\/html/);
    await missingPage.arrayBuffer();

    const missingApi = await fetch(`${server.url}/api/no-such-route`);
    expect(missingApi.status).toBe(404);
    expect(((await missingApi.json()) as { error: { code: string } }).error.code).toBe('not_found');

    const lines = logger.lines();
    expect(lines.map((l) => [l.method, l.status])).toEqual([
      ['GET', 200],
      ['GET', 404],
      ['GET', 404],
    ]);
    for (const line of lines) expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
