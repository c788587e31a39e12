// The server answers POST /api/v1/verify without going through Hono (src/routes/verify-api.ts withVerifyPath);
// any other URL of the route — a query string is enough — still goes through the app. Both must give the same
// answer for every kind of request: status, body bytes, headers, the access record and the log line.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { memoryLogger } from '../../src/logger.js';
import { listAccessEvents } from '../../src/repositories/activity.js';
import { withVerifyPath } from '../../src/routes/verify-api.js';
import { turnBatch } from '../../src/turn-batching.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';

interface Sent {
  status: number;
  headers: Record<string, string>;
  body: string;
}

describeEachDatabase('POST /api/v1/verify on the Node server', (kind) => {
  let env: TestEnv;
  let server: http.Server;
  let base: string;
  let logger: ReturnType<typeof memoryLogger>;
  let reachedApp: string[];
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    logger = memoryLogger();
    // The server as src/server.ts builds it, with a logger the test can read.
    const ctx = { ...env.ctx, logger };
    const batch = turnBatch();
    const appListener = getRequestListener(batch.answers(createApp(ctx).fetch));
    reachedApp = [];
    server = http.createServer(
      withVerifyPath(ctx, batch.end, (req, res) => {
        reachedApp.push(req.url ?? '');
        return appListener(req, res);
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    await env.close();
  });

  /** The same request to the direct path and through the app (a query string sends it there). */
  async function both(body: string, headers: Record<string, string>): Promise<[Sent, Sent]> {
    const send = async (url: string): Promise<Sent> => {
      const res = await fetch(url, { method: 'POST', headers, body });
      const sent = { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
      // What legitimately differs between two answers: the request id, the date, the connection and the framing
      // (both send Content-Length on a Node server; app.request() in the other tests has no framing).
      expect(sent.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      if (!url.includes('?')) expect(Number(sent.headers['content-length'])).toBe(Buffer.byteLength(sent.body));
      for (const name of ['x-request-id', 'date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'])
        delete sent.headers[name];
      return sent;
    };
    const answers: [Sent, Sent] = [await send(`${base}/api/v1/verify`), await send(`${base}/api/v1/verify?via=app`)];
    // Only the second went through the app.
    expect(reachedApp.splice(0)).toEqual(['/api/v1/verify?via=app']);
    return answers;
  }

  it('answers every kind of request exactly as the app does', async () => {
    const { contractNumber: n, authKey: key } = await publish(env);
    const json = { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.30' };
    const cases: [string, string, Record<string, string>, number][] = [
      ['valid', JSON.stringify({ contractNumber: n, authKey: key }), json, 200],
      [
        'full-width number',
        JSON.stringify({
          contractNumber: n.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))),
          authKey: key,
        }),
        json,
        200,
      ],
      [
        'wrong key',
        JSON.stringify({ contractNumber: n, authKey: 'zzzzzzzzzzzz' }),
        { ...json, 'x-forwarded-for': '198.51.100.31' },
        401,
      ],
      [
        'unknown number',
        JSON.stringify({ contractNumber: '99999-999999', authKey: key }),
        { ...json, 'x-forwarded-for': '198.51.100.32' },
        401,
      ],
      ['malformed JSON', '{"contractNumber":', json, 400],
      ['empty body', '', json, 400],
      [
        'not JSON content type',
        JSON.stringify({ contractNumber: n, authKey: key }),
        { 'content-type': 'text/plain' },
        400,
      ],
      ['wrong types', JSON.stringify({ contractNumber: 1, authKey: [] }), json, 422],
      ['unknown field', JSON.stringify({ contractNumber: n, authKey: key, extra: 1 }), json, 422],
      ['oversized', JSON.stringify({ contractNumber: n, authKey: 'x'.repeat(300 * 1024) }), json, 413],
    ];
    for (const [label, body, headers, status] of cases) {
      const [direct, app] = await both(body, headers);
      expect(direct.status, label).toBe(status);
      expect(direct, label).toEqual(app);
      if (status === 200) expect(JSON.parse(direct.body), label).toMatchObject({ contractNumber: n, status: 'active' });
      else expect(JSON.parse(direct.body).error.code, label).toMatch(/^[a-z_]+$/);
    }
  });

  it('counts failures in the same limits, answers 429 with the same Retry-After, and records and logs alike', async () => {
    const { contractNumber: n } = await publish(env);
    const headers = { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.77' };
    const wrong = JSON.stringify({ contractNumber: n, authKey: 'zzzzzzzzzzzz' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) for (const sent of await both(wrong, headers)) statuses.push(sent.status);
    // Per (number, client): 5 failures an hour, whichever path they came through.
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const [direct, app] = await both(wrong, headers);
    expect(direct.status).toBe(429);
    expect(direct).toEqual(app);
    expect(Number(direct.headers['retry-after'])).toBeGreaterThan(0);

    await env.ctx.recorder.flush();
    const outcomes = (await listAccessEvents(env.ctx.db, n)).map((e) => `${e.outcome} ${e.client} ${e.channel}`);
    expect(outcomes).toEqual([
      ...Array(5).fill('no_match 203.0.113.77 api'),
      ...Array(5).fill('throttled 203.0.113.77 api'),
    ]);
    const lines = logger.lines().filter((l) => l.route === '/api/v1/verify');
    expect(lines).toHaveLength(10);
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(
        ['level', 'method', 'ms', 'msg', 'requestId', 'route', 'service', 'status', 'time', 'version'].sort(),
      );
      expect(line).toMatchObject({ level: 'info', method: 'POST' });
    }
    expect(lines.map((l) => l.status)).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
    expect(JSON.stringify(lines)).not.toContain('zzzzzzzzzzzz');
  });
});
