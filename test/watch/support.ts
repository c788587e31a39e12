// Shared setup of the obligee API tests: a database that survives an app restart, 三島市 and 沼津市, an obligee
// token for each, and a request helper that sends a chosen bearer token.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createObligeeToken } from '../../src/services/obligee-tokens.js';
import { MISHIMA, publish, registerMishima } from '../support/fixtures.js';
import {
  createPgSchema,
  dropPgSchema,
  setup,
  type ApiResponse,
  type DatabaseKind,
  type TestEnv,
} from '../support/harness.js';

export interface WatchWorld {
  env: TestEnv;
  /** 三島市's token (contract management system). */
  mishima: string;
  /** 沼津市's token: another organisation. */
  numazu: string;
  /** Sends with `token` as bearer (null: no Authorization header at all). */
  as(token: string | null, method: string, url: string, body?: unknown, ip?: string): Promise<ApiResponse>;
  /** A new app instance on the same database (the old one closed). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const cli = { type: 'cli' as const, id: 'test-operator' };

export async function watchWorld(kind: DatabaseKind, now?: string): Promise<WatchWorld> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-watch-'));
  const pgSchema = kind.name === 'postgres' ? await createPgSchema() : undefined;
  const open = (at?: string) => setup(kind, { dataDir, ...(pgSchema ? { pgSchema } : {}), ...(at ? { now: at } : {}) });
  const world: WatchWorld = {
    env: await open(now),
    mishima: '',
    numazu: '',
    as(token, method, url, body, ip = '198.51.100.7') {
      const headers: Record<string, string> = { 'x-forwarded-for': ip };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      return world.env.api(method, url, body, token === null ? { ...headers, authorization: '' } : headers);
    },
    async restart() {
      const at = world.env.now().toISOString();
      await world.env.close();
      world.env = await open(at);
    },
    async close() {
      await world.env.close();
      if (pgSchema) await dropPgSchema(pgSchema);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await registerMishima(world.env);
  const numazu = await world.env.api('PUT', '/api/v1/obligees/numazu-city', {
    ...MISHIMA,
    name: '沼津市',
    title: '沼津市長',
  });
  if (numazu.status !== 200) throw new Error(numazu.text);
  world.mishima = (
    await createObligeeToken(world.env.ctx, cli, { obligeeId: 'mishima-city', name: '契約管理システム' })
  ).token;
  world.numazu = (
    await createObligeeToken(world.env.ctx, cli, { obligeeId: 'numazu-city', name: '沼津市 財務会計' })
  ).token;
  return world;
}

export { publish };
