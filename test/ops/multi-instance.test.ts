// Two instances starting together on one empty database with one secrets file (DESIGN §2): both come up bound to the
// same secrets; the race on the fingerprint row is lost gracefully, not with a crash. (`npm run bench -- multi` runs
// the same with two real processes, plus traffic.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { migrations } from '../../db/migrations/index.js';
import { cliAsync } from './process.js';
import { loadConfig } from '../../src/config.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { createPgSchema, describeEachDatabase, dropPgSchema, PG_URL } from '../support/harness.js';

describeEachDatabase('instances starting together', (kind) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  if (kind.name === 'sqlite') {
    // better-sqlite3 blocks its thread while waiting for a lock, so the SQLite race needs two real processes.
    it('migrate and bind one secrets file when two processes start at the same moment on a new data dir', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-together-'));
      cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
      const env = { ESURETY_DATA_DIR: dir };
      const [a, b] = await Promise.all([cliAsync(['migrate'], env), cliAsync(['migrate'], env)]);
      expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
      const db = new SQLite(path.join(dir, 'esurety.sqlite'), { readonly: true });
      try {
        const names = db.prepare('select name from kysely_migration').all() as { name: string }[];
        expect(names.map((r) => r.name).sort()).toEqual(Object.keys(migrations).sort());
        expect(db.prepare(`select count(*) as n from meta where key = 'secrets_fingerprint'`).get()).toEqual({ n: 1 });
      } finally {
        db.close();
      }
    }, 60_000);
    return;
  }

  it('bind the same secrets and fingerprint when started at the same moment on an empty database', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-together-'));
      cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
      const schema = kind.name === 'postgres' ? await createPgSchema() : undefined;
      if (schema) cleanup.push(() => dropPgSchema(schema));
      const connection = schema
        ? { databaseUrl: PG_URL, pgSchema: schema, poolSize: 3 }
        : { sqliteFile: path.join(dir, 'esurety.sqlite') };
      const config = loadConfig({ NODE_ENV: 'test', ESURETY_DATA_DIR: dir });
      const [a, b] = (await Promise.all([
        openPlatform(config, { connection }),
        openPlatform(config, { connection }),
      ])) as [Platform, Platform];
      cleanup.push(async () => {
        await a.close();
        await b.close();
      });
      expect(a.ctx.keyring.activeKid).toBe(b.ctx.keyring.activeKid);
      expect(a.ctx.cookieSecret).toBe(b.ctx.cookieSecret);
      const rows = await a.ctx.db.selectFrom('meta').selectAll().where('key', '=', 'secrets_fingerprint').execute();
      expect(rows).toHaveLength(1);
      expect(await a.ctx.db.selectFrom('signing_keys').selectAll().execute()).toHaveLength(1);
    }
  });
});
