// The daily RFC 3161 time-stamp of a checkpoint (DESIGN §12) on both databases with the real OpenSSL TSA: the served
// reply verifies with `openssl ts -verify` against the checkpoint text and the TSA chain, a changed byte does not;
// stamps are daily; a failing authority is retried with back-off, logged without its credentials, and never stops
// checkpoints.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { tsaClient } from '../../src/pdf-sign/tsa.js';
import { publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { logStatusCommand } from '../../src/services/log-cli.js';
import { stampLatestCheckpoint, startLogTimestamps } from '../../src/services/log-timestamps.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { makePki, startTsa, type TestPki, type TestTsa } from '../support/pki.js';
import { getText } from './support.js';

const run = promisify(execFile);

describeEachDatabase('checkpoint time-stamps', (kind) => {
  let env: TestEnv;
  let pki: TestPki;
  let tsa: TestTsa;
  let dir: string;
  beforeAll(async () => {
    pki = makePki();
    tsa = await startTsa(pki);
  });
  afterAll(async () => {
    await tsa.close();
    pki.cleanup();
  });
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-stamp-'));
    tsa.failWith(0);
  });
  afterEach(async () => {
    await env.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function grow(n: number) {
    for (let i = 0; i < n; i++) await publish(env);
    await publishCheckpoint(env.ctx);
  }

  /** `openssl ts -verify` of the reply against `data`: resolves true when OpenSSL says "Verification: OK". */
  async function opensslVerifies(reply: Buffer, data: Buffer): Promise<boolean> {
    fs.writeFileSync(path.join(dir, 'reply.tsr'), reply);
    fs.writeFileSync(path.join(dir, 'data'), data);
    try {
      const out = await run('openssl', [
        'ts',
        '-verify',
        '-in',
        path.join(dir, 'reply.tsr'),
        '-data',
        path.join(dir, 'data'),
        '-CAfile',
        pki.caPem,
        '-untrusted',
        pki.tsaPem,
      ]);
      return /Verification: OK/.test(out.stdout);
    } catch {
      return false;
    }
  }

  async function timestampOf(size: number | string) {
    const res = await env.app.request(`/log/checkpoint/${size}/timestamp`);
    return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
  }

  it('serves a token that openssl verifies against the checkpoint text as served, and not against a changed byte', async () => {
    await grow(3);
    const served = (await getText(env, '/log/checkpoint')).text;
    expect(await stampLatestCheckpoint(env.ctx, tsaClient(tsa.url))).toMatchObject({ size: 3 });

    const stamp = await timestampOf(3);
    expect([stamp.status, stamp.type]).toEqual([200, 'application/timestamp-reply']);
    // The stamped size's note stays obtainable after the log grows past it: it is what the imprint covers.
    await grow(2);
    const note = await getText(env, '/log/checkpoint/3');
    expect([note.status, note.text]).toEqual([200, served]);
    expect(await opensslVerifies(stamp.body, Buffer.from(note.text, 'utf8'))).toBe(true);

    const changed = Buffer.from(note.text, 'utf8');
    changed[changed.indexOf('\n') + 1]! ^= 0x01; // the size line: 3 → 2
    expect(await opensslVerifies(stamp.body, changed)).toBe(false);
  }, 60_000);

  it('stamps at most once per interval, and only a checkpoint newer than the last stamp', async () => {
    const stamper = tsaClient(tsa.url);
    await grow(2);
    expect(await stampLatestCheckpoint(env.ctx, stamper)).toMatchObject({ size: 2 });
    await grow(1);
    expect(await stampLatestCheckpoint(env.ctx, stamper)).toBeNull();
    env.setNow(new Date(env.now().getTime() + 24 * 3600_000).toISOString());
    expect(await stampLatestCheckpoint(env.ctx, stamper)).toMatchObject({ size: 3 });
    env.setNow(new Date(env.now().getTime() + 24 * 3600_000).toISOString());
    // Nothing new since the last stamp: nothing to stamp.
    expect(await stampLatestCheckpoint(env.ctx, stamper)).toBeNull();
    expect(tsa.served()).toBeGreaterThanOrEqual(2);
    expect((await env.app.request('/log/timestamps')).status).toBe(200);
    expect(await (await env.app.request('/log/timestamps')).json()).toEqual({ sizes: [2, 3], next: null });
  }, 60_000);

  it('log:status names the latest stamp, and says OVERDUE once the authority has failed for more than a day', async () => {
    const ctx = { ...env.ctx, config: { ...env.ctx.config, tsaUrl: tsa.url } };
    await grow(1);
    await stampLatestCheckpoint(ctx, tsaClient(tsa.url));
    const status = async () => {
      const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      try {
        await logStatusCommand(ctx, null);
        return out.mock.calls.map((c) => String(c[0])).join('\n');
      } finally {
        out.mockRestore();
      }
    };
    expect(await status()).toContain('latest time-stamped checkpoint: size 1 at 2026-11-24T01:00:00.000Z\n');
    env.setNow('2026-11-26T01:00:00.000Z');
    expect(await status()).toContain('size 1 at 2026-11-24T01:00:00.000Z — OVERDUE');
  });

  it('answers 404 not_found for a size without a stamp and 400 bad_request for a malformed size', async () => {
    await grow(2);
    const none = await env.app.request('/log/checkpoint/2/timestamp');
    expect([none.status, ((await none.json()) as { error: { code: string } }).error.code]).toEqual([404, 'not_found']);
    for (const size of ['abc', '-1', '01', '1.5']) {
      const bad = await env.app.request(`/log/checkpoint/${size}/timestamp`);
      expect([size, bad.status, ((await bad.json()) as { error: { code: string } }).error.code]).toEqual([
        size,
        400,
        'bad_request',
      ]);
    }
  });

  it('retries a failing authority with back-off, logs the failure without its credentials, and never stops checkpoints', async () => {
    const lines: { level: string; msg: string; [k: string]: unknown }[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    const ctx = { ...env.ctx, logger };
    const withSecret = tsa.url.replace('http://', 'http://stamp-user:tsa-s3cret@');
    await grow(2);
    tsa.failWith(503);
    const job = startLogTimestamps(ctx, tsaClient(withSecret), { everyMs: 20, backoffMs: 100, maxBackoffMs: 200 });
    try {
      await expect.poll(() => lines.filter((l) => /time-stamp failed/.test(l.msg)).length).toBeGreaterThanOrEqual(2);
      // Publications and checkpoints go on while the authority fails.
      await grow(1);
      expect((await getText(env, '/log/checkpoint')).text.split('\n')[1]).toBe('3');
      expect((await timestampOf(3)).status).toBe(404);
      tsa.failWith(0);
      await expect.poll(async () => (await timestampOf(3)).status, { timeout: 5000 }).toBe(200);
    } finally {
      await job.stop();
    }
    const failures = lines.filter((l) => /time-stamp failed/.test(l.msg));
    expect(failures[0]).toMatchObject({ level: 'error', error: expect.stringContaining('HTTP 503') });
    // Back-off: far fewer attempts than ticks (20 ms ticks over the polling time).
    expect(failures.length).toBeLessThan(20);
    expect(JSON.stringify(lines)).not.toContain('tsa-s3cret');
    expect(lines.some((l) => /time-stamped/.test(l.msg))).toBe(true);
  }, 60_000);
});
