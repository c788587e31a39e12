// The verification benchmark's data set: a SQLite database holding `versions` signed versions in total.
//
// A few thousand guarantees (the ones the benchmark verifies) go through the real services (publishSurety /
// publishVersion: validation, ES256 signing, HMAC'd + encrypted key), at contract numbers spread evenly over the
// whole key space. The remaining rows are filler guarantees bulk-inserted with prepared statements in large
// transactions: structurally realistic rows (same column sizes, JWS of the same shape and length) whose signatures
// are NOT valid — they are never requested, they only give the tables and indexes their real size and depth.
//
// Every version has its transparency-log leaf (DESIGN §12), in order: the signed ones through the services, the
// filler ones appended here with their rows, and the log head and a checkpoint (with its stored subtree hashes) are
// brought up to the whole set, so the audit and scale benchmarks see a real log of that size.
//
// The database lives under os.tmpdir() and is reused while its marker file matches the requested size.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { loadConfig } from '../../src/config.js';
import { openPlatform } from '../../src/platform.js';
import type { Actor, ServiceContext } from '../../src/services/context.js';
import { publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { putObligee } from '../../src/services/obligees.js';
import { publishSurety } from '../../src/services/publish-surety.js';
import { publishVersion } from '../../src/services/publish-version.js';
import { UsageError } from './harness.js';

/** Bump when the generator changes so that cached databases are rebuilt. */
const FORMAT = 3;
const MARKER = 'bench-dataset.json';
const CONTRACTS = 'bench-contracts.json';
const DB_FILE = 'esurety.sqlite';
/** Guarantees per office code; numbers are `<office>-<sequence>`, offices 10001, 10002, … */
const PER_OFFICE = 50_000;
/** Filler guarantees get 1, 2 or 3 versions in turn: 2 on average, like the design volumes (0.5M versions/year). */
const FILLER_VERSIONS = [1, 2, 3] as const;
const ROWS_PER_TRANSACTION = 20_000;

const OBLIGEE_ID = 'bench-city';
const actor: Actor = { type: 'system', id: 'bench:verify' };

/** Environment shared by the generator and the server under test (plus ESURETY_DATA_DIR and PORT). */
export const BENCH_ENV = {
  NODE_ENV: 'production',
  ESURETY_DEMO: '0',
  ESURETY_ISSUER_NAME: 'ベンチ保証株式会社',
  ESURETY_PUBLIC_URL: 'http://esurety-bench.localhost',
} as const;

export interface MeasuredContract {
  contractNumber: string;
  authKey: string;
  versions: number;
}

export interface BuildStats {
  signedGuarantees: number;
  signedVersions: number;
  signedMs: number;
  fillerSureties: number;
  fillerVersions: number;
  fillerMs: number;
  totalMs: number;
}

export interface Dataset {
  dir: string;
  dbFile: string;
  versions: number;
  sureties: number;
  contracts: MeasuredContract[];
  reused: boolean;
  build: BuildStats;
  dbBytes: number;
}

interface Marker {
  format: number;
  versions: number;
  contracts: number;
  sureties: number;
  build: BuildStats;
}

export interface DatasetOptions {
  versions: number;
  contracts: number;
  fresh: boolean;
  log: (line: string) => void;
}

export function datasetDir(versions: number): string {
  return path.join(os.tmpdir(), `esurety-bench-verify-${versions}`);
}

export async function prepareDataset(options: DatasetOptions): Promise<Dataset> {
  // Measured guarantees have up to 3 versions and must not crowd each other in the key space.
  if (options.contracts * 3 > options.versions)
    throw new UsageError('--contracts must be at most a third of --versions');
  const dir = datasetDir(options.versions);
  const dbFile = path.join(dir, DB_FILE);
  if (!options.fresh) {
    const cached = readCached(dir, dbFile, options);
    if (cached) {
      options.log(`reusing data set in ${dir} (built ${fmtRate(cached.build)}; --fresh rebuilds it)`);
      return cached;
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  options.log(`building data set in ${dir}: ${options.versions.toLocaleString('en-US')} versions`);
  const built = await build(dir, options);
  fs.writeFileSync(path.join(dir, CONTRACTS), JSON.stringify(built.contracts), { mode: 0o600 });
  const marker: Marker = {
    format: FORMAT,
    versions: options.versions,
    contracts: options.contracts,
    sureties: built.sureties,
    build: built.build,
  };
  // Written last: a half-built directory has no marker and is rebuilt next time.
  fs.writeFileSync(path.join(dir, MARKER), JSON.stringify(marker, null, 2));
  options.log(`data set ready: ${fmtRate(built.build)}`);
  return { dir, dbFile, versions: options.versions, ...built, reused: false, dbBytes: fileBytes(dbFile) };
}

export function fmtRate(b: BuildStats): string {
  const fillerRows = b.fillerSureties + b.fillerVersions;
  return (
    `${(b.totalMs / 1000).toFixed(1)} s total; signed ${b.signedGuarantees.toLocaleString('en-US')} guarantees / ` +
    `${b.signedVersions.toLocaleString('en-US')} versions in ${(b.signedMs / 1000).toFixed(1)} s ` +
    `(${Math.round(b.signedVersions / (b.signedMs / 1000)).toLocaleString('en-US')} versions/s); bulk ` +
    `${fillerRows.toLocaleString('en-US')} rows (${b.fillerSureties.toLocaleString('en-US')} sureties + ` +
    `${b.fillerVersions.toLocaleString('en-US')} versions) in ${(b.fillerMs / 1000).toFixed(1)} s ` +
    `(${Math.round(fillerRows / (b.fillerMs / 1000)).toLocaleString('en-US')} rows/s)`
  );
}

function fileBytes(file: string): number {
  let total = 0;
  for (const suffix of ['', '-wal']) {
    try {
      total += fs.statSync(file + suffix).size;
    } catch {
      // no WAL
    }
  }
  return total;
}

function readCached(dir: string, dbFile: string, options: DatasetOptions): Dataset | null {
  let marker: Marker;
  let contracts: MeasuredContract[];
  try {
    marker = JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8')) as Marker;
    contracts = JSON.parse(fs.readFileSync(path.join(dir, CONTRACTS), 'utf8')) as MeasuredContract[];
  } catch {
    return null;
  }
  if (
    marker.format !== FORMAT ||
    marker.versions !== options.versions ||
    marker.contracts !== options.contracts ||
    contracts.length !== options.contracts ||
    !fs.existsSync(dbFile) ||
    !fs.existsSync(path.join(dir, 'secrets.json'))
  ) {
    return null;
  }
  // The marker says what was built; the database must still hold it.
  const db = new SQLite(dbFile, { readonly: true });
  try {
    const row = db.prepare('select count(*) as n from versions').get() as { n: number };
    if (row.n !== options.versions) {
      options.log(`cached data set holds ${row.n} versions, expected ${options.versions}: rebuilding`);
      return null;
    }
  } finally {
    db.close();
  }
  return {
    dir,
    dbFile,
    versions: marker.versions,
    sureties: marker.sureties,
    contracts,
    reused: true,
    build: marker.build,
    dbBytes: fileBytes(dbFile),
  };
}

export function contractNumberAt(index: number): string {
  const office = 10001 + Math.floor(index / PER_OFFICE);
  return `${office}-${String((index % PER_OFFICE) + 1).padStart(6, '0')}`;
}

const products = ['advance_payment', 'contract', 'intermediate_advance_payment'] as const;

/**
 * A publication request body for guarantee `index` (varied amounts, names and dates, always eligible). A 中間前払金保証
 * is for the works of the 前払金保証 two indices before it, which it names when its number is given (DESIGN §4).
 */
export function publicationBody(index: number, relatedContractNumber?: string) {
  const product = products[index % products.length] ?? 'contract';
  const w = product === 'intermediate_advance_payment' ? index - 2 : index;
  const contractAmount = 10_000_000 + (index % 997) * 1_000_000;
  const guaranteeAmount =
    product === 'contract'
      ? Math.round(contractAmount / 10)
      : Math.round((contractAmount * (product === 'advance_payment' ? 4 : 2)) / 10);
  const month = String((index % 9) + 1).padStart(2, '0');
  return {
    product,
    obligeeId: OBLIGEE_ID,
    contractor: {
      name: `ベンチ建設株式会社 第${(index % 2000) + 1}支店`,
      address: `静岡県ベンチ市本町${(index % 50) + 1}丁目${(index % 30) + 1}番${(index % 20) + 1}号`,
      representative: '代表取締役 保証 太郎',
    },
    works: {
      name: `市道ベンチ線道路改良工事（その${(w % 99) + 1}）`,
      number: `令和8年度 第${(w % 500) + 1}号`,
      location: `静岡県ベンチ市大字ベンチ${(w % 300) + 1}番地内`,
      contractDate: `2026-${month}-01`,
      period: { from: `2026-${month}-02`, to: '2027-03-19' },
    },
    contractAmount,
    guaranteeAmount,
    ...(product === 'contract' ? {} : { advanceAmount: guaranteeAmount, depositBank: 'ベンチ中央銀行 本店営業部' }),
    guaranteePeriod: { from: `2026-${month}-02`, to: '2027-04-30' },
    guaranteeDate: `2026-${month}-01`,
    ...(relatedContractNumber ? { relatedContractNumber } : {}),
  };
}

type Body = ReturnType<typeof publicationBody>;

/**
 * Signs version 1 and, for three guarantees in four, a short history through the real services. `k` (the measured
 * guarantee's ordinal) picks the product and the history, so every kind occurs whatever the spacing of the numbers.
 */
async function publishMeasured(
  ctx: ServiceContext,
  k: number,
  contractNumber: string,
  related?: string,
): Promise<MeasuredContract> {
  const body: Body = publicationBody(k, related);
  const published = await publishSurety(ctx, actor, { ...body, contractNumber });
  const raise = (factor: number) => {
    const guaranteeAmount = Math.round(body.guaranteeAmount * factor);
    return {
      contractAmount: Math.max(body.contractAmount, guaranteeAmount),
      guaranteeAmount,
      ...(body.product === 'contract' ? {} : { advanceAmount: guaranteeAmount }),
    };
  };
  let versions = 1;
  const add = async (request: Record<string, unknown>) => {
    await publishVersion(ctx, actor, contractNumber, request);
    versions++;
  };
  switch (k % 4) {
    case 1: // 新規 → 変更（増額）
      await add({ event: 'change', changes: raise(1.1), reason: '請負代金額の増額に伴う保証金額の増額' });
      break;
    case 2: // 新規 → 変更（保証期限変更）→ 変更（減額）
      await add({ event: 'change', changes: { guaranteePeriod: { to: '2027-06-30' } }, reason: '工期延長' });
      await add({ event: 'change', changes: raise(0.9), reason: '請負代金額の減額' });
      break;
    case 3: // 新規 → 変更 → 変更取消 (2 of 3 versions hidden)
      await add({ event: 'change', changes: raise(1.2), reason: '増額' });
      await add({ event: 'change_cancellation', target: 2, reason: '増額の取りやめ' });
      break;
    default: // 新規 only
  }
  return { contractNumber, authKey: published.authKey, versions };
}

/** The obligee every benchmark publication names (ベンチ市, eligible for every product). */
export async function putBenchObligee(ctx: ServiceContext): Promise<void> {
  await putObligee(ctx, actor, OBLIGEE_ID, {
    name: 'ベンチ市',
    title: 'ベンチ市長',
    rules: [{ products: [...products], basis: 'contract_date', effectiveFrom: '2026-01-01' }],
  });
}

async function build(
  dir: string,
  options: DatasetOptions,
): Promise<{ contracts: MeasuredContract[]; sureties: number; build: BuildStats }> {
  const started = performance.now();
  const config = loadConfig({ ...BENCH_ENV, ESURETY_DATA_DIR: dir });
  const platform = await openPlatform(config);
  const raw = platform.handle.sqlite;
  if (!raw) throw new Error('the verification benchmark needs the SQLite backend');
  try {
    // Generation only (this connection): no fsync per commit and a big page cache. The server opens the file with
    // the production pragmas (WAL, synchronous=FULL).
    raw.pragma('synchronous = OFF');
    raw.pragma('cache_size = -262144');
    const { ctx } = platform;
    await putBenchObligee(ctx);

    // Measured guarantees: evenly spread over the index range the whole data set will occupy.
    const estimatedGuarantees = Math.max(options.contracts, Math.ceil(options.versions / 2));
    const measuredAt = new Map<number, number>();
    for (let k = 0; k < options.contracts; k++) {
      measuredAt.set(Math.floor(((k + 0.5) * estimatedGuarantees) / options.contracts), k);
    }
    const contracts: MeasuredContract[] = [];
    let signedVersions = 0;
    let lastLog = performance.now();
    const numberOf = new Map<number, string>();
    for (const [index, k] of measuredAt) {
      numberOf.set(k, contractNumberAt(index));
      const related =
        products[k % products.length] === 'intermediate_advance_payment' ? numberOf.get(k - 2) : undefined;
      const c = await publishMeasured(ctx, k, contractNumberAt(index), related);
      contracts.push(c);
      signedVersions += c.versions;
      if (performance.now() - lastLog > 5000) {
        options.log(`  signed ${contracts.length}/${options.contracts} guarantees`);
        lastLog = performance.now();
      }
    }
    const signedMs = performance.now() - started;

    // Filler rows, shaped like the real ones: a real header, the real JWE length, a payload of the same layout.
    const template = raw
      .prepare(
        `select s.auth_key_jwe as jwe, v.jws as jws from sureties s join versions v using (contract_number)
         where v.seq = 1 limit 1`,
      )
      .get() as { jwe: string; jws: string };
    const [headerB64 = ''] = template.jws.split('.');
    // Not a signature: filler versions are never verified (no request ever names a filler guarantee).
    const fakeSignature = randomBytes(64).toString('base64url');
    const fakePrev = randomBytes(32).toString('base64url');
    const insertSurety = raw.prepare(
      `insert into sureties (contract_number, product, obligee_id, works_name, contractor_name, contractor_email,
         auth_key_hmac, auth_key_jwe, latest_seq, created_at, updated_at)
       values (?, ?, ?, ?, ?, null, ?, ?, ?, ?, ?)`,
    );
    const insertVersion = raw.prepare(
      `insert into versions (contract_number, seq, event, target, jws, issued_at) values (?, ?, ?, null, ?, ?)`,
    );
    const insertLeaf = raw.prepare(`insert into log_leaves (idx, digest, contract_number, seq) values (?, ?, ?, ?)`);
    let nextLeaf = Number((raw.prepare(`select size from log_head where name = 'log'`).get() as { size: number }).size);
    const fillerStarted = performance.now();
    const fillerTarget = options.versions - signedVersions;
    const spanMs = 10 * 365 * 86_400_000; // ten years of retention
    const firstMs = Date.UTC(2016, 3, 1);
    let fillerVersions = 0;
    let fillerSureties = 0;
    let index = 0;
    // Random HMAC stand-ins from one pool: a randomBytes call per row costs more than the row's insert.
    let pool = randomBytes(0);
    let poolOffset = 0;
    const randomHex32 = () => {
      if (poolOffset + 32 > pool.length) {
        pool = randomBytes(32 * 16_384);
        poolOffset = 0;
      }
      poolOffset += 32;
      return pool.toString('hex', poolOffset - 32, poolOffset);
    };
    const insertBatch = raw.transaction(() => {
      let rows = 0;
      while (rows < ROWS_PER_TRANSACTION && fillerVersions < fillerTarget) {
        const i = index++;
        if (measuredAt.has(i)) continue;
        const n = Math.min(FILLER_VERSIONS[i % FILLER_VERSIONS.length] ?? 1, fillerTarget - fillerVersions);
        const number = contractNumberAt(i);
        const body = publicationBody(i);
        const atMs = firstMs + Math.floor((i / estimatedGuarantees) * spanMs);
        const at = new Date(atMs).toISOString();
        const certificate = JSON.stringify({
          product: body.product,
          contractor: body.contractor,
          works: body.works,
          contractAmount: body.contractAmount,
          guaranteeAmount: body.guaranteeAmount,
          ...(body.product === 'contract' ? {} : { advanceAmount: body.advanceAmount, depositBank: body.depositBank }),
          guaranteePeriod: body.guaranteePeriod,
          guaranteeDate: body.guaranteeDate,
          contractNumber: number,
          issuer: { name: BENCH_ENV.ESURETY_ISSUER_NAME },
          obligee: { id: OBLIGEE_ID, name: 'ベンチ市', title: 'ベンチ市長' },
        });
        insertSurety.run(
          number,
          body.product,
          OBLIGEE_ID,
          body.works.name,
          body.contractor.name,
          randomHex32(),
          template.jwe,
          n,
          at,
          at,
        );
        for (let seq = 1; seq <= n; seq++) {
          const issuedAt = new Date(atMs + (seq - 1) * 30 * 86_400_000 + 9 * 3_600_000)
            .toISOString()
            .replace('Z', '+09:00');
          const event = seq === 1 ? 'issue' : 'change';
          const payload =
            `{"iss":${JSON.stringify(BENCH_ENV.ESURETY_PUBLIC_URL)},"sub":"${number}","seq":${seq},` +
            `"event":"${event}","target":null,"reason":${seq === 1 ? 'null' : '"変更"'},"issuedAt":"${issuedAt}",` +
            `"prev":${seq === 1 ? 'null' : `"${fakePrev}"`},"status":"active","certificate":${certificate}}`;
          const jws = `${headerB64}.${Buffer.from(payload).toString('base64url')}.${fakeSignature}`;
          insertVersion.run(number, seq, event, jws, issuedAt);
          insertLeaf.run(nextLeaf++, createHash('sha256').update(jws, 'ascii').digest('base64'), number, seq);
        }
        fillerSureties++;
        fillerVersions += n;
        rows += n + 1;
      }
    });
    lastLog = performance.now();
    while (fillerVersions < fillerTarget) {
      insertBatch();
      if (performance.now() - lastLog > 5000) {
        const rate = (fillerSureties + fillerVersions) / ((performance.now() - fillerStarted) / 1000);
        options.log(
          `  bulk: ${(fillerVersions + signedVersions).toLocaleString('en-US')}/${options.versions.toLocaleString('en-US')} versions ` +
            `(${Math.round(rate).toLocaleString('en-US')} rows/s)`,
        );
        lastLog = performance.now();
      }
    }
    raw.prepare(`update log_head set size = ? where name = 'log'`).run(nextLeaf);
    // The first checkpoint over the bulk leaves stores their subtree hashes: done here, not by the server under test.
    await publishCheckpoint(ctx);
    raw.pragma('wal_checkpoint(TRUNCATE)');
    const fillerMs = performance.now() - fillerStarted;
    return {
      contracts,
      sureties: contracts.length + fillerSureties,
      build: {
        signedGuarantees: contracts.length,
        signedVersions,
        signedMs,
        fillerSureties,
        fillerVersions,
        fillerMs,
        totalMs: performance.now() - started,
      },
    };
  } finally {
    await platform.close();
  }
}
