// Test harness: a real migrated database per test (SQLite file, or a fresh PostgreSQL schema when
// TEST_DATABASE_URL is set), the real app through app.request() or the listening server src/server.ts runs, a
// controllable clock and an API token.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer } from '../../src/http-server.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { createApiToken } from '../../src/services/api-tokens.js';
import type { ServiceContext } from '../../src/services/context.js';

export const PG_URL = process.env.TEST_DATABASE_URL;

export interface DatabaseKind {
  name: 'sqlite' | 'postgres';
}

export const DATABASES: DatabaseKind[] = [{ name: 'sqlite' }, ...(PG_URL ? [{ name: 'postgres' as const }] : [])];

let warned = false;
/** Runs the suite once per database: SQLite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function describeEachDatabase(title: string, suite: (kind: DatabaseKind) => void): void {
  for (const kind of DATABASES) describe(`${title} [${kind.name}]`, () => suite(kind));
  if (!PG_URL) {
    if (!warned) {
      warned = true;
      console.warn(
        'PostgreSQL suite SKIPPED: set TEST_DATABASE_URL=postgres://… to run every suite against PostgreSQL too',
      );
    }
    describe.skip(`${title} [postgres: skipped, TEST_DATABASE_URL not set]`, () => suite({ name: 'postgres' }));
  }
}

export interface TestEnv {
  kind: DatabaseKind;
  platform: Platform;
  ctx: ServiceContext;
  app: ReturnType<typeof createApp>;
  config: Readonly<Config>;
  dataDir: string;
  token: string;
  /** Moves the clock (all services read it). */
  setNow(iso: string): void;
  now(): Date;
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  text: string;
}

export interface SetupOptions {
  env?: Record<string, string>;
  now?: string;
  /** Reuse an existing data dir / PostgreSQL schema (restart scenarios). */
  dataDir?: string;
  pgSchema?: string;
}

export async function createPgSchema(): Promise<string> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`create schema ${schema}`);
  await client.end();
  return schema;
}

export async function dropPgSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
}

export async function setup(kind: DatabaseKind, options: SetupOptions = {}): Promise<TestEnv> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-test-'));
  let now = new Date(options.now ?? '2026-11-24T01:00:00.000Z');
  const config = loadConfig({
    NODE_ENV: 'test',
    ESURETY_DATA_DIR: dataDir,
    ESURETY_PUBLIC_URL: 'http://localhost:3000',
    ESURETY_TRUST_PROXY: '1',
    ESURETY_ISSUER_NAME: 'テスト保証株式会社',
    ...options.env,
  });
  const pgSchema = kind.name === 'postgres' ? (options.pgSchema ?? (await createPgSchema())) : undefined;
  const platform = await openPlatform(config, {
    clock: () => now,
    connection: pgSchema
      ? { databaseUrl: PG_URL, pgSchema, poolSize: 5 }
      : { sqliteFile: path.join(dataDir, 'esurety.sqlite') },
  });
  const ctx = platform.ctx;
  const app = createApp(ctx);
  const { token } = await createApiToken(ctx, { type: 'system', id: 'test' }, 'test token');
  const env: TestEnv = {
    kind,
    platform,
    ctx,
    app,
    config,
    dataDir,
    token,
    setNow(iso) {
      now = new Date(iso);
    },
    now: () => now,
    async api(method, url, body, headers = {}) {
      const init: RequestInit = {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'x-forwarded-for': '198.51.100.7',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
      };
      if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
      const res = await app.request(url, init);
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      return { status: res.status, headers: res.headers, json, text };
    },
    async close() {
      await platform.close();
      if (pgSchema && !options.pgSchema) await dropPgSchema(pgSchema);
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return env;
}

/** Row counts of every table a rejected request must leave untouched. */
export async function snapshotCounts(env: TestEnv): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of [
    'sureties',
    'versions',
    'audit_log',
    'idempotency_keys',
    'obligees',
    'office_sequences',
  ] as const) {
    const row = await env.ctx.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

export interface Listening {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/** The listening server exactly as src/server.ts starts it (src/http-server.ts), on a free port of 127.0.0.1. */
export async function listen(ctx: ServiceContext): Promise<Listening> {
  const http = startServer(ctx, { port: 0, hostname: '127.0.0.1' });
  const { port } = await http.listening;
  return { url: `http://127.0.0.1:${port}`, close: () => http.close() };
}
