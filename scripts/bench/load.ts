// `npm run bench -- load`: mixed traffic at fixed rates against one server, the way office hours look plus an attack:
//
//   verify  POST /api/v1/verify with the right number + key, from many office addresses (X-Forwarded-For)
//   pages   GET /, /obligees, /certificates/{n} and /certificates/{n}/versions/1 with a viewer grant
//   form    POST /verify (the officer's form) with the right key → 303 to the certificate
//   pdf     the certificate PDF, when the server offers one (probed at start)
//   flood   POST /api/v1/verify with wrong keys for real numbers, waves of 32 other clients (each cut off after 30)
//
// Prints throughput, p50/p99, status codes and errors per class, the server's RSS over time, how long its main thread
// waited for a CPU and the load generator's own event-loop delay. Exit code 1 when any legitimate request failed or
// answered anything but its success status (a certificate PDF shed with 429 + Retry-After is counted apart), or the
// flood saw anything but 401/429.
//
// Options: --duration S (60)  --rate N (legitimate verifications/s, 100)  --page-rate N (40)  --form-rate N (10)
//          --pdf-rate N (5; 0 leaves PDFs out, the baseline to compare with)  --flood-rate N (200)  --versions N (SQLite data set size, 100000)
//          --contracts N (2000)  --postgres (a fresh PostgreSQL database instead)  --short (CI: 10 s)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import { loadConfig } from '../../src/config.js';
import { openPlatform } from '../../src/platform.js';
import { publishSurety } from '../../src/services/publish-surety.js';
import { cpuSeconds, fmt, freePort, printTable, rssMiB, stopServer, UsageError } from './harness.js';
import {
  BENCH_ENV,
  createPgDatabase,
  inParallel,
  percentile,
  positiveInt,
  provision,
  startQuietServer,
  suretyBody,
  type PgDatabase,
  type QuietChild,
} from './ops-support.js';
import { threadDelta, threadTimes } from './threads.js';
import { prepareDataset } from './verify-dataset.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ORIGIN = new URL(BENCH_ENV.ESURETY_PUBLIC_URL).origin;
const log = (line: string) => console.error(`[bench load] ${line}`);

interface Contract {
  contractNumber: string;
  authKey: string;
}

interface TrafficClass {
  name: string;
  rate: number;
  /** The next request of this class. */
  next(): Planned;
  /** Status codes that count as success (legitimate classes) or as the expected refusal (flood). */
  expected: number[];
  /**
   * Of `expected`, the codes that mean the server shed this optional work (a PDF refused with 429 + Retry-After
   * while it was behind): accepted, and counted separately so that a run cannot hide them.
   */
  shed?: number[];
  legitimate: boolean;
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        duration: { type: 'string' },
        rate: { type: 'string' },
        'page-rate': { type: 'string' },
        'form-rate': { type: 'string' },
        'pdf-rate': { type: 'string' },
        'flood-rate': { type: 'string' },
        versions: { type: 'string' },
        contracts: { type: 'string' },
        postgres: { type: 'boolean', default: false },
        short: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const duration = positiveInt('duration', values.duration, values.short ? 10 : 60);
  const rate = positiveInt('rate', values.rate, 100);
  const pageRate = positiveInt('page-rate', values['page-rate'], 40);
  const formRate = positiveInt('form-rate', values['form-rate'], 10);
  const pdfRate = values['pdf-rate'] === '0' ? 0 : positiveInt('pdf-rate', values['pdf-rate'], 5);
  const floodRate = positiveInt('flood-rate', values['flood-rate'], 200);
  const versions = positiveInt('versions', values.versions, 100_000);
  const contractCount = positiveInt('contracts', values.contracts, values.postgres ? 1000 : 2000);

  // The data set and the server.
  let pgDb: PgDatabase | null = null;
  let pgDataDir: string | null = null;
  let serverEnv: Record<string, string>;
  let contracts: Contract[];
  let described: string;
  if (values.postgres) {
    pgDb = await createPgDatabase('esurety_load');
    pgDataDir = path.join(os.tmpdir(), `esurety-load-${pgDb.name}`);
    serverEnv = { ...BENCH_ENV, DATABASE_URL: pgDb.url, ESURETY_DATA_DIR: pgDataDir };
    contracts = await publishContracts(serverEnv, contractCount);
    described = `PostgreSQL database ${pgDb.name}: ${contracts.length} guarantees published through the services`;
  } else {
    const dataset = await prepareDataset({ versions, contracts: contractCount, fresh: false, log });
    resetActivity(dataset.dbFile);
    serverEnv = { ...BENCH_ENV, ESURETY_DATA_DIR: dataset.dir };
    contracts = dataset.contracts;
    described = `SQLite data set of ${dataset.versions.toLocaleString('en-US')} versions (${contracts.length} verifiable guarantees)`;
  }
  const server = await startQuietServer({
    name: 'platform server',
    env: { ...serverEnv, ESURETY_TRUST_PROXY: '1' },
    cwd: ROOT,
    port: await freePort(),
  });
  log(`server pid ${server.process.pid} on ${server.url}; ${described}`);
  try {
    return await drive(server, contracts, { duration, rate, pageRate, formRate, pdfRate, floodRate }, described);
  } finally {
    const code = await stopServer(server);
    if (code !== 0) log(`server exited with ${code}: ${server.stderr().trim().split('\n').slice(-5).join(' | ')}`);
    if (pgDb) await pgDb.drop();
    if (pgDataDir) fs.rmSync(pgDataDir, { recursive: true, force: true });
  }
}

interface Rates {
  duration: number;
  rate: number;
  pageRate: number;
  formRate: number;
  pdfRate: number;
  floodRate: number;
}

async function drive(server: QuietChild, contracts: Contract[], r: Rates, described: string): Promise<number> {
  // Viewer grants for the page views: one form verification per certificate, as an officer would do.
  const viewed = contracts.slice(0, Math.min(200, contracts.length));
  const grants: { contractNumber: string; cookie: string }[] = [];
  await inParallel(viewed, 8, async (c, i) => {
    const res = await fetch(`${server.url}/verify`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        origin: ORIGIN,
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': `10.250.${i >> 8}.${i & 255}`,
      },
      body: new URLSearchParams({ contractNumber: c.contractNumber, authKey: c.authKey }).toString(),
    });
    await res.arrayBuffer();
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
    if (res.status !== 303 || !cookie) throw new Error(`could not open ${c.contractNumber}: HTTP ${res.status}`);
    grants.push({ contractNumber: c.contractNumber, cookie });
  });
  const pdfPath = r.pdfRate > 0 ? await probePdf(server.url, grants[0]) : null;
  log(
    `${grants.length} viewer grants opened; certificate PDF: ${pdfPath ? pdfPath('N') : r.pdfRate > 0 ? 'not offered by this server' : 'left out (--pdf-rate 0)'}`,
  );

  const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)] as T;
  let office = 0;
  let attacker = 0;
  const officeAddress = () => `10.${(office >> 16) & 255}.${(office >> 8) & 255}.${office++ & 255}`;
  const json = { 'content-type': 'application/json' };
  const classes: TrafficClass[] = [
    {
      name: 'verify (API)',
      rate: r.rate,
      expected: [200],
      legitimate: true,
      next() {
        const c = pick(contracts);
        return {
          method: 'POST',
          path: '/api/v1/verify',
          headers: { ...json, 'x-forwarded-for': officeAddress() },
          body: JSON.stringify({ contractNumber: c.contractNumber, authKey: c.authKey }),
        };
      },
    },
    {
      name: 'pages',
      rate: r.pageRate,
      expected: [200],
      legitimate: true,
      next() {
        const g = pick(grants);
        const roll = Math.random();
        const path =
          roll < 0.15
            ? '/'
            : roll < 0.25
              ? '/obligees'
              : roll < 0.7
                ? `/certificates/${g.contractNumber}`
                : `/certificates/${g.contractNumber}/versions/1`;
        return { method: 'GET', path, headers: { cookie: g.cookie, 'x-forwarded-for': officeAddress() } };
      },
    },
    {
      name: 'form verify',
      rate: r.formRate,
      expected: [303],
      legitimate: true,
      next() {
        const c = pick(contracts);
        return {
          method: 'POST',
          path: '/verify',
          headers: {
            origin: ORIGIN,
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-for': officeAddress(),
          },
          body: new URLSearchParams({ contractNumber: c.contractNumber, authKey: c.authKey }).toString(),
        };
      },
    },
    ...(pdfPath
      ? [
          {
            name: 'certificate PDF',
            rate: r.pdfRate,
            expected: [200, 429],
            shed: [429],
            legitimate: true,
            next(): Planned {
              const g = pick(grants);
              return {
                method: 'GET',
                path: pdfPath(g.contractNumber),
                headers: { cookie: g.cookie, 'x-forwarded-for': officeAddress() },
              };
            },
          },
        ]
      : []),
    {
      name: 'wrong-key flood',
      rate: r.floodRate,
      expected: [401, 429],
      legitimate: false,
      next() {
        const c = pick(contracts);
        // Waves of 32 attacking clients, 40 attempts each: 30 failures, then 429 until a fresh wave takes over.
        const n = attacker++;
        const a = (n % 32) + 32 * Math.floor(n / (32 * 40));
        return {
          method: 'POST',
          path: '/api/v1/verify',
          headers: { ...json, 'x-forwarded-for': `198.${18 + (a >> 16)}.${(a >> 8) & 255}.${a & 255}` },
          body: JSON.stringify({ contractNumber: c.contractNumber, authKey: 'WrongKey2345' }),
        };
      },
    },
  ];

  // A server that has been up for a while: every guarantee verified once (signatures cached, pages in memory), then
  // a few seconds of the same traffic whose figures are discarded.
  const primeStarted = performance.now();
  await inParallel(contracts, 8, async (c, i) => {
    const res = await fetch(`${server.url}/api/v1/verify`, {
      method: 'POST',
      headers: { ...json, 'x-forwarded-for': `10.251.${i >> 8}.${i & 255}` },
      body: JSON.stringify({ contractNumber: c.contractNumber, authKey: c.authKey }),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`priming ${c.contractNumber}: HTTP ${res.status}`);
  });
  const warmup = Math.min(5, Math.max(1, Math.round(r.duration / 6)));
  await openLoop(server.url, classes, warmup);
  log(
    `primed ${contracts.length} guarantees in ${fmt.secs(performance.now() - primeStarted - warmup * 1000)}, ${warmup} s warm-up`,
  );

  // RSS over time while the load runs.
  const pid = server.process.pid;
  const samples: { t: number; rss: number | null }[] = [{ t: 0, rss: rssMiB(pid) }];
  const t0 = performance.now();
  const every = Math.max(1, Math.round(r.duration / 12)) * 1000;
  const sampler = setInterval(() => samples.push({ t: (performance.now() - t0) / 1000, rss: rssMiB(pid) }), every);
  const cpuBefore = cpuSeconds(pid);
  const threadsBefore = threadTimes(pid);
  // The load generator shares the machine: its own event-loop delay says how much of a latency is ours, not the server's.
  const clientDelay = monitorEventLoopDelay({ resolution: 10 });
  clientDelay.enable();
  log(
    `load: ${r.duration} s open-loop; ${classes.map((c) => `${c.name} ${c.rate}/s`).join(', ')}; ` +
      `machine ${os.availableParallelism()} CPUs, load average ${(os.loadavg()[0] ?? 0).toFixed(1)}`,
  );
  const outcomes = await openLoop(server.url, classes, r.duration);
  clearInterval(sampler);
  const elapsed = (performance.now() - t0) / 1000;
  samples.push({ t: elapsed, rss: rssMiB(pid) });
  const cpuAfter = cpuSeconds(pid);
  const threadsAfter = threadTimes(pid);
  clientDelay.disable();
  const ready = await fetch(`${server.url}/readyz`)
    .then((res) => res.status)
    .catch(() => 0);

  // Verdicts.
  const verdicts = classes.map((c, i) => {
    const o = outcomes[i] as Outcome;
    const count = o.latencies.length;
    const unexpected = Object.entries(o.codes)
      .filter(([code]) => !c.expected.includes(Number(code)))
      .reduce((n, [, k]) => n + k, 0);
    const ok = unexpected === 0 && o.errors === 0 && count > 0;
    const sorted = [...o.latencies].sort((x, y) => x - y);
    return {
      c,
      o,
      count,
      unexpected,
      ok,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? 0,
    };
  });
  const total = verdicts.reduce((n, v) => n + v.count, 0);
  const cpu =
    cpuBefore && cpuAfter
      ? `${(((cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system) / elapsed) * 100).toFixed(0)}%`
      : 'n/a';

  console.log('');
  console.log(`load benchmark: ${described}`);
  console.log(
    `${r.duration} s of open-loop traffic at fixed rates; ${fmt.int(total)} answers in ${elapsed.toFixed(1)} s = ` +
      `${fmt.int(total / elapsed)} req/s overall; server CPU ${cpu} of one core; /readyz after the load: ${ready}`,
  );
  console.log('');
  printTable([
    ['class', 'target/s', 'req/s', 'requests', 'p50', 'p99', 'max', 'status codes', 'errors', 'result'],
    ...verdicts.map(({ c, o, count, ok, p50, p99, max }) => [
      c.name,
      String(c.rate),
      fmt.int(count / elapsed),
      fmt.int(count),
      fmt.ms(p50),
      fmt.ms(p99),
      fmt.ms(max),
      Object.entries(o.codes)
        .map(([code, n]) => `${code}×${n}`)
        .join(' '),
      String(o.errors),
      ok ? 'PASS' : 'FAIL',
    ]),
  ]);
  console.log('');
  for (const { c, o, count } of verdicts) {
    const shed = (c.shed ?? []).reduce((n, code) => n + (o.codes[code] ?? 0), 0);
    if (c.shed) {
      console.log(
        `${c.name}: ${fmt.int(shed)} of ${fmt.int(count)} refused with ${c.shed.join('/')} + Retry-After ` +
          `(${count > 0 ? ((shed / count) * 100).toFixed(0) : 0}%: shed while the server was behind)`,
      );
    }
  }
  if (threadsBefore && threadsAfter) {
    const t = threadDelta(threadsBefore, threadsAfter);
    console.log(
      `server main thread: ${t.main.cpu.toFixed(1)} s on a CPU, ${t.main.wait.toFixed(1)} s runnable but waiting for one ` +
        `(${((t.main.wait / elapsed) * 100).toFixed(0)}% of the run); other threads (PDF worker, GC, libuv): ` +
        `${t.others.cpu.toFixed(1)} s CPU, ${t.others.wait.toFixed(1)} s waiting`,
    );
  }
  console.log(
    `load generator event-loop delay: p99 ${fmt.ms(clientDelay.percentile(99) / 1e6)}, ` +
      `max ${fmt.ms(clientDelay.max / 1e6)} (included in the latencies above); machine load average ` +
      `${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  );
  console.log(
    `RSS over time: ${samples.map((x) => `${x.t.toFixed(0)}s ${x.rss === null ? 'n/a' : `${x.rss.toFixed(0)} MiB`}`).join(', ')}`,
  );
  const failed = verdicts.filter((v) => !v.ok);
  for (const v of failed) {
    console.error(
      `FAIL ${v.c.name}: ${v.unexpected} answers outside ${v.c.expected.join('/')}, ${v.o.errors} errors` +
        `${v.o.firstError ? ` (first: ${v.o.firstError})` : ''}${v.c.legitimate ? ' on legitimate traffic' : ''}`,
    );
  }
  if (ready !== 200) console.error(`FAIL /readyz answered ${ready} after the load`);
  return failed.length === 0 && ready === 200 ? 0 : 1;
}

interface Planned {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface Outcome {
  latencies: number[];
  codes: Record<string, number>;
  errors: number;
  firstError?: string;
}

/**
 * Open-loop load: each class fires its requests at evenly spaced moments whatever the answers do, so a slow server
 * shows as latency (and eventually errors) rather than as fewer requests. autocannon's own rate limit is not used
 * here: it releases each second's quota at the start of the second, and those bursts made latencies a measure of
 * the burst size. Bounded: at most `duration` seconds of sending and 1,000 requests in flight.
 */
async function openLoop(url: string, classes: TrafficClass[], duration: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = classes.map(() => ({ latencies: [], codes: {}, errors: 0 }));
  const sent = classes.map(() => 0);
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  const fire = (i: number) => {
    const c = classes[i] as TrafficClass;
    const o = outcomes[i] as Outcome;
    if (pending.size >= 1000) {
      o.errors++;
      o.firstError ??= 'more than 1,000 requests in flight (server far behind)';
      return;
    }
    const planned = c.next();
    const t = performance.now();
    const p = fetch(url + planned.path, {
      method: planned.method,
      headers: planned.headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
      ...(planned.body !== undefined ? { body: planned.body } : {}),
    })
      .then(async (res) => {
        await res.arrayBuffer();
        o.latencies.push(performance.now() - t);
        o.codes[res.status] = (o.codes[res.status] ?? 0) + 1;
      })
      .catch((error: unknown) => {
        o.errors++;
        o.firstError ??= error instanceof Error ? error.message : String(error);
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  for (;;) {
    const elapsed = (performance.now() - started) / 1000;
    if (elapsed >= duration) break;
    for (const [i, c] of classes.entries()) {
      const due = Math.floor(elapsed * c.rate);
      while ((sent[i] ?? 0) < due) {
        sent[i] = (sent[i] ?? 0) + 1;
        fire(i);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
  return outcomes;
}

/** The certificate PDF route, if this server has one (the PDF work may not have landed). */
async function probePdf(
  url: string,
  grant: { contractNumber: string; cookie: string } | undefined,
): Promise<((n: string) => string) | null> {
  if (!grant) return null;
  const candidates = [
    (n: string) => `/certificates/${n}/certificate.pdf`,
    (n: string) => `/certificates/${n}/pdf`,
    (n: string) => `/certificates/${n}.pdf`,
  ];
  for (const candidate of candidates) {
    const res = await fetch(url + candidate(grant.contractNumber), { headers: { cookie: grant.cookie } });
    await res.arrayBuffer();
    if (res.status === 200 && (res.headers.get('content-type') ?? '').startsWith('application/pdf')) return candidate;
    // A server that sheds PDFs while it is behind (429 + Retry-After) offers them all the same.
    if (res.status === 429 && res.headers.get('retry-after')) return candidate;
  }
  return null;
}

/** Guarantees published through the real services (signing, HMAC'd key) into a fresh PostgreSQL database. */
async function publishContracts(env: Record<string, string>, count: number): Promise<Contract[]> {
  await provision(env);
  const platform = await openPlatform(loadConfig(env));
  const started = performance.now();
  const contracts: Contract[] = [];
  try {
    await inParallel(
      Array.from({ length: count }, (_, i) => i),
      8,
      async (i) => {
        const res = await publishSurety(platform.ctx, { type: 'system', id: 'bench:load' }, suretyBody(i, `load-${i}`));
        contracts.push({ contractNumber: res.contractNumber, authKey: res.authKey });
      },
    );
  } finally {
    await platform.close();
  }
  log(`published ${count} guarantees in ${fmt.secs(performance.now() - started)}`);
  return contracts;
}

/** Clears attempt records and counters from earlier runs, so every run starts from the same database. */
function resetActivity(dbFile: string): void {
  const db = new SQLite(dbFile);
  try {
    db.pragma('busy_timeout = 10000');
    db.exec('delete from access_events; delete from throttle_counters; delete from alerts;');
  } finally {
    db.close();
  }
}
