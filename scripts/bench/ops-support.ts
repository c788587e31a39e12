// Shared by the operations harnesses (multi, load, scale, crash): a fresh PostgreSQL database per run, provisioning
// (API token + obligee) through the real services, publication bodies, a small HTTP client and latency summaries.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { openPlatform } from '../../src/platform.js';
import { createApiToken } from '../../src/services/api-tokens.js';
import type { Actor } from '../../src/services/context.js';
import { putObligee } from '../../src/services/obligees.js';
import { positiveInt, type Child } from './harness.js';

export { positiveInt };
import { BENCH_ENV } from './verify-dataset.js';

export { BENCH_ENV };

/** The PostgreSQL server the harnesses use (DESIGN §9: trust auth on loopback). */
export const PG_ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const OBLIGEE_ID = 'ops-city';
const actor: Actor = { type: 'system', id: 'bench:ops' };

export interface PgDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A brand-new database on the PostgreSQL server, dropped again by drop() (connections are terminated first). */
export async function createPgDatabase(prefix: string): Promise<PgDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      try {
        await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
        await client.query(`drop database if exists ${name}`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Opens the platform once in this process (migrations, secrets) with the given environment, creates an API token
 * and registers the harness's obligee, then closes it again. Returns the token.
 */
export async function provision(env: Record<string, string>): Promise<string> {
  const config = loadConfig({ ...BENCH_ENV, ...env });
  const platform = await openPlatform(config);
  try {
    await putObligee(platform.ctx, actor, OBLIGEE_ID, {
      name: '運用市',
      title: '運用市長',
      rules: [
        {
          products: ['advance_payment', 'intermediate_advance_payment', 'contract'],
          basis: 'contract_date',
          effectiveFrom: '2026-01-01',
        },
      ],
    });
    return (await createApiToken(platform.ctx, actor, 'ops harness')).token;
  } finally {
    await platform.close();
  }
}

/** A valid publication body; `marker` goes into the works name so that a publication can be found again. */
export function suretyBody(i: number, marker: string): Record<string, unknown> {
  const advance = i % 2 === 0;
  const contractAmount = 10_000_000 + (i % 97) * 1_000_000;
  const guaranteeAmount = advance ? Math.round(contractAmount * 0.4) : Math.round(contractAmount * 0.1);
  return {
    product: advance ? 'advance_payment' : 'contract',
    obligeeId: OBLIGEE_ID,
    contractor: { name: `運用建設株式会社 第${(i % 50) + 1}支店`, address: '静岡県運用市本町1番1号' },
    works: {
      name: marker,
      number: `令和8年度 第${(i % 500) + 1}号`,
      contractDate: '2026-04-01',
      period: { from: '2026-04-02', to: '2027-03-19' },
    },
    contractAmount,
    guaranteeAmount,
    ...(advance ? { advanceAmount: guaranteeAmount, depositBank: '運用中央銀行 本店営業部' } : {}),
    guaranteePeriod: { from: '2026-04-02', to: '2027-04-30' },
    guaranteeDate: '2026-04-01',
  };
}

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field
  json: any;
  headers: Headers;
}

/** One JSON request with a deadline; network failures reject (the caller decides what a failure means). */
export async function call(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Answer> {
  const res = await fetch(url + path, {
    method,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { raw: text.slice(0, 200) };
  }
  return { status: res.status, json, headers: res.headers };
}

/** Percentile of sorted values (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

/** Runs `fn` for every item with at most `width` at a time. */
export async function inParallel<T>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
}

export interface QuietChild extends Child {
  /** What the process wrote to stderr so far (start-up banner, refusals, errors). */
  stderr(): string;
}

const quiet = new Set<QuietChild>();
process.once('exit', () => {
  for (const child of quiet) child.process.kill('SIGKILL');
});

/**
 * Like harness.startServer, but stderr and the log's error lines are captured instead of passed through (a harness that restarts the server
 * hundreds of times, or expects it to refuse, reads it). Resolves once readyPath answers 200; rejects with the
 * captured stderr when the process exits first.
 */
export async function startQuietServer(options: {
  name: string;
  env: Record<string, string>;
  cwd: string;
  port: number;
  readyPath?: string;
  timeoutMs?: number;
}): Promise<QuietChild> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, PORT: String(options.port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  // The log (stdout) holds the start-up refusal ("cannot start: …"); only its error lines are kept, the request lines
  // of a long load run would only fill memory.
  proc.stdout?.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (/"level":"(error|fatal)"/.test(line)) stderr += `${line}\n`;
  });
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const child: QuietChild = {
    name: options.name,
    process: proc,
    url: `http://127.0.0.1:${options.port}`,
    exited,
    stderr: () => stderr,
  };
  quiet.add(child);
  void exited.then(() => quiet.delete(child));
  let ended: number | string | undefined;
  void exited.then((code) => (ended = code));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (ended !== undefined) {
      throw Object.assign(new Error(`${options.name} exited during start-up (${ended}): ${stderr.trim()}`), {
        exitCode: ended,
        stderr,
      });
    }
    try {
      const res = await fetch(child.url + (options.readyPath ?? '/readyz'), { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${options.name} did not become ready: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
