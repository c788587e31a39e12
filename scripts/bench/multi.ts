// `npm run bench -- multi`: two server processes on one PostgreSQL database, as behind a load balancer.
//
//  1. start-up race: both instances start at the same moment on an empty database (several rounds, each on a fresh
//     database): both must come up, migrations run once, one secrets file and one fingerprint;
//  2. publishing through both at once: assigned contract numbers never collide; concurrent changes to the same
//     guarantee through both instances get distinct, gap-free seqs;
//  3. idempotency: the same Idempotency-Key sent to both instances at once gives one publication and the same
//     answer; another body under that key is a 409 whichever instance gets it;
//  4. throttling: failed attempts spread over both instances still stop at exactly the limits (per number + client,
//     per client), and another client is never locked out;
//  5. verification load through both instances at once (autocannon), every answer 200;
//  6. an instance started with different secrets (or none) refuses to start and says why;
//  7. the integrity audit over the database afterwards.
//
// Options: --publications N (300)  --keys N (30)  --rounds N (3 start-up races)  --duration S (10 verification load)
//          --connections N (20 per instance)  --short (CI: 120 publications, 10 keys, 2 rounds, 3 s)
// Exit code 1 when any check fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { RequestSpec } from 'autocannon';
import { connect } from '../../db/connection.js';
import { migrations } from '../../db/migrations/index.js';
import { auditIntegrity, trustedKeysOf } from '../../src/services/audit-integrity.js';
import { generateSecrets, readSecrets, writeSecrets } from '../../src/signing/secrets.js';
import { fmt, freePort, measure, rssMiB, stopServer, UsageError, type LoadFigures } from './harness.js';
import {
  BENCH_ENV,
  call,
  createPgDatabase,
  inParallel,
  positiveInt,
  provision,
  startQuietServer,
  suretyBody,
  type PgDatabase,
  type QuietChild,
} from './ops-support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const log = (line: string) => console.error(`[bench multi] ${line}`);

interface Check {
  name: string;
  ok: boolean;
  figure: string;
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        publications: { type: 'string' },
        keys: { type: 'string' },
        rounds: { type: 'string' },
        duration: { type: 'string' },
        connections: { type: 'string' },
        short: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const short = values.short;
  const publications = positiveInt('publications', values.publications, short ? 120 : 300);
  const keyCount = positiveInt('keys', values.keys, short ? 10 : 30);
  const rounds = positiveInt('rounds', values.rounds, short ? 2 : 3);
  const duration = positiveInt('duration', values.duration, short ? 3 : 10);
  const connections = positiveInt('connections', values.connections, 20);

  const checks: Check[] = [];
  const check = (name: string, ok: boolean, figure: string) => {
    checks.push({ name, ok, figure });
    log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${figure}`);
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-multi-'));
  const databases: PgDatabase[] = [];
  const servers: QuietChild[] = [];
  const started = performance.now();
  try {
    // 1. Start-up races on empty databases; the last round's pair stays up for the rest.
    let pair: [QuietChild, QuietChild] | null = null;
    let db: PgDatabase | null = null;
    let secretsFile = '';
    for (let round = 1; round <= rounds; round++) {
      db = await createPgDatabase('esurety_multi');
      databases.push(db);
      secretsFile = path.join(work, `round-${round}`, 'secrets.json');
      const envOf = (name: string) => ({
        ...BENCH_ENV,
        DATABASE_URL: db?.url ?? '',
        ESURETY_DATA_DIR: path.join(work, `round-${round}`, name),
        ESURETY_SECRETS_FILE: secretsFile,
        ESURETY_TRUST_PROXY: '1',
      });
      const [portA, portB] = [await freePort(), await freePort()];
      const t0 = performance.now();
      const results = await Promise.allSettled([
        startQuietServer({ name: 'instance A', env: envOf('a'), cwd: ROOT, port: portA }),
        startQuietServer({ name: 'instance B', env: envOf('b'), cwd: ROOT, port: portB }),
      ]);
      const up = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      servers.push(...up);
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
      const facts = await databaseFacts(db.url);
      const ok =
        failures.length === 0 &&
        facts.migrations === Object.keys(migrations).length &&
        facts.distinctMigrations === facts.migrations &&
        facts.fingerprints === 1 &&
        readSecrets(secretsFile) !== null;
      check(
        `start-up race ${round}/${rounds}: two instances, empty database`,
        ok,
        `${up.length}/2 ready in ${fmt.secs(performance.now() - t0)}; ${facts.migrations} migration rows ` +
          `(${Object.keys(migrations).length} known), ${facts.fingerprints} secrets fingerprint` +
          (failures.length ? `; ${failures.join(' | ')}` : ''),
      );
      if (round < rounds || up.length < 2) {
        for (const s of up) await stopServer(s);
        if (up.length < 2) return report(checks, started);
      } else {
        pair = [up[0] as QuietChild, up[1] as QuietChild];
      }
    }
    if (!pair || !db) return report(checks, started);
    const [a, b] = pair;
    const instances = [a, b];
    const harnessEnv = {
      DATABASE_URL: db.url,
      ESURETY_DATA_DIR: path.join(work, 'harness'),
      ESURETY_SECRETS_FILE: secretsFile,
    };
    const token = await provision(harnessEnv);
    log(`instances ${a.url} and ${b.url} share database ${db.name}; token and obligee provisioned`);

    // 2. Publishing through both at once.
    const published: { contractNumber: string; authKey: string; via: number }[] = [];
    let publishErrors = 0;
    const t1 = performance.now();
    await inParallel(
      Array.from({ length: publications }, (_, i) => i),
      16,
      async (i) => {
        const res = await call(instances[i % 2]?.url ?? '', 'POST', '/api/v1/sureties', {
          token,
          body: suretyBody(i, `multi-${i}`),
        });
        if (res.status === 201)
          published.push({ contractNumber: res.json.contractNumber, authKey: res.json.authKey, via: i % 2 });
        else publishErrors++;
      },
    );
    const publishMs = performance.now() - t1;
    const numbers = published.map((p) => p.contractNumber);
    const distinct = new Set(numbers).size;
    const sequences = numbers.map((n) => Number(n.split('-')[1])).sort((x, y) => x - y);
    const gaps = (sequences.at(-1) ?? 0) - (sequences[0] ?? 0) + 1 - sequences.length;
    check(
      'publishing through both instances: no duplicate contract number',
      publishErrors === 0 && distinct === publications,
      `${published.length}/${publications} published (${published.filter((p) => p.via === 0).length} via A, ` +
        `${published.filter((p) => p.via === 1).length} via B) in ${fmt.secs(publishMs)} ` +
        `(${fmt.int(publications / (publishMs / 1000))}/s); ${distinct} distinct numbers; ` +
        `${gaps} gaps in ${numbers[0]?.split('-')[0]}-${String(sequences[0]).padStart(6, '0')}…${String(sequences.at(-1)).padStart(6, '0')}`,
    );

    // Concurrent changes to the same guarantees through both instances.
    const targets = published.slice(0, 5);
    const seqs = new Map<string, number[]>();
    let changeErrors = 0;
    await inParallel(
      targets.flatMap((t) => Array.from({ length: 10 }, (_, k) => ({ t, k }))),
      16,
      async ({ t, k }) => {
        const res = await call(instances[k % 2]?.url ?? '', 'POST', `/api/v1/sureties/${t.contractNumber}/versions`, {
          token,
          body: { event: 'change', changes: { guaranteePeriod: { to: `2027-05-${String(k + 1).padStart(2, '0')}` } } },
        });
        if (res.status === 201)
          seqs.set(t.contractNumber, [...(seqs.get(t.contractNumber) ?? []), res.json.version.seq]);
        else changeErrors++;
      },
    );
    const seqsOk = targets.every((t) => {
      const s = [...(seqs.get(t.contractNumber) ?? [])].sort((x, y) => x - y);
      return s.length === 10 && s.every((v, i) => v === i + 2);
    });
    check(
      'concurrent changes to one guarantee through both instances',
      changeErrors === 0 && seqsOk,
      `${targets.length} guarantees × 10 changes alternating A/B: ${changeErrors} errors; seqs 2..11 each: ${seqsOk}`,
    );

    // 3. Idempotency keys across instances.
    let sameAnswer = 0;
    let conflicts = 0;
    const keyNumbers = new Map<string, string>();
    await inParallel(
      Array.from({ length: keyCount }, (_, i) => i),
      8,
      async (i) => {
        const key = `multi-key-${i}`;
        const body = suretyBody(10_000 + i, key);
        const [ra, rb] = await Promise.all(
          instances.map((s) =>
            call(s.url, 'POST', '/api/v1/sureties', { token, body, headers: { 'idempotency-key': key } }),
          ),
        );
        if (
          ra?.status === 201 &&
          rb?.status === 201 &&
          ra.json.contractNumber === rb.json.contractNumber &&
          ra.json.authKey === rb.json.authKey
        ) {
          sameAnswer++;
          keyNumbers.set(key, ra.json.contractNumber);
        }
        const other = await call(instances[(i + 1) % 2]?.url ?? '', 'POST', '/api/v1/sureties', {
          token,
          body: suretyBody(20_000 + i, `${key}-other`),
          headers: { 'idempotency-key': key },
        });
        if (other.status === 409) conflicts++;
      },
    );
    const perKey = await countByWorksName(db.url, 'multi-key-%');
    const oncePerKey =
      [...keyNumbers.keys()].every((k) => perKey.get(k) === 1) && ![...perKey.keys()].some((k) => k.endsWith('-other'));
    check(
      'idempotency keys across instances',
      sameAnswer === keyCount && conflicts === keyCount && oncePerKey,
      `${keyCount} keys sent to A and B at once: ${sameAnswer} identical answers; one guarantee per key: ${oncePerKey}; ` +
        `other body under the same key on the other instance: ${conflicts}/${keyCount} answered 409`,
    );

    // 4. Throttling across instances.
    const victim = published[published.length - 1];
    if (!victim) throw new Error('nothing was published');
    const attempt = (i: number, client: string, contractNumber: string, authKey: string) =>
      call(instances[i % 2]?.url ?? '', 'POST', '/api/v1/verify', {
        body: { contractNumber, authKey },
        headers: { 'x-forwarded-for': client },
      });
    const tally = (statuses: number[]) =>
      statuses.reduce<Record<number, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {});
    const pairStatuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => attempt(i, '203.0.113.1', victim.contractNumber, 'zzzzzzzzzzzz')),
    ).then((r) => r.map((x) => x.status));
    const pairTally = tally(pairStatuses);
    const blockedRight = (await attempt(0, '203.0.113.1', victim.contractNumber, victim.authKey)).status;
    const otherClient = (await attempt(1, '192.0.2.200', victim.contractNumber, victim.authKey)).status;
    check(
      'per (number, client) limit across instances',
      pairTally[401] === 5 && pairTally[429] === 15 && blockedRight === 429 && otherClient === 200,
      `20 wrong keys at once over A+B: ${pairTally[401] ?? 0}×401, ${pairTally[429] ?? 0}×429 (limit 5); ` +
        `right key from that client ${blockedRight}, from another client ${otherClient}`,
    );
    const clientStatuses = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        attempt(i, '203.0.113.2', `10001-${String(900_000 + i).padStart(6, '0')}`, 'zzzzzzzzzzzz'),
      ),
    ).then((r) => r.map((x) => x.status));
    const clientTally = tally(clientStatuses);
    check(
      'per-client limit across instances',
      clientTally[401] === 30 && clientTally[429] === 30,
      `60 wrong attempts on 60 numbers at once over A+B: ${clientTally[401] ?? 0}×401, ${clientTally[429] ?? 0}×429 (limit 30)`,
    );

    // 5. Verification load through both instances at once.
    const bodies = published.map((p) => JSON.stringify({ contractNumber: p.contractNumber, authKey: p.authKey }));
    let clientSeq = 0;
    const requests: RequestSpec[] = [
      {
        method: 'POST',
        path: '/api/v1/verify',
        headers: { 'content-type': 'application/json' },
        setupRequest(request) {
          request.body = bodies[Math.floor(Math.random() * bodies.length)];
          request.headers = {
            ...request.headers,
            'x-forwarded-for': `10.${(clientSeq >> 8) & 255}.${clientSeq++ & 255}.1`,
          };
          return request;
        },
      },
    ];
    log(`verification load: ${connections} connections per instance, ${duration} s, both instances at once`);
    const figures: LoadFigures[] = await Promise.all(
      instances.map((s) =>
        measure({ url: s.url, connections, warmupSeconds: 1, durationSeconds: duration, requests, pid: s.process.pid }),
      ),
    );
    const rss = instances.map((s) => rssMiB(s.process.pid));
    const loadOk = figures.every((f) => f.non2xx === 0 && f.errors === 0 && f.timeouts === 0);
    check(
      'verification through both instances at once',
      loadOk,
      figures
        .map(
          (f, i) =>
            `${i ? 'B' : 'A'} ${fmt.int(f.rps)} req/s p50 ${fmt.ms(f.p50)} p99 ${fmt.ms(f.p99)} ` +
            `(${fmt.int(f.total)} requests, ${f.non2xx} non-2xx, ${f.errors} errors, RSS ${fmt.mib(rss[i] ?? null)})`,
        )
        .join('; ') + `; together ${fmt.int(figures.reduce((s, f) => s + f.rps, 0))} req/s`,
    );

    // 6. Instances with other secrets (or none) must refuse to start, saying why.
    const foreignFile = path.join(work, 'foreign', 'secrets.json');
    const foreign = readSecrets(secretsFile);
    if (!foreign) throw new Error('the shared secrets file is missing');
    writeSecrets(foreignFile, { ...(await generateSecrets(new Date())) }, { exclusive: true });
    const refusal = async (label: string, file: string, expected: RegExp) => {
      const port = await freePort();
      try {
        const s = await startQuietServer({
          name: `instance C (${label})`,
          env: {
            ...BENCH_ENV,
            DATABASE_URL: db?.url ?? '',
            ESURETY_DATA_DIR: path.join(work, 'c'),
            ESURETY_SECRETS_FILE: file,
          },
          cwd: ROOT,
          port,
          timeoutMs: 30_000,
        });
        servers.push(s);
        check(`instance with ${label} refuses to start`, false, 'it started');
      } catch (error) {
        const stderr = (error as { stderr?: string }).stderr ?? String(error);
        const exitCode = (error as { exitCode?: number | string }).exitCode;
        const reason = stderr.split('\n').find((l) => l.includes('cannot start')) ?? stderr.trim().split('\n')[0] ?? '';
        check(
          `instance with ${label} refuses to start`,
          exitCode === 1 && expected.test(stderr),
          `exit ${exitCode}: ${reason}`,
        );
      }
    };
    await refusal('a different secrets file', foreignFile, /does not belong to this database/);
    await refusal(
      'no secrets file',
      path.join(work, 'missing', 'secrets.json'),
      /is missing but the database already holds data/,
    );

    // 7. Stop both, then audit everything they wrote.
    const codes = await Promise.all(instances.map((s) => stopServer(s)));
    check(
      'graceful stop of both instances',
      codes.every((c) => c === 0),
      `exit codes ${codes.join(', ')}`,
    );
    const handle = connect({ databaseUrl: db.url, poolSize: 4 });
    try {
      let problems = 0;
      const audit = await auditIntegrity(handle.db, {
        trusted: await trustedKeysOf(foreign),
        onProblem: (p) => {
          problems++;
          if (problems <= 20) log(`audit: ${p.area} ${p.subject} [${p.check}] ${p.message}`);
        },
      });
      check(
        'integrity audit after both instances wrote',
        audit.problems === 0,
        `${audit.guarantees} guarantees, ${audit.versions} versions, ${audit.auditRows} audit rows (one hash chain ` +
          `written by two instances): ${audit.problems} problems`,
      );
    } finally {
      await handle.close();
    }
  } finally {
    for (const s of servers)
      if (s.process.exitCode === null && s.process.signalCode === null) s.process.kill('SIGKILL');
    for (const d of databases) await d.drop().catch((e: unknown) => log(`could not drop ${d.name}: ${String(e)}`));
    fs.rmSync(work, { recursive: true, force: true });
  }
  return report(checks, started);
}

function report(checks: Check[], started: number): number {
  console.log('');
  console.log(`multi-instance on PostgreSQL: ${checks.length} checks in ${fmt.secs(performance.now() - started)}`);
  for (const c of checks) console.log(`${c.ok ? 'PASS' : 'FAIL'}  ${c.name}\n      ${c.figure}`);
  const failed = checks.filter((c) => !c.ok).length;
  if (failed > 0) console.error(`${failed} checks FAILED`);
  return failed === 0 && checks.length > 0 ? 0 : 1;
}

async function databaseFacts(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const m = await client.query<{ n: string; d: string }>(
      'select count(*) as n, count(distinct name) as d from kysely_migration',
    );
    const f = await client.query<{ n: string }>(`select count(*) as n from meta where key = 'secrets_fingerprint'`);
    return {
      migrations: Number(m.rows[0]?.n ?? 0),
      distinctMigrations: Number(m.rows[0]?.d ?? 0),
      fingerprints: Number(f.rows[0]?.n ?? 0),
    };
  } catch {
    return { migrations: 0, distinctMigrations: 0, fingerprints: 0 };
  } finally {
    await client.end();
  }
}

async function countByWorksName(url: string, like: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ works_name: string; n: string }>(
      'select works_name, count(*) as n from sureties where works_name like $1 group by works_name',
      [like],
    );
    return new Map(rows.map((r) => [r.works_name, Number(r.n)]));
  } finally {
    await client.end();
  }
}
