// The production build as operations run it: dist/ built by `npm run build`, the CLI and the server started from it
// with plain `node` (no tsx), a certificate PDF drawn by the compiled render worker.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceBody, MISHIMA } from '../support/fixtures.js';
import { PRODUCTION_ENV } from '../ops/process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ORIGIN = new URL(PRODUCTION_ENV.ESURETY_PUBLIC_URL).origin;

describe('the compiled build (dist/)', () => {
  let dataDir: string;
  const env = () => ({ ...process.env, ...PRODUCTION_ENV, ESURETY_DATA_DIR: dataDir });
  const distCli = (args: string[]) =>
    spawnSync(process.execPath, ['dist/cli.js', ...args], { cwd: ROOT, env: env(), encoding: 'utf8' });

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-dist-'));
    const built = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
  }, 120_000);
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('holds the server, the CLI and both workers as plain JavaScript that imports no TypeScript loader', () => {
    for (const file of ['server.js', 'cli.js', 'render-worker.mjs', 'checkpoint-worker.mjs']) {
      const text = fs.readFileSync(path.join(ROOT, 'dist', file), 'utf8');
      expect(text).not.toMatch(/from ["']tsx|\.ts["']\)/);
    }
  });

  it('migrates from dist/cli.js, then serves /readyz and a certificate PDF from dist/server.js', async () => {
    const migrate = distCli(['migrate']);
    expect(migrate.status, migrate.stderr).toBe(0);
    const tokenRun = distCli(['token:create', '--name', 'dist smoke']);
    expect(tokenRun.status, tokenRun.stderr).toBe(0);
    const token = tokenRun.stdout.trim().split('\n').at(-1)!;

    const child = spawn(process.execPath, ['dist/server.js'], { cwd: ROOT, env: { ...env(), PORT: '0' } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const deadline = Date.now() + 30_000;
      let port: string | undefined;
      while (!(port = /listening on .* \(.*:(\d+)\)/.exec(stdout)?.[1]) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(port, stdout).toBeDefined();
      const base = `http://127.0.0.1:${port}`;
      const ready = await fetch(`${base}/readyz`);
      expect(await ready.json()).toEqual({
        status: 'ready',
        checks: { database: 'ok', migrations: 'current', writes: 'ok', integrity: 'ok' },
      });

      const api = (method: string, url: string, body: unknown) =>
        fetch(base + url, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await api('PUT', '/api/v1/obligees/mishima-city', MISHIMA)).status).toBe(200);
      const published = await api('POST', '/api/v1/sureties', advanceBody());
      expect(published.status).toBe(201);
      const { contractNumber, authKey } = (await published.json()) as { contractNumber: string; authKey: string };
      const verified = await fetch(`${base}/verify`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ contractNumber, authKey }).toString(),
      });
      expect(verified.status).toBe(303);
      const cookie = verified.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      // A PDF is refused with 429 + Retry-After while the event loop runs late (a busy machine right after start-up):
      // retried as a client would.
      let pdf = await fetch(`${base}/certificates/${contractNumber}/certificate.pdf`, { headers: { cookie } });
      for (let i = 0; pdf.status === 429 && i < 10; i++) {
        await new Promise((r) => setTimeout(r, Math.min(5, Number(pdf.headers.get('retry-after') ?? 1)) * 1000));
        pdf = await fetch(`${base}/certificates/${contractNumber}/certificate.pdf`, { headers: { cookie } });
      }
      expect(pdf.status).toBe(200);
      expect(pdf.headers.get('content-type')).toBe('application/pdf');
      const bytes = Buffer.from(await pdf.arrayBuffer());
      expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(bytes.length).toBeGreaterThan(10_000);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 90_000);
});
