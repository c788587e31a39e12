// `npm run bench -- outage`: a PostgreSQL restart under publish + verify load. Starts a throwaway PostgreSQL cluster
// of its own (initdb into a temp dir, another port: the shared server is never touched), one server process on it,
// publishing clients (each publication with its own Idempotency-Key, retried after Retry-After until acknowledged)
// and verifying clients; stops PostgreSQL for --outage S, starts it again, and counts what happened: publications
// sent, acknowledged, lost (acknowledged but absent), duplicated (one key stored twice); answers during the outage by
// status; whether the server process lived; how long after PostgreSQL was back the first publication succeeded.
// Exits 1 when the process died, anything was lost or duplicated, or an answer other than 201/200/503 came.
//
// Options: --outage S (9)  --before S (4)  --after S (6)  --publishers N (4)  --verifiers N (4)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { freePort, stopServer, UsageError } from './harness.js';
import { BENCH_ENV, call, positiveInt, provision, startQuietServer, suretyBody } from './ops-support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const log = (line: string) => console.log(`[outage] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A PostgreSQL cluster in a temp dir, run as the postgres user when this process is root (initdb refuses root). */
class ThrowawayCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  static async create(): Promise<ThrowawayCluster> {
    const versions = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql').sort() : [];
    const version = versions.at(-1);
    if (!version) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql/*/bin');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-outage-pg-'));
    const cluster = new ThrowawayCluster(dir, await freePort(), `/usr/lib/postgresql/${version}/bin`);
    if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
    cluster.run('initdb', ['-D', `${dir}/data`, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    return cluster;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  start(): void {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`;
    this.run('pg_ctl', ['-D', `${this.dir}/data`, '-l', `${this.dir}/log`, '-o', options, '-w', 'start']);
  }

  /** A fast shutdown: every connection is terminated (57P01), as in a restart or failover. */
  stop(): void {
    this.run('pg_ctl', ['-D', `${this.dir}/data`, '-m', 'fast', '-w', 'stop']);
  }

  destroy(): void {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private run(tool: string, args: string[]): void {
    const command = path.join(this.bin, tool);
    if (process.getuid?.() === 0)
      execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'ignore' });
    else execFileSync(command, args, { stdio: 'ignore' });
  }
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        outage: { type: 'string' },
        before: { type: 'string' },
        after: { type: 'string' },
        publishers: { type: 'string' },
        verifiers: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const outageS = positiveInt('outage', values.outage, 9);
  const beforeS = positiveInt('before', values.before, 4);
  const afterS = positiveInt('after', values.after, 6);
  const publishers = positiveInt('publishers', values.publishers, 4);
  const verifiers = positiveInt('verifiers', values.verifiers, 4);

  const cluster = await ThrowawayCluster.create();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-outage-'));
  try {
    cluster.start();
    log(`own PostgreSQL cluster on port ${cluster.port} (${cluster.dir})`);
    const env = { ...BENCH_ENV, ESURETY_DATA_DIR: dataDir, DATABASE_URL: cluster.url };
    const token = await provision(env);
    const server = await startQuietServer({ name: 'server', env, cwd: ROOT, port: await freePort() });
    const first = await call(server.url, 'POST', '/api/v1/sureties', { token, body: suretyBody(0, 'seed') });
    if (first.status !== 201) throw new Error(`seed publication failed: ${first.status}`);
    const seed = { contractNumber: first.json.contractNumber, authKey: first.json.authKey };

    let phase: 'before' | 'outage' | 'after' = 'before';
    let stopping = false;
    let backAt = 0;
    let firstSuccessAfter: number | null = null;
    const sent = new Set<string>();
    const acked = new Map<string, string>(); // idempotency key → contract number
    const answers = {
      before: new Map<string, number>(),
      outage: new Map<string, number>(),
      after: new Map<string, number>(),
    };
    const count = (status: string) => answers[phase].set(status, (answers[phase].get(status) ?? 0) + 1);

    const publisher = async (p: number) => {
      for (let i = 0; !stopping; i++) {
        const key = `outage-${p}-${i}`;
        sent.add(key);
        // Retried with the same key until acknowledged: an answer lost in the outage must not publish twice. Once the
        // run ends, a publication still unanswered gets 20 more tries (a dead server would never answer).
        for (let late = 0; late < 20; late += stopping ? 1 : 0) {
          let status = 'network';
          let retryAfter = 0.2;
          try {
            const res = await call(server.url, 'POST', '/api/v1/sureties', {
              token,
              body: suretyBody(i, key),
              headers: { 'idempotency-key': key },
              timeoutMs: 15_000,
            });
            status = String(res.status);
            if (res.status === 201) {
              acked.set(key, res.json.contractNumber as string);
              if (phase === 'after' && firstSuccessAfter === null) firstSuccessAfter = performance.now() - backAt;
            }
            retryAfter = Math.min(Number(res.headers.get('retry-after') ?? 0.2), 1);
          } catch {
            // no answer: counted as network, retried
          }
          count(status);
          if (acked.has(key)) break;
          await sleep(retryAfter * 1000);
        }
      }
    };
    const verifier = async () => {
      while (!stopping) {
        try {
          const res = await call(server.url, 'POST', '/api/v1/verify', { body: seed, timeoutMs: 15_000 });
          count(String(res.status));
          if (res.status !== 200) await sleep(200);
        } catch {
          count('network');
          await sleep(200);
        }
      }
    };
    const load = [
      ...Array.from({ length: publishers }, (_, p) => publisher(p)),
      ...Array.from({ length: verifiers }, () => verifier()),
    ];
    await sleep(beforeS * 1000);
    log(`stopping PostgreSQL for ${outageS} s under load`);
    cluster.stop();
    phase = 'outage';
    await sleep(outageS * 1000);
    cluster.start();
    backAt = performance.now();
    phase = 'after';
    log('PostgreSQL is back');
    await sleep(afterS * 1000);
    stopping = true;
    await Promise.all(load);
    const survived = server.process.exitCode === null && server.process.signalCode === null;

    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    const { rows } = await client.query<{ works_name: string; n: string }>(
      `select works_name, count(*) as n from sureties where works_name like 'outage-%' group by works_name`,
    );
    await client.end();
    const stored = new Map(rows.map((r) => [r.works_name, Number(r.n)]));
    const lost = [...acked.keys()].filter((key) => !stored.has(key));
    const duplicated = [...stored.values()].filter((n) => n > 1).length;
    const unexpected = Object.values(answers).flatMap((m) =>
      [...m.keys()].filter((status) => !['200', '201', '503'].includes(status)),
    );
    if (survived) await stopServer(server);

    const show = (m: Map<string, number>) =>
      [...m.entries()]
        .sort()
        .map(([s, n]) => `${s}×${n}`)
        .join(' ') || '-';
    log(`server process survived the outage: ${survived ? 'yes' : `NO (${server.stderr().trim().slice(-500)})`}`);
    log(`answers before: ${show(answers.before)} | during: ${show(answers.outage)} | after: ${show(answers.after)}`);
    log(
      `publications sent ${sent.size}, acknowledged ${acked.size}, lost ${lost.length}, duplicated ${duplicated}, ` +
        `stored ${stored.size} (never acknowledged: ${sent.size - acked.size})`,
    );
    log(
      `first acknowledged publication ${firstSuccessAfter === null ? 'never' : `${(firstSuccessAfter / 1000).toFixed(2)} s`} ` +
        'after PostgreSQL was back',
    );
    const ok =
      survived && lost.length === 0 && duplicated === 0 && unexpected.length === 0 && firstSuccessAfter !== null;
    if (!ok && unexpected.length > 0) log(`unexpected answers: ${[...new Set(unexpected)].join(', ')}`);
    log(ok ? 'PASS' : 'FAIL');
    return ok ? 0 : 1;
  } finally {
    cluster.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
