// `npm run bench -- log`: the transparency log's costs (issue 18), each beside a baseline measured in the same run.
//   1. A log of --leaves leaves (default 2M; 5M with --leaves 5000000, ≈2 min more here) bulk-inserted with its
//      stored subtree hashes, then its first checkpoint.
//   2. Proof generation at that size: inclusion and consistency proofs read from storage (every proof checked),
//      against the same proofs inside its first 1,024 leaves.
//   3. Append cost: --new publications through publishSurety on that log (the leaf append inside each), and the leaf
//      append alone, timed inside a transaction that is rolled back: its share of a publication.
//   4. Incremental audit of those --new versions over the large log (from the state a full audit would have left),
//      against the time a full audit would take at that size (from the full audit's rate below).
//   5. Full audit versions/s over --audit-versions signed versions, in one thread vs --threads worker threads.
// Figures are printed, never asserted. SQLite, in temporary directories removed afterwards.
import { createHash, hash, randomBytes, randomInt } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeTransaction } from '../../db/connection.js';
import { loadConfig } from '../../src/config.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../../src/log/merkle.js';
import { createLogger } from '../../src/logger.js';
import { openPlatform, type Platform } from '../../src/platform.js';
import { checkpointBody, signNote } from '../../src/log/note.js';
import { appendLeaf, insertCheckpoint, logHead } from '../../src/repositories/transparency-log.js';
import { auditIntegrity, trustedKeysOf } from '../../src/services/audit-integrity.js';
import { streamLeaves } from '../../src/services/audit-log-leaves.js';
import type { AuditState } from '../../src/services/audit-state.js';
import type { Actor } from '../../src/services/context.js';
import { logOrigin, publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { overStorage, treeConsistency, treeInclusion, treeRoot } from '../../src/services/log-tree.js';
import { publishSurety } from '../../src/services/publish-surety.js';
import { readSecrets } from '../../src/signing/secrets.js';
import { positiveInt, printTable } from './harness.js';
import { BENCH_ENV, contractNumberAt, publicationBody, putBenchObligee } from './verify-dataset.js';

const log = (line: string) => console.error(`[bench log] ${line}`);
const actor: Actor = { type: 'system', id: 'bench:log' };
const ROWS_PER_TRANSACTION = 100_000;
const ROOT = path.resolve(import.meta.dirname, '../..');

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      leaves: { type: 'string' },
      new: { type: 'string' },
      'audit-versions': { type: 'string' },
      threads: { type: 'string' },
      proofs: { type: 'string' },
    },
  });
  const leaves = positiveInt('--leaves', values.leaves, 2_000_000);
  const fresh = positiveInt('--new', values.new, 1000);
  const auditVersions = positiveInt('--audit-versions', values['audit-versions'], 3000);
  const threads = positiveInt('--threads', values.threads, os.availableParallelism());
  const proofs = positiveInt('--proofs', values.proofs, 200);
  const dirs: string[] = [];
  const open = async (): Promise<Platform> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-bench-log-'));
    dirs.push(dir);
    return openPlatform(loadConfig({ ...BENCH_ENV, ESURETY_DATA_DIR: dir }), {
      logger: createLogger({ level: 'silent' }),
    });
  };
  const rows: string[][] = [['figure', 'value', 'baseline (same run)', 'ratio']];
  try {
    // 1. The large log.
    const big = await open();
    const raw = big.handle.sqlite!;
    let started = performance.now();
    bulkLeaves(raw, leaves);
    const insertMs = performance.now() - started;
    started = performance.now();
    await signCheckpoint(big, leaves);
    const checkpointMs = performance.now() - started;
    raw.pragma('synchronous = FULL');
    log(
      `log of ${leaves.toLocaleString('en-US')} leaves: bulk insert ${secs(insertMs)}, first checkpoint ${secs(checkpointMs)}`,
    );
    rows.push([
      'bulk insert of leaves + subtree hashes',
      `${secs(insertMs)} (${rate(leaves, insertMs)} leaves/s)`,
      '',
      '',
    ]);
    rows.push(['first checkpoint (root from stored subtrees, signed)', secs(checkpointMs), '', '']);

    // 2. Proofs at the large size vs inside the first 1,024 leaves.
    const db = big.ctx.db;
    const rootOf = new Map<number, Uint8Array>();
    const rootAt = async (size: number) => {
      let r = rootOf.get(size);
      if (!r) rootOf.set(size, (r = await treeRoot(db, size)));
      return r;
    };
    const small = Math.min(1024, leaves);
    const inclusion = async (size: number) =>
      timeEach(proofs, async () => {
        const i = randomInt(size);
        const proof = await treeInclusion(db, i, size);
        const leaf = await db.selectFrom('log_leaves').select('digest').where('idx', '=', i).executeTakeFirstOrThrow();
        const ok = verifyInclusion(i, size, leafHash(Buffer.from(leaf.digest, 'base64')), proof, await rootAt(size));
        if (!ok) throw new Error(`inclusion proof of ${i} in ${size} does not verify`);
      });
    const consistency = async (size: number) => {
      const froms = Array.from({ length: Math.min(proofs, 20) }, () => 1 + randomInt(size - 1));
      for (const m of froms) await rootAt(m); // roots outside the timing
      let k = 0;
      return timeEach(froms.length, async () => {
        const m = froms[k++]!;
        const proof = await treeConsistency(db, m, size);
        if (!verifyConsistency(m, size, proof, await rootAt(m), await rootAt(size))) {
          throw new Error(`consistency proof ${m} → ${size} does not verify`);
        }
      });
    };
    await rootAt(leaves);
    await rootAt(small);
    const incBig = await inclusion(leaves);
    const incSmall = await inclusion(small);
    const conBig = await consistency(leaves);
    const conSmall = await consistency(small);
    const n = leaves.toLocaleString('en-US');
    rows.push([
      `inclusion proof at ${n} (mean / p99)`,
      ms2(incBig),
      ms2(incSmall) + ` at ${small}`,
      ratio(incBig.mean, incSmall.mean),
    ]);
    rows.push([
      `consistency proof to ${n} (mean / p99)`,
      ms2(conBig),
      ms2(conSmall) + ` at ${small}`,
      ratio(conBig.mean, conSmall.mean),
    ]);

    // 3. Publications on the large log, and the leaf append alone.
    const secrets = readSecrets(big.ctx.config.secretsFile)!;
    const trusted = await trustedKeysOf(secrets);
    const lastAudit = await db
      .selectFrom('audit_log')
      .select(['id', 'hash'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    // The state a passing full audit of the large log would have recorded (its leaves have no versions of their own).
    const state: AuditState = {
      size: leaves,
      root: Buffer.from(await rootAt(leaves)).toString('base64'),
      ...(await auditedEdge(db, leaves)),
      versions: 0,
      auditHead: lastAudit?.hash ? { id: Number(lastAudit.id), hash: lastAudit.hash } : null,
      at: new Date().toISOString(),
    };
    await putBenchObligee(big.ctx);
    const publication = await timeEach(fresh, async (k) => {
      await publishSurety(big.ctx, actor, benchPublication(k));
    });
    await publishCheckpoint(big.ctx);
    const append = await appendAlone(big, fresh);
    rows.push([`publication with its leaf append (${fresh}, durable)`, ms2(publication), '', '']);
    rows.push([
      'leaf append alone (in the transaction)',
      ms2(append),
      `publication ${publication.mean.toFixed(2)} ms`,
      `${((append.mean / publication.mean) * 100).toFixed(1)} %`,
    ]);

    // 5 before 4: the full audit's rate is the incremental audit's baseline.
    const small2 = await open();
    await putBenchObligee(small2.ctx);
    small2.handle.sqlite!.pragma('synchronous = OFF'); // generation only: the audit reads from its own process
    started = performance.now();
    for (let k = 0; k < auditVersions; k++) {
      await publishSurety(small2.ctx, actor, benchPublication(k));
    }
    log(`${auditVersions} signed versions published in ${secs(performance.now() - started)}`);
    await publishCheckpoint(small2.ctx);
    // Through the compiled CLI, as production runs it: under tsx each worker would first transpile the sources.
    const built = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('building dist/ failed');
    const fullAudit = (t: number) => {
      const run = spawnSync(
        process.execPath,
        [path.join(ROOT, 'dist/cli.js'), 'audit', '--full', '--threads', `${t}`],
        {
          env: { ...process.env, ...BENCH_ENV, ESURETY_DATA_DIR: small2.ctx.config.dataDir },
          encoding: 'utf8',
        },
      );
      const versions = /audit: \d+ guarantees, (\d+) versions/.exec(run.stdout)?.[1];
      const seconds = /audit: ok — 0 problems in ([\d.]+) s/.exec(run.stdout)?.[1];
      log(`full audit, ${t} thread(s): ${versions} versions in ${seconds} s`);
      if (run.status !== 0 || !versions || !seconds)
        throw new Error(`the full audit failed:\n${run.stdout}${run.stderr}`);
      return Number(versions) / Number(seconds);
    };
    const perSecond = { one: 0, many: 0 };
    for (let round = 0; round < 2; round++) {
      perSecond.one = Math.max(perSecond.one, await fullAudit(1));
      perSecond.many = Math.max(perSecond.many, await fullAudit(threads));
    }
    rows.push([
      `full audit, ${threads} threads`,
      `${Math.round(perSecond.many)} versions/s`,
      `1 thread ${Math.round(perSecond.one)} versions/s`,
      ratio(perSecond.many, perSecond.one),
    ]);

    // 4. The incremental audit of the new versions over the large log.
    started = performance.now();
    const incremental = await auditIntegrity(db, { trusted, since: state });
    const incMs = performance.now() - started;
    if (incremental.problems > 0) throw new Error(`the incremental audit found ${incremental.problems} problems`);
    const head = (await logHead(db)).size;
    const fullEstimateMs = (head / perSecond.many) * 1000;
    rows.push([
      `incremental audit: ${fresh} new over ${n} leaves`,
      `${secs(incMs)} (${incremental.versions} versions verified, ${head.toLocaleString('en-US')} leaves rehashed)`,
      `full audit of ${head.toLocaleString('en-US')} versions ≈ ${secs(fullEstimateMs)}`,
      ratio(incMs, fullEstimateMs),
    ]);
    await big.close();
    await small2.close();
    printTable(rows);
    return 0;
  } finally {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The leaf stream hash and frontier a passing full audit of the first `size` leaves records (audit-state.ts): the
 * stream from the leaves, the frontier from the stored subtree hashes (a full audit would rehash every leaf for it).
 */
async function auditedEdge(db: Platform['ctx']['db'], size: number): Promise<{ leaves: string; frontier: string[] }> {
  const stream = createHash('sha256');
  if ((await streamLeaves(db, stream, 0, size)) !== null) throw new Error('the bulk log has a gap');
  const edge: [number, number][] = [];
  let start = 0;
  for (let level = 52; level >= 0; level--) {
    if (Math.floor(size / 2 ** level) % 2 === 1) {
      edge.push([level, start / 2 ** level]);
      start += 2 ** level;
    }
  }
  const frontier = await overStorage(db, (perfect) => edge.map(([level, index]) => perfect(level, index)));
  return { leaves: stream.digest('base64'), frontier: frontier.map((h) => Buffer.from(h).toString('base64')) };
}

/**
 * `count` leaf rows with random digests and the subtree hashes the checkpoint job would store (every fourth level),
 * computed as the leaves are inserted — in big transactions without fsync (generation only) — and the head.
 */
function bulkLeaves(raw: NonNullable<Platform['handle']['sqlite']>, count: number): void {
  raw.pragma('synchronous = OFF');
  const insert = raw.prepare('insert into log_leaves (idx, digest, contract_number, seq) values (?, ?, ?, ?)');
  const insertNode = raw.prepare('insert into log_nodes (level, idx, hash) values (?, ?, ?)');
  const pool = randomBytes(32 * 65_536);
  const prefixed = Buffer.alloc(65);
  const pending: Buffer[] = [];
  let idx = 0;
  const batch = raw.transaction(() => {
    for (let i = 0; i < ROWS_PER_TRANSACTION && idx < count; i++, idx++) {
      const at = (idx % 65_536) * 32;
      pool.writeUInt32BE(idx, at); // every digest differs
      insert.run(idx, pool.toString('base64', at, at + 32), contractNumberAt(10_000_000 + (idx >> 1)), (idx & 1) + 1);
      prefixed[0] = 0;
      pool.copy(prefixed, 1, at, at + 32);
      let node = hash('sha256', prefixed.subarray(0, 33), 'buffer');
      let level = 0;
      let index = idx;
      while (index % 2 === 1) {
        prefixed[0] = 1;
        pending[level]!.copy(prefixed, 1);
        node.copy(prefixed, 33);
        node = hash('sha256', prefixed, 'buffer');
        level++;
        index = Math.floor(index / 2);
        if (level % 4 === 0) insertNode.run(level, index, node.toString('base64'));
      }
      pending[level] = node;
    }
  });
  let last = performance.now();
  while (idx < count) {
    batch();
    if (performance.now() - last > 5000) {
      log(`  ${idx.toLocaleString('en-US')} leaves`);
      last = performance.now();
    }
  }
  raw.prepare(`update log_head set size = ? where name = 'log'`).run(count);
}

/** The checkpoint the job would sign over the bulk log (its subtree hashes are stored already). */
async function signCheckpoint(p: Platform, size: number): Promise<void> {
  const root = Buffer.from(await treeRoot(p.ctx.db, size));
  const note = signNote(checkpointBody({ origin: logOrigin(p.ctx.config.publicUrl), size, root }), p.ctx.logSigner);
  await insertCheckpoint(p.ctx.db, { size, root: root.toString('base64'), note, created_at: new Date().toISOString() });
}

/** The leaf append alone, as a publication runs it (inside its transaction), rolled back afterwards. */
async function appendAlone(p: Platform, count: number) {
  class Rollback extends Error {}
  let result: Awaited<ReturnType<typeof timeEach>> | undefined;
  const jws = `${randomBytes(40).toString('base64url')}.${randomBytes(900).toString('base64url')}.${randomBytes(64).toString('base64url')}`;
  await writeTransaction(p.ctx.db, async (tx) => {
    result = await timeEach(count, async (k) => {
      if ((await appendLeaf(tx, contractNumberAt(k), 1, jws)) === null) throw new Error('the log is on hold');
    });
    throw new Rollback();
  }).catch((error: unknown) => {
    if (!(error instanceof Rollback)) throw error;
  });
  return result!;
}

/** Guarantee k; a 中間前払金保証 (every third) names the 前払金保証 two before it, as DESIGN §4 asks. */
function benchPublication(k: number) {
  const related = k % 3 === 2 ? contractNumberAt(k - 2) : undefined;
  return { ...publicationBody(k, related), contractNumber: contractNumberAt(k) };
}

async function timeEach(count: number, fn: (k: number) => Promise<void>) {
  const times: number[] = [];
  for (let k = 0; k < count; k++) {
    const t = performance.now();
    await fn(k);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { mean, p50: times[Math.floor(times.length / 2)]!, p99: times[Math.floor(times.length * 0.99)]! };
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const rate = (count: number, ms: number) => Math.round(count / (ms / 1000)).toLocaleString('en-US');
const ms2 = (t: { mean: number; p99: number }) => `${t.mean.toFixed(3)} / ${t.p99.toFixed(3)} ms`;
const ratio = (a: number, b: number) =>
  a / b >= 0.01 ? `${(a / b).toFixed(2)}×` : `1/${Math.round(b / a).toLocaleString('en-US')}`;
