// Prometheus metrics: counted where things happen, read from the database and files at scrape time, and served only
// on the metrics listener (ESURETY_METRICS_PORT) — never by the public app.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { collectProcessMetrics, metricsApp } from '../../src/metrics.js';
import { advanceBody, MISHIMA } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { startServer, stop, type Server } from '../ops/process.js';

/** The value of one sample line (`name{labels} value`) in a Prometheus text answer, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describeEachDatabase('metrics', (kind) => {
  let env: TestEnv;
  afterEach(async () => env?.close());

  it('counts requests by route pattern and status, and verifications by outcome; the public app has no /metrics', async () => {
    env = await setup(kind);
    await env.api('PUT', '/api/v1/obligees/mishima-city', MISHIMA);
    const { contractNumber, authKey } = (await env.api('POST', '/api/v1/sureties', advanceBody())).json;
    expect((await env.api('POST', '/api/v1/verify', { contractNumber, authKey })).status).toBe(200);
    expect((await env.api('POST', '/api/v1/verify', { contractNumber, authKey: 'zzzzzzzzzzzz' })).status).toBe(401);
    expect((await env.api('POST', '/api/v1/verify', { contractNumber, authKey: 'zzzzzzzzzzzz' })).status).toBe(401);
    expect((await env.app.request('/metrics')).status).toBe(404);

    const res = await metricsApp(env.ctx.metrics).request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(sample(text, 'esurety_verifications_total{outcome="ok"}')).toBe(1);
    expect(sample(text, 'esurety_verifications_total{outcome="no_match"}')).toBe(2);
    const verified = 'esurety_http_request_duration_seconds_count{method="POST",route="/api/v1/verify"';
    expect(sample(text, `${verified},status="200"}`)).toBe(1);
    expect(sample(text, `${verified},status="401"}`)).toBe(2);
    // Route patterns, never raw paths: no contract number or key reaches a label.
    const surety = await env.api('GET', `/api/v1/sureties/${contractNumber}`);
    expect(surety.status).toBe(200);
    const after = await (await metricsApp(env.ctx.metrics).request('/metrics')).text();
    expect(after).toContain('route="/api/v1/sureties/:contractNumber"');
    expect(after).not.toContain(contractNumber);
    expect(after).not.toContain(authKey);
  });

  it('reads the outbox, throttle alerts, PDF pool and WAL size when scraped, with Node process metrics', async () => {
    env = await setup(kind);
    const walFile = path.join(env.dataDir, 'probe.sqlite');
    fs.writeFileSync(`${walFile}-wal`, Buffer.alloc(12_345));
    let held = 3;
    collectProcessMetrics(env.ctx.metrics, {
      db: env.ctx.db,
      sqliteFile: walFile,
      pdf: () => ({ held, refused: { full: 2, waited: 0, late: 1 } }),
    });
    await env.ctx.db
      .insertInto('alerts')
      .values({ at: new Date().toISOString(), kind: 'many_failures', contract_number: '10001-000001', detail: '{}' })
      .execute();
    const read = async () => (await metricsApp(env.ctx.metrics).request('/metrics')).text();
    let text = await read();
    expect(sample(text, 'esurety_outbox_mail{state="pending"}')).toBe(0);
    expect(sample(text, 'esurety_outbox_mail{state="dead"}')).toBe(0);
    expect(sample(text, 'esurety_throttle_alerts')).toBe(1);
    expect(sample(text, 'esurety_pdf_jobs_held')).toBe(3);
    expect(sample(text, 'esurety_pdf_jobs_refused{reason="full"}')).toBe(2);
    expect(sample(text, 'esurety_pdf_jobs_refused{reason="late"}')).toBe(1);
    expect(sample(text, 'esurety_sqlite_wal_bytes')).toBe(12_345);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);

    // Scraped again: the gauges follow what is there now.
    held = 0;
    await env.api('PUT', '/api/v1/obligees/mishima-city', MISHIMA);
    await env.api('POST', '/api/v1/sureties', advanceBody({ contractorEmail: 'office@example.jp' }));
    fs.rmSync(`${walFile}-wal`);
    text = await read();
    expect(sample(text, 'esurety_pdf_jobs_held')).toBe(0);
    expect(sample(text, 'esurety_outbox_mail{state="pending"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'esurety_sqlite_wal_bytes')).toBe(0);
  });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let server: Server | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  if (server) await stop(server);
  server = undefined;
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

it('serves /metrics on ESURETY_METRICS_PORT only, never on the public listener', async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-metrics-'));
  const metricsPort = await freePort();
  server = await startServer({ ESURETY_DATA_DIR: dataDir, ESURETY_METRICS_PORT: String(metricsPort) });
  expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text).toContain('esurety_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 1');
  expect(text).toMatch(/^esurety_sqlite_wal_bytes \d+/m);
  // A warm-up document may be held right after start-up.
  expect(text).toMatch(/^esurety_pdf_jobs_held [01]$/m);
  expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(404);
}, 60_000);
