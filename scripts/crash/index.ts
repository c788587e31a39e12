// `npm run test:crash`: crash safety. Starts the server, drives publications (new guarantees with Idempotency-Keys and
// changes to acknowledged ones), SIGKILLs the server at a random moment, and after every kill checks the database:
// every acknowledged publication and version is present byte for byte and complete, nothing is half-written (no
// surety without its versions, no idempotency answer without its surety, no duplicate per key) and the integrity
// audit passes. After the restart, the publications whose answer was lost are sent again with the same key: each
// must come back exactly once. Prints the counts; exits 1 on any violation.
//
// Options: --iterations N (200; env CRASH_ITERATIONS)  --database sqlite|postgres  --concurrency N (6)
//          --max-kill-ms N (800: the kill comes 0..N ms after the load starts)  --keep (keep the data dir)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect, type DatabaseHandle } from '../../db/connection.js';
import { auditIntegrity, trustedKeysOf, type IntegrityProblem } from '../../src/services/audit-integrity.js';
import { readSecrets } from '../../src/signing/secrets.js';
import { VerifiedCache } from '../../src/signing/versions.js';
import { freePort, stopServer, UsageError } from '../bench/harness.js';
import {
  BENCH_ENV,
  call,
  createPgDatabase,
  positiveInt,
  provision,
  startQuietServer,
  suretyBody,
  type PgDatabase,
  type QuietChild,
} from '../bench/ops-support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const log = (line: string) => console.log(`[crash] ${line}`);

interface Acked {
  contractNumber: string;
  jws: string;
}

interface Totals {
  kills: number;
  publicationsAcked: number;
  versionsAcked: number;
  lostAnswers: number;
  lostButCommitted: number;
  lostNotCommitted: number;
  rejected: number;
  audits: number;
  killDelays: number[];
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        iterations: { type: 'string' },
        database: { type: 'string', default: 'sqlite' },
        concurrency: { type: 'string' },
        'max-kill-ms': { type: 'string' },
        keep: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const iterations = positiveInt('iterations', values.iterations ?? process.env.CRASH_ITERATIONS, 200);
  const concurrency = positiveInt('concurrency', values.concurrency, 6);
  const maxKillMs = positiveInt('max-kill-ms', values['max-kill-ms'], 800);
  if (values.database !== 'sqlite' && values.database !== 'postgres') {
    throw new UsageError('--database must be sqlite or postgres');
  }
  const started = performance.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-crash-'));
  let pgDb: PgDatabase | null = null;
  if (values.database === 'postgres') pgDb = await createPgDatabase('esurety_crash');
  const env: Record<string, string> = {
    ...BENCH_ENV,
    ESURETY_DATA_DIR: dataDir,
    ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
  };
  log(
    `${iterations} iterations on ${values.database}${pgDb ? ` (database ${pgDb.name})` : ''}, data dir ${dataDir}, ` +
      `${concurrency} publishing clients, SIGKILL 0–${maxKillMs} ms into the load`,
  );
  const token = await provision(env);
  const secrets = readSecrets(path.join(dataDir, 'secrets.json'));
  if (!secrets) throw new Error('provisioning did not create the secrets file');
  const trusted = await trustedKeysOf(secrets);
  const cache = new VerifiedCache(1_000_000);

  const acked = new Map<string, Acked>(); // idempotency key → acknowledged publication
  const ackedVersions: (Acked & { seq: number })[] = [];
  const lost = new Map<string, Record<string, unknown>>(); // key → body whose answer never came
  const totals: Totals = {
    kills: 0,
    publicationsAcked: 0,
    versionsAcked: 0,
    lostAnswers: 0,
    lostButCommitted: 0,
    lostNotCommitted: 0,
    rejected: 0,
    audits: 0,
    killDelays: [],
  };
  const violations: string[] = [];
  const violation = (message: string) => {
    violations.push(message);
    console.error(`[crash] VIOLATION: ${message}`);
  };
  let sequence = 0;

  const start = async (): Promise<QuietChild> =>
    startQuietServer({ name: 'platform server', env, cwd: ROOT, port: await freePort() });

  try {
    for (let iteration = 1; iteration <= iterations + 1; iteration++) {
      const server = await start();
      // Answers lost in the last crash: the same key and body again must give the publication exactly once.
      const before = await markerOwners([...lost.keys()]);
      for (const [key, body] of lost) {
        const res = await call(server.url, 'POST', '/api/v1/sureties', {
          token,
          body,
          headers: { 'idempotency-key': key },
        });
        if (res.status !== 201) {
          violation(`retry of ${key} answered ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`);
          continue;
        }
        const committed = before.get(key);
        if (committed !== undefined) {
          totals.lostButCommitted++;
          if (committed !== res.json.contractNumber) {
            violation(`retry of ${key} answered ${res.json.contractNumber}, but ${committed} was committed for it`);
          }
        } else {
          totals.lostNotCommitted++;
        }
        acked.set(key, { contractNumber: res.json.contractNumber, jws: res.json.version.jws });
      }
      lost.clear();
      if (iteration > iterations) {
        // The last round only restarts, retries and checks; then a graceful stop.
        const code = await stopServer(server);
        if (code !== 0) violation(`graceful stop exited with ${code}`);
        await verifyDatabase('final');
        break;
      }

      // Publishing load until the kill.
      let killed = false;
      const delay = Math.floor(Math.random() * maxKillMs);
      totals.killDelays.push(delay);
      const inFlight = new Map<string, Record<string, unknown>>();
      let ackedHere = 0;
      let versionsHere = 0;
      const worker = async () => {
        for (let op = 0; op < 500 && !killed; op++) {
          const numbers = [...acked.values()];
          if (numbers.length > 0 && Math.random() < 0.3) {
            const target = numbers[Math.floor(Math.random() * numbers.length)] as Acked;
            const day = String(1 + Math.floor(Math.random() * 28)).padStart(2, '0');
            try {
              const res = await call(server.url, 'POST', `/api/v1/sureties/${target.contractNumber}/versions`, {
                token,
                body: { event: 'change', changes: { guaranteePeriod: { to: `2027-05-${day}` } }, reason: '期限変更' },
              });
              if (res.status === 201) {
                ackedVersions.push({
                  contractNumber: target.contractNumber,
                  seq: res.json.version.seq,
                  jws: res.json.version.jws,
                });
                versionsHere++;
              } else {
                totals.rejected++;
                violation(
                  `change of ${target.contractNumber} answered ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`,
                );
              }
            } catch {
              if (!killed) violation('a change failed without the server being killed');
            }
            continue;
          }
          const key = `crash-${++sequence}`;
          const body = suretyBody(sequence, key);
          inFlight.set(key, body);
          try {
            const res = await call(server.url, 'POST', '/api/v1/sureties', {
              token,
              body,
              headers: { 'idempotency-key': key },
            });
            inFlight.delete(key);
            if (res.status === 201) {
              acked.set(key, { contractNumber: res.json.contractNumber, jws: res.json.version.jws });
              ackedHere++;
            } else {
              totals.rejected++;
              violation(`publication ${key} answered ${res.status} ${JSON.stringify(res.json).slice(0, 200)}`);
            }
          } catch {
            if (!killed) violation(`publication ${key} failed without the server being killed`);
          }
        }
      };
      const timer = setTimeout(() => {
        killed = true;
        server.process.kill('SIGKILL');
      }, delay);
      await Promise.all(Array.from({ length: concurrency }, worker));
      clearTimeout(timer);
      if (!killed) {
        killed = true;
        server.process.kill('SIGKILL');
      }
      await server.exited;
      totals.kills++;
      totals.publicationsAcked += ackedHere;
      totals.versionsAcked += versionsHere;
      totals.lostAnswers += inFlight.size;
      for (const [key, body] of inFlight) lost.set(key, body);
      const counts = await verifyDatabase(`iteration ${iteration}`);
      log(
        `${String(iteration).padStart(String(iterations).length)}/${iterations} SIGKILL at ${delay} ms: ` +
          `+${ackedHere} publications, +${versionsHere} versions acknowledged, ${inFlight.size} answers lost; ` +
          `database ${counts.guarantees} guarantees / ${counts.versions} versions, audit ok`,
      );
    }
  } catch (error) {
    violation(`harness failed: ${error instanceof Error ? error.message : String(error)}`);
  }

  async function withDb<T>(fn: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
    const handle = connect(
      pgDb ? { databaseUrl: pgDb.url, poolSize: 2 } : { sqliteFile: path.join(dataDir, 'esurety.sqlite') },
    );
    try {
      return await fn(handle);
    } finally {
      await handle.close();
    }
  }

  /** Which surety (if any) holds each marker (= idempotency key) in its works name. */
  async function markerOwners(keys: string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    return withDb(async ({ db }) => {
      const rows = await db
        .selectFrom('sureties')
        .select(['contract_number', 'works_name'])
        .where('works_name', 'in', keys)
        .execute();
      return new Map(rows.map((r) => [r.works_name, r.contract_number]));
    });
  }

  async function verifyDatabase(label: string): Promise<{ guarantees: number; versions: number }> {
    return withDb(async ({ db }) => {
      const sureties = await db
        .selectFrom('sureties')
        .select(['contract_number', 'works_name', 'latest_seq'])
        .execute();
      const byNumber = new Map(sureties.map((s) => [s.contract_number, s]));
      const versions = await db.selectFrom('versions').select(['contract_number', 'seq', 'jws']).execute();
      const jwsOf = new Map(versions.map((v) => [`${v.contract_number}#${v.seq}`, v.jws]));
      for (const [key, a] of acked) {
        const s = byNumber.get(a.contractNumber);
        if (!s) violation(`${label}: acknowledged publication ${key} (${a.contractNumber}) is missing`);
        else if (s.works_name !== key) violation(`${label}: ${a.contractNumber} holds ${s.works_name}, not ${key}`);
        if (jwsOf.get(`${a.contractNumber}#1`) !== a.jws) {
          violation(`${label}: version 1 of ${a.contractNumber} is not the acknowledged JWS`);
        }
      }
      for (const v of ackedVersions) {
        if (jwsOf.get(`${v.contractNumber}#${v.seq}`) !== v.jws) {
          violation(`${label}: acknowledged version ${v.contractNumber} seq ${v.seq} is missing or different`);
        }
      }
      const perMarker = new Map<string, number>();
      for (const s of sureties) perMarker.set(s.works_name, (perMarker.get(s.works_name) ?? 0) + 1);
      for (const [marker, count] of perMarker) {
        if (count > 1) violation(`${label}: ${count} guarantees published under the one key ${marker}`);
      }
      for (const row of await db.selectFrom('idempotency_keys').select(['idem_key', 'response']).execute()) {
        const n = (JSON.parse(row.response) as { contractNumber?: string }).contractNumber ?? '';
        if (!byNumber.has(n)) violation(`${label}: idempotency answer ${row.idem_key} names missing ${n}`);
      }
      const problems: IntegrityProblem[] = [];
      await auditIntegrity(db, { trusted, cache, onProblem: (p) => problems.push(p) });
      totals.audits++;
      for (const p of problems) violation(`${label}: audit ${p.area} ${p.subject} [${p.check}] ${p.message}`);
      return { guarantees: sureties.length, versions: versions.length };
    }).catch((error: unknown) => {
      violation(`${label}: checking the database failed: ${String(error)}`);
      return { guarantees: 0, versions: 0 };
    });
  }

  const delays = [...totals.killDelays].sort((a, b) => a - b);
  const final = await withDb(async ({ db }) => ({
    guarantees: Number(
      (
        await db
          .selectFrom('sureties')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    versions: Number(
      (
        await db
          .selectFrom('versions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  }));
  console.log('');
  console.log(
    `crash test (${values.database}): ${totals.kills} SIGKILLs in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  console.log(
    `  kill moments: ${delays[0] ?? 0}–${delays[delays.length - 1] ?? 0} ms after the load started ` +
      `(median ${delays[Math.floor(delays.length / 2)] ?? 0} ms)`,
  );
  console.log(
    `  acknowledged: ${totals.publicationsAcked} publications, ${totals.versionsAcked} versions — all present and intact after every restart`,
  );
  console.log(
    `  answers lost in a crash: ${totals.lostAnswers} publications; sent again with the same Idempotency-Key: ` +
      `${totals.lostButCommitted} had committed (same number returned), ${totals.lostNotCommitted} had not (published once now)`,
  );
  console.log(
    `  integrity audits: ${totals.audits} run, database at the end: ${final.guarantees} guarantees / ${final.versions} versions`,
  );
  console.log(
    `  violations: ${violations.length}${totals.rejected ? ` (${totals.rejected} unexpected rejections)` : ''}`,
  );
  if (pgDb) await pgDb.drop();
  if (!values.keep) fs.rmSync(dataDir, { recursive: true, force: true });
  else console.log(`  data kept in ${dataDir}`);
  return violations.length === 0 ? 0 : 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(
      `${error.message}\nusage: npm run test:crash -- [--iterations N] [--database sqlite|postgres] [--concurrency N] [--max-kill-ms N] [--keep]`,
    );
    process.exitCode = 2;
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  }
}
process.exit(process.exitCode);
