// Real processes for the operations tests: the server (its port, stdout and stderr captured) and the command line.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { openPlatform } from '../../src/platform.js';
import { createApiToken } from '../../src/services/api-tokens.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** Production settings: no demo data, a real issuer name; each test adds its data dir. */
export const PRODUCTION_ENV = {
  NODE_ENV: 'production',
  ESURETY_ISSUER_NAME: '運用テスト保証株式会社',
  ESURETY_PUBLIC_URL: 'http://esurety-ops.localhost',
  ESURETY_TRUST_PROXY: '1',
} as const;

export function cli(args: string[], env: Record<string, string>) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...PRODUCTION_ENV, ...env },
    encoding: 'utf8',
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

export function cliAsync(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...PRODUCTION_ENV, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

/**
 * Migrates the data dir and issues an API token in this process (what `token:create` does, without paying for another
 * process start); call it before starting a server on the same data dir.
 */
export async function createToken(env: Record<string, string>): Promise<string> {
  const platform = await openPlatform(loadConfig({ ...PRODUCTION_ENV, ...env }));
  try {
    return (await createApiToken(platform.ctx, { type: 'cli', id: 'ops-test' }, 'ops-test')).token;
  } finally {
    await platform.close();
  }
}

export interface Server {
  url: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts src/server.ts on a free port and waits until it listens. */
export async function startServer(env: Record<string, string>, timeoutMs = 30_000): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...PRODUCTION_ENV, PORT: '0', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let ended = false;
  void exited.then(() => (ended = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const port = /listening on .* \(.*:(\d+)\)/.exec(stdout)?.[1];
    if (port) return { url: `http://127.0.0.1:${port}`, child, stdout: () => stdout, stderr: () => stderr, exited };
    if (ended || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stop(server: Server): Promise<number | null> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
  return server.exited;
}

export function apiClient(url: string, token: string) {
  return async (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url + route, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'x-forwarded-for': '198.51.100.20',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, any>) : {} }; // eslint-disable-line @typescript-eslint/no-explicit-any -- arbitrary JSON answers
  };
}
