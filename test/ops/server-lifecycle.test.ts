// The server process as operations see it: JSON log lines on stdout without secrets, /readyz, and a graceful
// SIGTERM that finishes the request in flight and flushes the batched access records before exiting 0.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { advanceBody, MISHIMA } from '../support/fixtures.js';
import { apiClient, createToken, startServer, stop, type Server } from './process.js';

describe('server process operations', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let server: Server | undefined;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-ops-'));
    env = { ESURETY_DATA_DIR: dataDir };
  });
  afterEach(async () => {
    if (server) await stop(server);
    server = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes the request in flight on SIGTERM, flushes access records, refuses new connections and exits 0', async () => {
    const token = await createToken(env);
    server = await startServer(env);
    const api = apiClient(server.url, token);
    expect((await api('PUT', '/api/v1/obligees/mishima-city', MISHIMA)).status).toBe(200);
    const first = await api('POST', '/api/v1/sureties', advanceBody());
    expect(first.status).toBe(201);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'current', writes: 'ok', integrity: 'ok' },
    });

    // A publication whose body is still arriving when the signal comes.
    const body = JSON.stringify(advanceBody({ works: { ...(advanceBody().works as object), name: '停止中の公開' } }));
    const { port } = new URL(server.url);
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/v1/sureties',
          // A kept-alive connection, as browsers and load balancers use: it must not hold the exit back.
          agent: new http.Agent({ keepAlive: true }),
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 100));
      setTimeout(() => req.end(body.slice(100)), 700);
    });
    await new Promise((r) => setTimeout(r, 200));
    const verified = await api('POST', '/api/v1/verify', {
      contractNumber: first.json.contractNumber,
      authKey: first.json.authKey,
    });
    expect(verified.status).toBe(200);
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();

    const inFlight = await answer;
    expect(inFlight.status).toBe(201);
    expect(await server.exited).toBe(0);
    expect(server.stdout()).toContain('SIGTERM: finishing in-flight requests');

    const db = new SQLite(path.join(dataDir, 'esurety.sqlite'), { readonly: true });
    try {
      const numbers = db.prepare('select contract_number from sureties order by 1').all() as {
        contract_number: string;
      }[];
      expect(numbers.map((r) => r.contract_number)).toEqual([
        first.json.contractNumber,
        JSON.parse(inFlight.body).contractNumber,
      ]);
      const attempts = db.prepare(`select outcome, contract_number from access_events where kind = 'verify'`).all() as {
        outcome: string;
        contract_number: string;
      }[];
      expect(attempts).toEqual([{ outcome: 'ok', contract_number: first.json.contractNumber }]);
    } finally {
      db.close();
    }
    server = undefined;
  }, 60_000);

  it('writes one JSON line per request to stdout, none of them holding a key, a token or a number', async () => {
    const token = await createToken(env);
    server = await startServer(env);
    const api = apiClient(server.url, token);
    await api('PUT', '/api/v1/obligees/mishima-city', MISHIMA);
    const published = await api('POST', '/api/v1/sureties', advanceBody());
    const { contractNumber, authKey } = published.json;
    await api('POST', '/api/v1/verify', { contractNumber, authKey }, { authorization: '' });
    await api('POST', '/api/v1/verify', { contractNumber, authKey: 'zzzzzzzzzzzz' }, { 'x-request-id': authKey });
    await fetch(`${server.url}/nowhere?authKey=${authKey}`);
    expect(await stop(server)).toBe(0);
    const lines = server
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // Every line is a log line (start-up and shutdown included); the request lines are those with msg 'request'.
    for (const l of lines) expect(l).toMatchObject({ service: 'esurety', time: expect.any(String), level: 'info' });
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['SIGTERM: finishing in-flight requests', 'stopped']),
    );
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.method, l.route, l.status])).toEqual([
      ['PUT', '/api/v1/obligees/:id', 200],
      ['POST', '/api/v1/sureties', 201],
      ['POST', '/api/v1/verify', 200],
      ['POST', '/api/v1/verify', 401],
      ['GET', expect.any(String), 404],
    ]);
    for (const l of requests) {
      expect(l.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof l.ms).toBe('number');
    }
    const all = server.stdout() + server.stderr();
    for (const secret of [token, authKey, contractNumber]) expect(all).not.toContain(secret);
    server = undefined;
  }, 60_000);
});
