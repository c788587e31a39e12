// Database faults as operators meet them: a full disk (SQLite's page limit, a tmpfs that runs out) and a lost
// PostgreSQL (connections cut by a proxy, pg_terminate_backend). The process survives, answers 503 `unavailable` with
// Retry-After and a plain message, names the cause in the log only, reports not-ready, and recovers by itself.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { memoryLogger } from '../../src/logger.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { createApiToken } from '../../src/services/api-tokens.js';
import { advanceBody, MISHIMA, publish, registerMishima } from '../support/fixtures.js';
import { createPgSchema, dropPgSchema, PG_URL, setup, snapshotCounts, type TestEnv } from '../support/harness.js';

type App = ReturnType<typeof createApp>;

/** An issuer or officer request against `app`; answers status, headers and the parsed JSON body. */
async function call(app: App, method: string, url: string, body?: unknown, token?: string) {
  const res = await app.request(url, {
    method,
    headers: {
      'x-forwarded-for': `198.51.100.${Math.floor(Math.random() * 250) + 1}`,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: JSON.parse(text) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- arbitrary JSON answers
}

function expectUnavailable(res: Awaited<ReturnType<typeof call>>) {
  expect(res.status).toBe(503);
  expect(res.json.error.code).toBe('unavailable');
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  // A plain message: no driver code, no SQL, no file name.
  expect(res.json.error.message).toMatch(/しばらく待ってから/);
  expect(res.text).not.toMatch(/SQLITE|ENOSPC|ECONN|sqlite|insert|terminated/i);
}

describe('a full disk [sqlite]', () => {
  let env: TestEnv | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it('answers publications 503 unavailable naming SQLITE_FULL in the log, a wrong key still 401, not ready until space returns', async () => {
    env = await setup({ name: 'sqlite' });
    await registerMishima(env);
    const issued = await publish(env);
    const logger = memoryLogger();
    const app = createApp({ ...env.ctx, logger });
    const raw = env.platform.handle.sqlite!;
    // The database may not grow by one more page: SQLite answers SQLITE_FULL exactly as on a full disk.
    raw.pragma(`max_page_count = ${raw.pragma('page_count', { simple: true }) as number}`);
    let failed: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 100 && !failed; i++) {
      const res = await call(app, 'POST', '/api/v1/sureties', advanceBody(), env.token);
      if (res.status !== 201) failed = res;
    }
    expectUnavailable(failed!);
    const before = await snapshotCounts(env);
    expectUnavailable(await call(app, 'POST', '/api/v1/sureties', advanceBody(), env.token));
    expect(await snapshotCounts(env)).toEqual(before);
    const logged = logger.lines().filter((l) => l.level === 'error');
    expect(logged.map((l) => l.msg)).toContain('database unavailable: disk full (SQLITE_FULL)');
    expect(JSON.stringify(logged)).not.toContain('cannot rollback');

    // Fill what is left, so counting a failed verification needs a page that the database cannot have: rows
    // shaped like the counters, until every page they would land on refuses one more.
    const fill = raw.prepare('insert into throttle_counters (bucket, window_ends, failures) values (?, 0, 1)');
    for (let i = 0, refused = 0; refused < 200; i++) {
      const client = `198.51.100.${(i % 250) + 1}`;
      try {
        fill.run(i % 2 ? `c:${client}#${i}` : `p:${issued.contractNumber}|${client}#${i}`);
        refused = 0;
      } catch (error) {
        expect((error as { code?: string }).code).toBe('SQLITE_FULL');
        refused++;
      }
    }
    for (let i = 0; i < 10; i++) {
      const wrong = await call(app, 'POST', '/api/v1/verify', {
        contractNumber: issued.contractNumber,
        authKey: 'ABCDEFGHJKLM',
      });
      expect(wrong.status).toBe(401);
      expect(wrong.json.error.code).toBe('no_match');
    }
    const { contractNumber, authKey } = issued;
    expect((await call(app, 'POST', '/api/v1/verify', { contractNumber, authKey })).status).toBe(200);

    const notReady = await call(app, 'GET', '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.json).toEqual({
      status: 'not_ready',
      checks: { database: 'ok', migrations: 'current', writes: 'failing', integrity: 'ok' },
    });

    raw.pragma('max_page_count = 1073741823');
    expect((await call(app, 'GET', '/readyz')).status).toBe(200);
    expect((await call(app, 'POST', '/api/v1/sureties', advanceBody(), env.token)).status).toBe(201);
  });

  // A real ENOSPC needs a small file system: a tmpfs, which only root may mount.
  const mountable = process.getuid?.() === 0 && tryMount();
  it.skipIf(!mountable)(
    'answers 503 unavailable on a tmpfs that runs out of space and recovers once a file is removed',
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-full-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir]);
      try {
        env = await setup({ name: 'sqlite' }, { dataDir: dir });
        await registerMishima(env);
        const logger = memoryLogger();
        const app = createApp({ ...env.ctx, logger });
        // Leave almost nothing free on the file system.
        const ballast = path.join(dir, 'ballast');
        try {
          execFileSync('dd', ['if=/dev/zero', `of=${ballast}`, 'bs=64k'], { stdio: 'ignore' });
        } catch {
          // dd stops with ENOSPC: the file system is full, which is the point
        }
        let failed: Awaited<ReturnType<typeof call>> | undefined;
        for (let i = 0; i < 400 && !failed; i++) {
          const res = await call(app, 'POST', '/api/v1/sureties', advanceBody(), env.token);
          if (res.status !== 201) failed = res;
        }
        expectUnavailable(failed!);
        expect(logger.lines().some((l) => /^database unavailable: (disk full|io error)/.test(String(l.msg)))).toBe(
          true,
        );
        expect((await call(app, 'GET', '/readyz')).status).toBe(503);
        fs.rmSync(ballast);
        expect((await call(app, 'GET', '/readyz')).status).toBe(200);
        expect((await call(app, 'POST', '/api/v1/sureties', advanceBody(), env.token)).status).toBe(201);
        await env.close();
        env = undefined;
      } finally {
        execFileSync('umount', ['-l', dir]);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
  if (!mountable)
    it.skip('tmpfs disk-full scenario SKIPPED: mounting a tmpfs is not permitted here (needs root)', () => {});
});

function tryMount(): boolean {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-mount-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A TCP proxy to PostgreSQL whose connections can be cut and restored: an outage without touching the server. */
async function pgProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(target.href);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.href,
    /** Every connection dropped, new ones refused. */
    async cut() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
    async restore() {
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

describe.skipIf(!PG_URL)('a lost PostgreSQL', () => {
  let platform: Platform | undefined;
  let schema: string | undefined;
  let proxy: Awaited<ReturnType<typeof pgProxy>> | undefined;
  afterEach(async () => {
    await platform?.close();
    proxy?.close();
    proxy = undefined;
    if (schema) await dropPgSchema(schema);
    platform = undefined;
    schema = undefined;
  });

  async function open(databaseUrl: string, applicationName: string) {
    schema = await createPgSchema();
    const config = loadConfig({
      NODE_ENV: 'test',
      ESURETY_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-test-')),
      ESURETY_PUBLIC_URL: 'http://localhost:3000',
      ESURETY_TRUST_PROXY: '1',
      ESURETY_ISSUER_NAME: 'テスト保証株式会社',
    });
    const logger = memoryLogger();
    platform = await openPlatform(config, {
      logger,
      connection: { databaseUrl, pgSchema: schema, poolSize: 3, applicationName },
    });
    const app = createApp(platform.ctx);
    const { token } = await createApiToken(platform.ctx, { type: 'system', id: 'test' }, 'test token');
    expect((await call(app, 'PUT', '/api/v1/obligees/mishima-city', MISHIMA, token)).status).toBe(200);
    return { app, token, logger };
  }

  async function countSureties(): Promise<number> {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    const { rows } = await client.query<{ n: string }>(`select count(*) as n from ${schema}.sureties`);
    await client.end();
    return Number(rows[0]!.n);
  }

  it('rides out an outage: 503 unavailable with Retry-After and not ready while it lasts, then recovers by itself', async () => {
    proxy = await pgProxy(new URL(PG_URL!));
    const { app, token, logger } = await open(proxy.url, 'esurety-test-outage');
    const first = await call(app, 'POST', '/api/v1/sureties', advanceBody(), token);
    expect(first.status).toBe(201);

    // Every connection of the pool, idle ones included, is lost at once (a restart, a failover, a proxy's timeout).
    await proxy.cut();
    expectUnavailable(await call(app, 'POST', '/api/v1/sureties', advanceBody(), token));
    expectUnavailable(
      await call(app, 'POST', '/api/v1/verify', {
        contractNumber: first.json.contractNumber,
        authKey: first.json.authKey,
      }),
    );
    const page = await app.request('/obligees');
    expect(page.status).toBe(503);
    expect(Number(page.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await page.text()).toContain('一時的にご利用いただけません');
    const down = await call(app, 'GET', '/readyz');
    expect(down.status).toBe(503);
    expect(down.json.checks.database).toBe('unreachable');
    expect(logger.lines().some((l) => /^database unavailable: unreachable/.test(String(l.msg)))).toBe(true);

    await proxy.restore();
    // Ready again without a restart (the probe may need a second try on a machine too busy for its 2 s budget).
    let ready = await call(app, 'GET', '/readyz');
    for (let i = 0; i < 10 && ready.status !== 200; i++) ready = await call(app, 'GET', '/readyz');
    expect(ready.json).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'current', writes: 'ok', integrity: 'ok' },
    });
    const verified = await call(app, 'POST', '/api/v1/verify', {
      contractNumber: first.json.contractNumber,
      authKey: first.json.authKey,
    });
    expect(verified.status).toBe(200);
    expect((await call(app, 'POST', '/api/v1/sureties', advanceBody(), token)).status).toBe(201);
    // Nothing acknowledged was lost, nothing refused was written.
    expect(await countSureties()).toBe(2);
  });

  it('survives pg_terminate_backend on every one of its connections and serves the next request', async () => {
    const name = `esurety-test-term-${process.pid}-${Date.now()}`;
    const { app, token, logger } = await open(PG_URL!, name);
    const issued = await call(app, 'POST', '/api/v1/sureties', advanceBody(), token);
    expect(issued.status).toBe(201);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    const { rows } = await admin.query<{ ok: boolean }>(
      'select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1',
      [name],
    );
    await admin.end();
    expect(rows.length).toBeGreaterThan(0);
    // The idle connections learn of it asynchronously; the pool drops them and reconnects on the next query.
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 20 && (await call(app, 'GET', '/readyz')).status !== 200; i++);
    const verified = await call(app, 'POST', '/api/v1/verify', {
      contractNumber: issued.json.contractNumber,
      authKey: issued.json.authKey,
    });
    expect(verified.status).toBe(200);
    expect((await call(app, 'POST', '/api/v1/sureties', advanceBody(), token)).status).toBe(201);
    expect(
      logger.lines().some((l) => l.msg === 'PostgreSQL connection lost; the pool reconnects on the next query'),
    ).toBe(true);
  });
});
