// `obligee-token:create` / `obligee-token:revoke` as an operator runs them (a real child process on a real data
// folder): the token alone on stdout's last line, usable at once on the watch API, audited, revocable.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openPlatform } from '../../src/platform.js';
import { listAudit } from '../../src/repositories/audit-log.js';

const root = path.resolve(import.meta.dirname, '../..');

function cli(dataDir: string, args: string[]) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: root,
    env: { ...process.env, ESURETY_DATA_DIR: dataDir, NODE_ENV: 'development', DATABASE_URL: '' },
    encoding: 'utf8',
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('obligee-token commands', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-cli-watch-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('creates a token that works at once, audited as the command line, and revokes it', async () => {
    expect(cli(dataDir, ['seed:demo']).code).toBe(0);
    const made = cli(dataDir, ['obligee-token:create', '--obligee', 'mishima-city', '--name', '三島市 契約管理']);
    expect(made.code, made.stderr).toBe(0);
    const token = made.stdout.trim().split('\n').at(-1)!;
    expect(token).toMatch(/^eob_[A-Za-z0-9_-]{43}$/);
    expect(made.stderr).toContain('shown once');
    expect(made.stderr).not.toContain(token);
    const id = /obligee token (\S+) created/.exec(made.stderr)?.[1];

    const platform = await openPlatform(loadConfig({ ESURETY_DATA_DIR: dataDir, NODE_ENV: 'development' }));
    try {
      const app = createApp(platform.ctx);
      const list = () => app.request('/api/v1/watch', { headers: { authorization: `Bearer ${token}` } });
      expect((await list()).status).toBe(200);
      const audit = (await listAudit(platform.ctx.db)).filter((r) => r.action.startsWith('obligee_token.'));
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor_type: 'cli', action: 'obligee_token.create' });
      expect(JSON.parse(audit[0]!.detail)).toMatchObject({ obligeeId: 'mishima-city', breakGlass: true });
      expect(audit[0]!.detail).not.toContain(token);

      const revoked = cli(dataDir, ['obligee-token:revoke', '--id', id!]);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect((await list()).status).toBe(401);
    } finally {
      await platform.close();
    }
  }, 90_000);

  it('names what is missing or wrong and exits non-zero', () => {
    const missing = cli(dataDir, ['obligee-token:create', '--name', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--obligee <id> --name <label>');
    const unknown = cli(dataDir, ['obligee-token:create', '--obligee', 'atlantis', '--name', 'x']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('発注者 atlantis は登録されていません');
    expect(unknown.stdout).not.toMatch(/eob_/);
  }, 60_000);
});
