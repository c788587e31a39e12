// `npm run bench -- verify-parts`: what one verification costs, step by step. The same 1M-version data set as
// `bench verify`, served by one route that does a little more each time — answer a constant 6 KB, then also the
// key's HMAC, then the two reads of a verification, then the whole verification service, then the whole app as
// src/server.ts serves it — under the same load (50 connections, random signed guarantees). Prints req/s and the CPU time of the server's main thread
// per request (/proc/<pid>/task/<pid>/schedstat, threads.ts): the differences between rows are what each step costs in a server,
// which is several times what it costs in a tight loop.
//
// Options: --versions <n> (1000000, the data set of `bench verify`)  --duration <s> (8)  --connections <n> (50)
//          --steps a,b,… (all)  --cpu-prof (each step's top functions)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { loadConfig } from '../../src/config.js';
import { startServer as startHttpServer } from '../../src/http-server.js';
import { createLogger } from '../../src/logger.js';
import { openPlatform } from '../../src/platform.js';
import { readFailures } from '../../src/repositories/activity.js';
import { findAuthKeyHmac } from '../../src/repositories/sureties.js';
import { verifySurety } from '../../src/services/verify-surety.js';
import { monotonicUs, printProfile } from './cpuprofile.js';
import { UsageError, fmt, freePort, measure, positiveInt, printTable, startServer, stopServer } from './harness.js';
import { threadDelta, threadTimes, type ThreadTimes } from './threads.js';
import { BENCH_ENV, prepareDataset } from './verify-dataset.js';
import { VERIFY_PATH, verifyRequests } from './verify.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '../..');
const log = (line: string) => console.error(`[bench verify-parts] ${line}`);

const STEPS = {
  answer: 'Hono on node:http: read and parse the JSON body, answer a constant 6 KB',
  hmac: '… and compute the key’s HMAC',
  reads: '… and the two reads of a verification (limits, key) through Kysely, without the HMAC',
  'hmac+reads': '… and both',
  service: 'the verification service (throttle, key, verified state, access record) and its answer',
  app: 'the whole app as src/server.ts serves it (http-server.ts: middleware, logging, validation, the route)',
} as const;
type Step = keyof typeof STEPS;

/** Child mode: the platform on the data set, one route doing `step`, on PORT. */
async function serveChild(step: Step, dir: string): Promise<void> {
  const config = loadConfig({ ...BENCH_ENV, ESURETY_DATA_DIR: dir, ESURETY_THROTTLE_EXEMPT: '127.0.0.1/32' });
  const platform = await openPlatform(config, step === 'app' ? {} : { logger: createLogger({ level: 'silent' }) });
  const { ctx } = platform;
  ctx.recorder.start();
  const listen = { port: Number(process.env.PORT), hostname: '127.0.0.1' };
  const stop = (close: () => Promise<void>) =>
    process.once('SIGTERM', () => void close().then(() => platform.close().then(() => process.exit(0))));
  if (step === 'app') {
    const server = startHttpServer(ctx, listen);
    stop(server.close);
    return;
  }
  const constant = new Uint8Array(6160).fill(0x20);
  const answers = new Map<string, Uint8Array<ArrayBuffer>>();
  const app = new Hono();
  app.post(VERIFY_PATH, async (c) => {
    const { contractNumber, authKey } = await c.req.json<{ contractNumber: string; authKey: string }>();
    if (step === 'service') {
      const result = await verifySurety(ctx, {
        contractNumber,
        authKey,
        client: '127.0.0.1',
        exempt: true,
        channel: 'api',
      });
      if (result.outcome !== 'ok') return c.text(result.outcome, 401);
      let answer = answers.get(contractNumber);
      if (!answer) {
        const s = result.state;
        answer = new TextEncoder().encode(
          JSON.stringify({ status: s.status, history: s.visible.map((v) => v.jws), jws: s.current.jws }),
        );
        answers.set(contractNumber, answer);
      }
      return c.body(answer, 200, { 'content-type': 'application/json' });
    }
    if (step === 'hmac' || step === 'hmac+reads') ctx.vault.matches(contractNumber, authKey, null);
    if (step === 'reads' || step === 'hmac+reads') {
      await readFailures(ctx.db, ['c:127.0.0.1', `p:${contractNumber}|127.0.0.1`], Date.now());
      await findAuthKeyHmac(ctx.db, contractNumber);
    }
    return c.body(constant, 200, { 'content-type': 'application/json' });
  });
  app.get('/healthz', (c) => c.text('ok'));
  const server = serve({ fetch: app.fetch, ...listen });
  stop(() => new Promise((resolve) => server.close(() => resolve())));
}

export async function run(argv: string[]): Promise<number> {
  const child = process.env.BENCH_PARTS_STEP;
  if (child) {
    await serveChild(child as Step, process.env.BENCH_PARTS_DIR ?? '');
    return 0;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        versions: { type: 'string' },
        duration: { type: 'string' },
        connections: { type: 'string' },
        steps: { type: 'string' },
        'cpu-prof': { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const durationSeconds = positiveInt('duration', values.duration, 8);
  const connections = positiveInt('connections', values.connections, 50);
  const steps = (values.steps?.split(',') ?? Object.keys(STEPS)) as Step[];
  for (const s of steps)
    if (!(s in STEPS)) throw new UsageError(`unknown step ${s}; steps: ${Object.keys(STEPS).join(', ')}`);
  const versions = positiveInt('versions', values.versions, 1_000_000);
  const dataset = await prepareDataset({ versions, contracts: 2000, fresh: false, log });
  const rows = [['step', 'req/s', 'p99', 'main thread CPU / request']];
  for (const step of steps) {
    const port = await freePort();
    const profileDir = path.join(dataset.dir, 'profiles', `parts-${step}-${Date.now()}`);
    const server = await startServer({
      name: step,
      args: [...(values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), '--import', 'tsx', SELF],
      env: { BENCH_PARTS_STEP: step, BENCH_PARTS_DIR: dataset.dir, PORT: String(port) },
      cwd: ROOT,
      port,
      readyPath: '/healthz',
    });
    const pid = server.process.pid!;
    let before: ThreadTimes | null = null;
    let from = 0;
    let to: number;
    try {
      const figures = await measure({
        url: server.url,
        connections,
        warmupSeconds: 2,
        durationSeconds,
        requests: verifyRequests(dataset.contracts, new Uint8Array(dataset.contracts.length)),
        beforeMeasure: () => {
          before = threadTimes(pid);
          from = monotonicUs();
        },
      });
      to = monotonicUs();
      const after = threadTimes(pid);
      const cpu = before && after ? threadDelta(before, after).main.cpu : NaN;
      if (figures.non2xx > 0 || figures.errors > 0)
        throw new Error(`${step}: ${figures.non2xx} non-2xx, ${figures.errors} errors`);
      rows.push([
        `${step}: ${STEPS[step]}`,
        fmt.int(figures.rps),
        fmt.ms(figures.p99),
        `${((cpu * 1e6) / figures.total).toFixed(0)} µs`,
      ]);
      log(`${step}: ${fmt.int(figures.rps)} req/s`);
    } finally {
      await stopServer(server);
    }
    if (values['cpu-prof']) {
      // The main thread's profile is the biggest one (tsx's loader thread writes a small one too).
      const [profile] = fs
        .readdirSync(profileDir)
        .map((f) => path.join(profileDir, f))
        .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size);
      console.log(`\n${step}:`);
      if (profile) printProfile(profile, ROOT, 25, { fromUs: from, toUs: to });
    }
  }
  console.log(
    `\nverification cost by step (${versions.toLocaleString('en-US')} versions, ${connections} connections, ` +
      `${durationSeconds} s each)`,
  );
  printTable(rows);
  return 0;
}

if (process.env.BENCH_PARTS_STEP && process.argv[1] === SELF) await run([]);
