// `npm run bench -- login-flood`: what an anonymous staff log-in flood costs the officers. POST /api/v1/verify at a
// fixed rate (open loop) against a server process with production Argon2 cost, first alone, then while wrong-password
// log-ins arrive at --flood-rate per second, each from a new client address (X-Forwarded-For behind one trusted
// hop) so that no per-client limit stops them. Prints verification p50/p95/p99 for both phases and how the log-ins
// were answered.
//
// Options: --rate <n> (20 verifications/s)  --flood-rate <n> (7 log-ins/s)  --duration <s> (15 per phase)
//
// Figures are reported, never asserted. Exit 1 only when the benchmark itself breaks (a verification fails).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config.js';
import { openPlatform } from '../../src/platform.js';
import { createStaffUser } from '../../src/services/staff/accounts.js';
import { freePort, positiveInt, printTable } from './harness.js';
import { BENCH_ENV, call, percentile, provision, startQuietServer, suretyBody } from './ops-support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const log = (line: string) => console.error(`[bench login-flood] ${line}`);
const STAFF_EMAIL = 'flood-target@example.jp';

interface Phase {
  name: string;
  latencies: number[];
  logins: Map<number, number>;
}

/** Calls `fn` every 1000/rate ms for `seconds`, without waiting for earlier calls (open loop); awaits them all. */
async function openLoop(rate: number, seconds: number, fn: (i: number) => Promise<void>): Promise<void> {
  const pending: Promise<void>[] = [];
  const start = performance.now();
  const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(fn(i));
  }
  await Promise.all(pending);
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { rate: { type: 'string' }, 'flood-rate': { type: 'string' }, duration: { type: 'string' } },
  });
  const rate = positiveInt('--rate', values.rate, 20);
  const floodRate = positiveInt('--flood-rate', values['flood-rate'], 7);
  const duration = positiveInt('--duration', values.duration, 15);

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-login-flood-'));
  const env = { ...BENCH_ENV, ESURETY_DATA_DIR: dataDir, ESURETY_TRUST_PROXY: '1' };
  try {
    const token = await provision(env);
    const platform = await openPlatform(loadConfig(env));
    try {
      await createStaffUser(
        platform.ctx,
        { type: 'system', id: 'bench' },
        { email: STAFF_EMAIL, role: 'clerk', password: 'flood bench password 7' },
      );
    } finally {
      await platform.close();
    }
    const port = await freePort();
    const server = await startQuietServer({ name: 'server', env, cwd: ROOT, port });
    try {
      const published = await call(server.url, 'POST', '/api/v1/sureties', {
        token,
        body: suretyBody(1, 'login-flood'),
      });
      if (published.status !== 201) throw new Error(`publication failed: ${published.status}`);
      const verifyBody = { contractNumber: published.json.contractNumber, authKey: published.json.authKey };
      const origin = new URL(BENCH_ENV.ESURETY_PUBLIC_URL).origin;

      const phase = async (name: string, flood: boolean): Promise<Phase> => {
        const result: Phase = { name, latencies: [], logins: new Map() };
        const verifications = openLoop(rate, duration, async () => {
          const started = performance.now();
          const answer = await call(server.url, 'POST', '/api/v1/verify', {
            body: verifyBody,
            headers: { 'x-forwarded-for': '203.0.113.10' },
          });
          if (answer.status !== 200) throw new Error(`verification answered ${answer.status}`);
          result.latencies.push(performance.now() - started);
        });
        const logins = flood
          ? openLoop(floodRate, duration, async (i) => {
              const res = await fetch(`${server.url}/admin/login`, {
                method: 'POST',
                redirect: 'manual',
                headers: {
                  origin,
                  'content-type': 'application/x-www-form-urlencoded',
                  'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
                },
                body: new URLSearchParams({ email: STAFF_EMAIL, password: `wrong guess ${i}` }).toString(),
              });
              await res.arrayBuffer();
              result.logins.set(res.status, (result.logins.get(res.status) ?? 0) + 1);
            })
          : Promise.resolve();
        await Promise.all([verifications, logins]);
        return result;
      };

      log(`warm-up, then ${duration} s per phase at ${rate} verifications/s; flood ${floodRate} log-ins/s`);
      await phase('warm-up', false);
      const phases = [await phase('verifications alone', false), await phase('with log-in flood', true)];
      const ms = (v: number) => v.toFixed(1);
      printTable([
        ['phase', 'verifications', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'log-in answers'],
        ...phases.map((p) => {
          const sorted = [...p.latencies].sort((a, b) => a - b);
          return [
            p.name,
            String(sorted.length),
            ms(percentile(sorted, 50)),
            ms(percentile(sorted, 95)),
            ms(percentile(sorted, 99)),
            ms(sorted[sorted.length - 1] ?? 0),
            [...p.logins].map(([status, n]) => `${status}×${n}`).join(' ') || '-',
          ];
        }),
      ]);
      return 0;
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
