// The command line and the server process as an operator runs them (real child processes, real files).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function cli(dataDir: string, args: string[], env: Record<string, string> = {}) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: root,
    env: { ...process.env, ESURETY_DATA_DIR: dataDir, NODE_ENV: 'development', ...env },
    encoding: 'utf8',
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('command line', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-cli-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('migrates, seeds the demo set, creates a token, rotates keys and makes a verified backup', () => {
    expect(cli(dataDir, ['migrate']).code).toBe(0);
    const seeded = cli(dataDir, ['seed:demo']);
    expect(seeded.code).toBe(0);
    const rows = seeded.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r[2])).toEqual(['advance_payment', 'contract', 'intermediate_advance_payment']);
    for (const r of rows) expect(r[0]).toMatch(/^\d{5}-\d{6}$/);

    const token = cli(dataDir, ['token:create', '--name', '基幹システム連携']);
    expect(token.code).toBe(0);
    const lines = token.stdout.trim().split('\n');
    expect(lines[lines.length - 1]).toMatch(/^esk_[A-Za-z0-9_-]{43}$/);
    expect(token.stderr).not.toContain(lines[lines.length - 1]);

    const rotated = cli(dataDir, ['keys:rotate']);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/new active signing key: [A-Za-z0-9_-]{43}/);

    const target = path.join(dataDir, 'backup.sqlite');
    const backup = cli(dataDir, ['backup', target]);
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain('integrity_check ok, 7 versions');
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
    expect(cli(dataDir, ['backup', target]).code).not.toBe(0);
  }, 60_000);

  it('fails with a usage message for unknown commands and missing arguments', () => {
    const unknown = cli(dataDir, ['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command');
    expect(cli(dataDir, ['token:create']).stderr).toContain('--name');
  });

  it('names every bad environment variable and exits non-zero', () => {
    const res = cli(dataDir, ['migrate'], { PORT: 'x', ESURETY_OFFICE_CODE: 'abc' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('PORT');
    expect(res.stderr).toContain('ESURETY_OFFICE_CODE');
  });
});

describe('server process', () => {
  it('starts on an empty data folder, seeds the demo set and prints the URL with a demo number and key', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-server-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      env: { ...process.env, ESURETY_DATA_DIR: dataDir, PORT: '0', NODE_ENV: 'development' },
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!/認証キー \S{12}/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
    // The log: JSON lines on stdout (time, level, service, version, msg); the demo key only in the stderr hint.
    const log = stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(log.find((l) => String(l.msg).includes('listening on http://localhost:0'))).toMatchObject({
      level: 'info',
      service: 'esurety',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(log.map((l) => l.msg)).toContain('SIGTERM: finishing in-flight requests');
    expect(log.at(-1)?.msg).toBe('stopped');
    expect(stdout).not.toMatch(/認証キー/);
    expect(stderr).toMatch(/保証契約番号 10001-000001 \/ 認証キー [2-9A-HJ-NP-Za-km-z]{12}/);
    expect(fs.existsSync(path.join(dataDir, 'esurety.sqlite'))).toBe(true);
    expect(fs.statSync(path.join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 40_000);
});
