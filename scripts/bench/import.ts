// `npm run bench -- import`: CSV import throughput through the code the CLI's `import` runs (validateCsv, then
// importRows), on a fresh database seeded with the demo data (三島市). Prints rows/s for validation, publication and
// both, the same figure for a re-run of the file (which must publish nothing), and a baseline measured in the same
// run: rows published one transaction per guarantee, as the API publishes them. CPU time per row (all threads) is
// printed beside the rates: on a machine shared with other work it moves far less than wall-clock time.
//
// Options: --rows <n> (10000)  --baseline-rows <n> (1000; 0 skips it)  --postgres (DATABASE_URL or
//          TEST_DATABASE_URL, in a throwaway schema)  --cpu-prof <file> (a V8 CPU profile of the publication)
//
// Reported, never asserted (target: ≥ 2,000 rows/s). Exit 1 when the import itself fails or a re-run publishes.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import type { Actor } from '../../src/services/context.js';
import { seedDemo } from '../../src/services/seed-demo.js';
import { importRows, validateCsv } from '../../src/services/staff/import.js';
import { importCsvText } from '../make-import-csv.js';
import { fmt, positiveInt, printTable, UsageError } from './harness.js';

const log = (line: string) => console.error(`[bench import] ${line}`);
const actor: Actor = { type: 'cli', id: 'bench' };

interface Target {
  name: string;
  open(): Promise<{ platform: Platform; dispose(): Promise<void> }>;
}

function sqliteTarget(): Target {
  return {
    name: 'SQLite',
    async open() {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-bench-import-'));
      const platform = await openPlatform(configFor(dataDir), { logger: createLogger({ level: 'silent' }) });
      return {
        platform,
        dispose: async () => {
          await platform.close();
          fs.rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  };
}

function postgresTarget(url: string): Target {
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(sql);
    await client.end();
  };
  return {
    name: 'PostgreSQL',
    async open() {
      const schema = `bench_import_${randomBytes(4).toString('hex')}`;
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-bench-import-'));
      await admin(`create schema ${schema}`);
      const platform = await openPlatform(configFor(dataDir), {
        logger: createLogger({ level: 'silent' }),
        connection: { databaseUrl: url, pgSchema: schema, poolSize: 5 },
      });
      return {
        platform,
        dispose: async () => {
          await platform.close();
          await admin(`drop schema if exists ${schema} cascade`);
          fs.rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  };
}

function configFor(dataDir: string) {
  return loadConfig({
    NODE_ENV: 'development',
    ESURETY_DATA_DIR: dataDir,
    ESURETY_DEMO: 'false',
    ESURETY_ISSUER_NAME: '架空保証株式会社（ベンチマーク）',
  });
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
/** CPU time of the whole process (every thread), in ms: steadier than wall-clock time on a shared machine. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const perRow = (ms: number, rows: number) => `${((ms * 1000) / rows).toFixed(0)} µs`;
const rate = (rows: number, ms: number) => fmt.int(Math.round(rows / (ms / 1000)));

async function measure(target: Target, rows: number, baselineRows: number, profile: string | undefined) {
  const figures: string[][] = [];
  {
    const { platform, dispose } = await target.open();
    try {
      await seedDemo(platform.ctx);
      const bytes = new TextEncoder().encode(importCsvText(rows));
      let t = performance.now();
      const { rows: valid, errors } = await validateCsv(platform.ctx, bytes);
      const validateMs = performance.now() - t;
      if (errors.length > 0) throw new Error(`the generated file does not validate: ${JSON.stringify(errors[0])}`);
      log(`${target.name}: ${rows} rows validated in ${secs(validateMs)}; publishing…`);
      const session = profile ? new inspector.Session() : undefined;
      if (session) {
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
      }
      t = performance.now();
      const cpu = cpuMs();
      const report = await importRows(platform.ctx, actor, valid);
      const publishMs = performance.now() - t;
      const publishCpu = cpuMs() - cpu;
      if (session && profile) {
        const { profile: cpu } = await session.post('Profiler.stop');
        fs.writeFileSync(profile, JSON.stringify(cpu));
        session.disconnect();
        log(`CPU profile written to ${profile} (summary: node --import tsx scripts/bench/cpuprofile.ts ${profile})`);
      }
      if (report.published !== rows) throw new Error(`published ${report.published} of ${rows} rows`);
      figures.push(
        [
          `${target.name}: import, ${fmt.int(rows)} rows`,
          secs(publishMs),
          rate(rows, publishMs),
          perRow(publishCpu, rows),
        ],
        [`  validation (decode, parse, schema, eligibility)`, secs(validateMs), rate(rows, validateMs)],
        [
          `  validation + publication (what the CLI does)`,
          secs(validateMs + publishMs),
          rate(rows, validateMs + publishMs),
        ],
      );
      t = performance.now();
      const again = await validateCsv(platform.ctx, bytes);
      const rerun = await importRows(platform.ctx, actor, again.rows);
      const rerunMs = performance.now() - t;
      if (rerun.published !== 0) throw new Error(`the re-run published ${rerun.published} rows`);
      figures.push([`  re-run of the same file (publishes nothing)`, secs(rerunMs), rate(rows, rerunMs)]);
    } finally {
      await dispose();
    }
  }
  if (baselineRows > 0) {
    const { platform, dispose } = await target.open();
    try {
      await seedDemo(platform.ctx);
      const { rows: valid } = await validateCsv(platform.ctx, new TextEncoder().encode(importCsvText(baselineRows)));
      const t = performance.now();
      const cpu = cpuMs();
      await importRows(platform.ctx, actor, valid, undefined, { rows: 1 });
      const ms = performance.now() - t;
      figures.push([
        `  baseline: one transaction per guarantee (as the API), ${fmt.int(baselineRows)} rows`,
        secs(ms),
        rate(baselineRows, ms),
        perRow(cpuMs() - cpu, baselineRows),
      ]);
    } finally {
      await dispose();
    }
  }
  return figures;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string' },
      'baseline-rows': { type: 'string' },
      postgres: { type: 'boolean' },
      'cpu-prof': { type: 'string' },
    },
  });
  const rows = positiveInt('rows', values.rows, 10_000);
  const baselineRows =
    values['baseline-rows'] === '0' ? 0 : positiveInt('baseline-rows', values['baseline-rows'], 1000);
  let target = sqliteTarget();
  if (values.postgres) {
    const url = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
    if (!url) throw new UsageError('--postgres needs DATABASE_URL or TEST_DATABASE_URL');
    target = postgresTarget(url);
  }
  log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} CPUs`,
  );
  const figures = await measure(target, rows, baselineRows, values['cpu-prof']);
  printTable([['', 'time', 'rows/s', 'CPU/row'], ...figures]);
  return 0;
}
