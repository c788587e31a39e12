// Demo mode (README "Demo"): fictional guarantees are seeded only under the fictional demo issuer, only into an empty
// database, only once when instances start together; a real deployment that forgot NODE_ENV seeds nothing and its
// start-up prints no key.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { countSureties } from '../../src/repositories/sureties.js';
import { seedDemoAtStart } from '../../src/services/seed-demo.js';
import { createPgSchema, describeEachDatabase, dropPgSchema, setup, type TestEnv } from '../support/harness.js';
import { startServer, stop } from './process.js';

describeEachDatabase('demo seeding', (kind) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('seeds the demo data once when two instances start together on an empty database', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-demo-'));
    cleanup.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const pgSchema = kind.name === 'postgres' ? await createPgSchema() : undefined;
    if (pgSchema) cleanup.push(() => dropPgSchema(pgSchema));
    // No ESURETY_ISSUER_NAME: the default fictional issuer, demo on (NODE_ENV is not production).
    const options = { dataDir, env: { ESURETY_ISSUER_NAME: '', NODE_ENV: 'development' } };
    const open = async () => {
      const env = await setup(kind, { ...options, ...(pgSchema ? { pgSchema } : {}) });
      cleanup.push(() => env.close());
      return env;
    };
    const a = await open();
    // better-sqlite3 waits for a lock by blocking its thread, so two SQLite connections in one process would
    // deadlock: on SQLite the two starts share one connection (test/ops/multi-instance.test.ts races two processes).
    const b: TestEnv = kind.name === 'postgres' ? await open() : a;
    const outcomes = await Promise.all([seedDemoAtStart(a.ctx), seedDemoAtStart(b.ctx)]);
    expect(outcomes.map((o) => o.mode).sort()).toEqual(['not_empty', 'seeded']);
    expect(await countSureties(a.ctx.db)).toBe(3);
    expect(await a.ctx.db.selectFrom('obligees').select('id').execute()).toHaveLength(1);
  });

  it('seeds nothing under a real issuer name, whatever NODE_ENV says', async () => {
    const env = await setup(kind, { env: { NODE_ENV: 'development' } });
    cleanup.push(() => env.close());
    expect(env.config.demo).toBe(false);
    expect(await seedDemoAtStart(env.ctx)).toEqual({ mode: 'off', reason: 'real_issuer' });
    expect(await countSureties(env.ctx.db)).toBe(0);
  });
});

it('a real deployment that forgot NODE_ENV starts without demo data, says so, and prints no key', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-demo-'));
  try {
    // process.ts sets ESURETY_ISSUER_NAME (a real issuer); NODE_ENV is left at its development default.
    const server = await startServer({ ESURETY_DATA_DIR: dataDir, NODE_ENV: 'development' });
    expect(await stop(server)).toBe(0);
    expect(server.stdout()).toContain('demo mode off: ESURETY_ISSUER_NAME is set');
    expect(server.stderr()).not.toContain('認証キー');
    const db = new SQLite(path.join(dataDir, 'esurety.sqlite'), { readonly: true });
    try {
      expect(db.prepare('select count(*) as n from sureties').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);
