// The corruption checks of every start (services/startup-integrity.ts): one flipped byte in a stored key or a page of
// the SQLite file makes the instance log the finding and answer /readyz 503 until it is repaired.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { publish, registerMishima } from '../support/fixtures.js';
import { createPgSchema, describeEachDatabase, dropPgSchema, setup, type TestEnv } from '../support/harness.js';
import { startServer, stop, type Server } from './process.js';

describeEachDatabase('corruption found at start', (kind) => {
  const dirs: string[] = [];
  const schemas: string[] = [];
  const open: TestEnv[] = [];
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await stop(server);
    for (const env of open.splice(0)) await env.close();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    for (const schema of schemas.splice(0)) await dropPgSchema(schema);
  });
  const start = async (dataDir: string, pgSchema: string | undefined) => {
    const env = await setup(kind, { dataDir, pgSchema });
    open.push(env);
    return env;
  };
  /** A data dir (and schema) holding two guarantees; the returned env is open. */
  const used = async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-startup-'));
    dirs.push(dataDir);
    const pgSchema = kind.name === 'postgres' ? await createPgSchema() : undefined;
    if (pgSchema) schemas.push(pgSchema);
    const env = await start(dataDir, pgSchema);
    await registerMishima(env);
    await publish(env);
    const newest = await publish(env);
    return { env, dataDir, pgSchema, newest: newest.contractNumber };
  };
  const readyz = async (env: TestEnv) => {
    const res = await env.app.request('/readyz');
    return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
  };

  it('is not ready after a start that found a stored key HMAC changed by one byte', async () => {
    const { env, dataDir, pgSchema, newest } = await used();
    expect((await readyz(env)).status).toBe(200);
    const { auth_key_hmac: hmac } = await env.ctx.db
      .selectFrom('sureties')
      .select('auth_key_hmac')
      .where('contract_number', '=', newest)
      .executeTakeFirstOrThrow();
    await env.ctx.db
      .updateTable('sureties')
      .set({ auth_key_hmac: `${hmac.slice(0, 9)}${hmac[9] === 'a' ? 'b' : 'a'}${hmac.slice(10)}` })
      .where('contract_number', '=', newest)
      .execute();
    await env.close();
    open.splice(0);
    const restarted = await start(dataDir, pgSchema);
    expect(restarted.ctx.startupFindings).toEqual([
      `auth_key ${newest}: the key HMAC (auth_key_hmac) does not match the stored key: the genuine key is refused; ` +
        'reissue the key (認証キー再発行) so that the contractor gets a working one',
    ]);
    expect(await readyz(restarted)).toEqual({
      status: 503,
      body: {
        status: 'not_ready',
        checks: { database: 'ok', migrations: 'current', writes: 'ok', integrity: 'corrupt' },
      },
    });
  });

  if (kind.name === 'sqlite') {
    it('logs a damaged page found by quick_check and answers /readyz 503 from the real server', async () => {
      const { env, dataDir } = await used();
      for (let i = 0; i < 12; i++) await publish(env);
      const raw = env.platform.handle.sqlite;
      if (!raw) throw new Error('no SQLite handle');
      const leaf = raw
        .prepare("select pgoffset from dbstat where name = 'versions' and pagetype = 'leaf' order by pageno")
        .all()[1] as { pgoffset: number };
      await env.close();
      open.splice(0);
      const fd = fs.openSync(path.join(dataDir, 'esurety.sqlite'), 'r+');
      const byte = Buffer.alloc(1);
      fs.readSync(fd, byte, 0, 1, leaf.pgoffset);
      fs.writeSync(fd, Buffer.from([(byte[0] ?? 0) ^ 0xff]), 0, 1, leaf.pgoffset);
      fs.closeSync(fd);
      const server = await startServer({ ESURETY_DATA_DIR: dataDir });
      servers.push(server);
      const res = await fetch(`${server.url}/readyz`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { checks: Record<string, string> }).checks.integrity).toBe('corrupt');
      const logged = server
        .stdout()
        .split('\n')
        .filter((l) => l.includes('corruption found at start'))
        .map((l) => (JSON.parse(l) as { finding: string }).finding);
      expect(logged).toEqual([expect.stringMatching(/^integrity_check sqlite: .*malformed/)]);
    }, 60_000);
  }
});
