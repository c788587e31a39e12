// `npm run bench -- pdf`: the documents' cost. Cold and warm render timings and sizes per document type (notice,
// certificate, receipt), then verification latency (POST /api/v1/verify at a fixed rate, open loop) on a server
// process with no PDFs being drawn, with PDFs drawn in the worker thread (the platform's way), and with PDFs drawn
// on the main thread (the baseline that shows why the worker exists).
//
// Options: --iterations <n> (200 warm renders per type)  --rate <n> (100 verifications/s)  --duration <s> (10)
//          --pdf-rate <n> (10 certificate PDFs/s during the load)  --skip-load (render timings only)
//
// Targets (reported, never asserted): warm certificate median ≤ 15 ms and ≤ 60 KB; verify p99 with PDFs being
// drawn close to the p99 without. Exit 1 only when the benchmark itself breaks (a render or request fails).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Certificate } from '../../src/domain/certificate.js';
import { toJstIso } from '../../src/domain/format.js';
import type { DocumentInput, PublicJwk } from '../../src/pdf/model.js';
import { inlineRunner, usePdfRunner, workerRunner } from '../../src/pdf/pool.js';
import { createLogger } from '../../src/logger.js';
import { openPlatform } from '../../src/platform.js';
import { seedDemo } from '../../src/services/seed-demo.js';
import { jwsHash } from '../../src/signing/versions.js';
import { fmt, freePort, positiveInt, printTable, startServer, stopServer } from './harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SELF = fileURLToPath(import.meta.url);
const log = (line: string) => console.error(`[bench pdf] ${line}`);

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

// --- Inputs: the demo data set's certificates, signed for real so that JWS sizes are what a server produces. ---

const works = {
  name: '市道大場線道路改良工事',
  number: '令和8年度 第12号',
  location: '静岡県三島市大場地内',
  contractDate: '2026-04-01',
  period: { from: '2026-04-02', to: '2027-03-19' },
};
const contractor = {
  name: '富士見建設株式会社',
  address: '〒411-0000 静岡県三島市北田町4番47号',
  representative: '代表取締役 髙橋 一郎',
};
const base = {
  issuer: { name: '架空保証株式会社（デモ）' },
  obligee: { id: 'mishima-city', name: '三島市', title: '三島市長' },
  contractor,
  works,
  guaranteePeriod: { from: '2026-04-02', to: '2027-04-30' },
  guaranteeDate: '2026-04-10',
};
const CERTIFICATES: Certificate[] = [
  {
    ...base,
    product: 'advance_payment',
    contractNumber: '10001-000001',
    contractAmount: 55_000_000,
    guaranteeAmount: 22_000_000,
    advanceAmount: 22_000_000,
    depositBank: '静岡中央銀行 三島支店',
  },
  {
    ...base,
    product: 'contract',
    contractNumber: '10001-000002',
    contractAmount: 50_000_000,
    guaranteeAmount: 5_000_000,
  },
  {
    ...base,
    product: 'intermediate_advance_payment',
    contractNumber: '10001-000003',
    contractor: { name: '三島・函南特定建設工事共同企業体', representative: '代表者 富士見建設株式会社' },
    jointVenture: { name: '三島・函南特定建設工事共同企業体', members: ['富士見建設株式会社', '函南土木株式会社'] },
    works: { ...works, name: '﨑山地区排水路整備工事①', number: '令和8年度 第7号' },
    contractAmount: 80_000_000,
    guaranteeAmount: 16_000_000,
    advanceAmount: 16_000_000,
    depositBank: '静岡中央銀行 三島駅前支店',
    relatedContractNumber: '10001-000001',
  },
];

/**
 * A wordy certificate, the size target's hard case: a long works name and location, a JV of many members with rare
 * characters (髙 﨑 ① 〒), every optional field filled and a long reason — many distinct glyphs to subset.
 */
const WORDY: Certificate = {
  ...base,
  product: 'advance_payment',
  contractNumber: '10001-000004',
  contractor: {
    name: '髙﨑・富士見・函南・長泉・清水町・裾野・御殿場・小山特定建設工事共同企業体',
    address: '〒411-0000 静岡県三島市北田町4番47号 三島駅前第一ビル3階（共同企業体事務所）',
    representative: '代表者 髙﨑建設工業株式会社 代表取締役社長 髙橋 﨑一郎',
  },
  jointVenture: {
    name: '髙﨑・富士見・函南・長泉・清水町・裾野・御殿場・小山特定建設工事共同企業体',
    members: [
      '髙﨑建設工業株式会社',
      '富士見建設株式会社',
      '函南土木株式会社',
      '長泉舗装工業株式会社',
      '清水町電設株式会社',
      '裾野造園緑化株式会社',
      '御殿場測量設計株式会社',
      '小山鉄工所株式会社',
      '伊豆箱根管工事有限会社',
      '沼津臨港塗装株式会社',
    ],
  },
  works: {
    name:
      '令和8年度 社会資本整備総合交付金事業 都市計画道路三島駅南口線（﨑山工区）道路改良及び橋梁下部工・上部工' +
      '架設工事並びに附帯する雨水排水路整備工事①（第2期・債務負担行為）',
    number: '令和8年度 三島市 都市整備部 道路課 第0012号-①',
    location: '静岡県三島市大場・谷田・﨑山・川原ケ谷・加屋町・南二日町地内（〒411-0000 ほか）',
    contractDate: '2026-04-01',
    tenderDate: '2026-02-20',
    bidDate: '2026-03-13',
    period: { from: '2026-04-02', to: '2028-03-17' },
  },
  contractAmount: 1_234_567_000,
  guaranteeAmount: 493_826_800,
  advanceAmount: 493_826_800,
  depositBank: '静岡中央銀行 三島駅前支店（普通預金 前払金専用口座）',
};

async function inputs(): Promise<Record<'notice' | 'certificate' | 'receipt' | 'wordy', DocumentInput[]>> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  const jwk = { ...pub, kid, alg: 'ES256', use: 'sig' } as PublicJwk;
  const sign = (typ: string, payload: object) =>
    new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'ES256', kid, typ })
      .sign(privateKey);
  const issuedAt = toJstIso(new Date('2026-11-24T01:00:00Z'));
  const generatedAt = '2026-11-24T02:00:00.000Z';
  const out: Record<'notice' | 'certificate' | 'receipt' | 'wordy', DocumentInput[]> = {
    notice: [],
    certificate: [],
    receipt: [],
    wordy: [],
  };
  for (const certificate of [...CERTIFICATES, WORDY]) {
    const wordy = certificate === WORDY;
    const payload = {
      iss: 'https://esurety.example.jp',
      sub: certificate.contractNumber,
      seq: 2,
      event: 'change',
      target: null,
      reason: '請負代金額の増額に伴う保証金額の増額',
      issuedAt,
      prev: 'x'.repeat(43),
      status: 'active',
      certificate,
    };
    const jws = await sign('esurety-version+jwt', payload);
    const ref = { seq: 2, no: 2, label: '変更（増額）', issuedAt };
    (wordy ? out.wordy : out.certificate).push({
      kind: 'certificate',
      certificate,
      version: { ...ref, reason: payload.reason, kid, jws },
      current: ref,
      status: 'active',
      jwk,
      verifyUrl: 'https://esurety.example.jp/',
      generatedAt,
    });
    if (wordy) continue;
    out.notice.push({
      kind: 'notice',
      certificate,
      authKey: 'qL8G3rmqDjq9',
      issued: { seq: 1, no: 1, label: '新規', issuedAt },
      latest: ref,
      status: 'active',
      verifyUrl: 'https://esurety.example.jp/',
      generatedAt,
    });
    const receipt = {
      iss: 'https://esurety.example.jp',
      sub: certificate.contractNumber,
      rid: 'R20261124-7K3M9QXA',
      seq: 2,
      version: jwsHash(jws),
      status: 'active' as const,
      issuedAt,
      officer: { name: '髙橋 花子', department: '三島市 財政部 契約検査課' },
    };
    out.receipt.push({
      kind: 'receipt',
      receipt,
      jws: await sign('esurety-receipt+jwt', receipt),
      certificate,
      version: { ...ref, jws, kid },
      jwks: [jwk],
      verifyUrl: 'https://esurety.example.jp/',
      generatedAt,
    });
  }
  return out;
}

// --- Render timings ---

async function renderTimings(iterations: number): Promise<void> {
  const docs = await inputs();
  // CPU time next to wall time: on a shared machine the wall clock also measures the neighbours.
  const rows: string[][] = [
    ['document', 'cold (new thread)', 'warm median', 'warm p95', 'warm CPU median', 'size (min–max)'],
  ];
  for (const kind of ['notice', 'certificate', 'wordy', 'receipt'] as const) {
    // Cold: a fresh worker thread renders its first document (thread start, modules, font parsing, first draw).
    const fresh = workerRunner();
    let started = performance.now();
    await fresh.run(docs[kind][0]!);
    const cold = performance.now() - started;
    // Second job on that thread: fonts already parsed, code not yet optimised.
    started = performance.now();
    await fresh.run(docs[kind][1 % docs[kind].length]!);
    const second = performance.now() - started;
    await fresh.close();
    // Warm: this process, fonts parsed and code optimised (warm-up renders discarded).
    for (let i = 0; i < 30; i++) await inlineRunner.run(docs[kind][i % docs[kind].length]!);
    const times: number[] = [];
    const cpu: number[] = [];
    const sizes: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const input = docs[kind][i % docs[kind].length]!;
      const cpuBefore = process.cpuUsage();
      started = performance.now();
      const pdf = await inlineRunner.run(input);
      times.push(performance.now() - started);
      const used = process.cpuUsage(cpuBefore);
      cpu.push((used.user + used.system) / 1000);
      if (i < docs[kind].length) sizes.push(pdf.length);
    }
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    rows.push([
      kind === 'wordy' ? 'certificate (wordy: long names, 10-member JV, 髙﨑①〒)' : kind,
      `${fmt.ms(cold)} (2nd ${fmt.ms(second)})`,
      fmt.ms(quantile(times, 0.5)),
      fmt.ms(quantile(times, 0.95)),
      fmt.ms(quantile(cpu, 0.5)),
      `${kb(Math.min(...sizes))}–${kb(Math.max(...sizes))}`,
    ]);
  }
  console.log('\nrender timings (demo data set; warm = same process, after 30 warm-up renders)');
  printTable(rows);
  console.log(
    'target: warm certificate median ≤ 15 ms and ≤ 60 KB (demo certificates; the wordy one shows how size grows with distinct characters)',
  );
}

// --- Verification latency while PDFs are drawn ---

interface Credentials {
  url: string;
  contractNumber: string;
  authKey: string;
}

/** Child mode: a platform with the demo data, drawing PDFs `inline` or in the `worker`, served on PORT. */
async function serveChild(mode: string): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-bench-pdf-'));
  const port = Number(process.env.PORT);
  const config = loadConfig({
    NODE_ENV: 'production',
    ESURETY_DATA_DIR: dataDir,
    ESURETY_ISSUER_NAME: '架空保証株式会社（デモ）',
    ESURETY_PUBLIC_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
  });
  // Request lines would cost the server what the load generator measures: they go nowhere.
  const platform = await openPlatform(config, { logger: createLogger({ level: 'silent' }) });
  const [demo] = await seedDemo(platform.ctx);
  // The worker as src/server.ts configures it (PDFs refused while the event loop is more than 200 ms late).
  usePdfRunner(mode === 'inline' ? inlineRunner : workerRunner({ maxLoopDelayMs: 200 }));
  platform.ctx.recorder.start();
  const app = createApp(platform.ctx);
  const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
  fs.writeFileSync(
    process.env.BENCH_OUT ?? '',
    JSON.stringify({ url: config.publicUrl, contractNumber: demo!.contractNumber, authKey: demo!.authKey }),
  );
  process.once('SIGTERM', () => {
    server.close(
      () =>
        void platform
          .close()
          .then(() => fs.rmSync(dataDir, { recursive: true, force: true }))
          .then(() => process.exit(0)),
    );
  });
}

/** Open-loop load: one request every 1/rate s, latency measured from when it was due (no coordinated omission). */
async function verifyAtRate(c: Credentials, rate: number, seconds: number): Promise<number[]> {
  const body = JSON.stringify({ contractNumber: c.contractNumber, authKey: c.authKey });
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < rate * seconds; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      fetch(`${c.url}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
        async (res) => {
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`verify answered ${res.status}`);
          latencies.push(performance.now() - due);
        },
      ),
    );
  }
  await Promise.all(pending);
  return latencies.sort((a, b) => a - b);
}

/**
 * Certificate PDFs downloaded at `rate` per second (open loop) until `stop.done`; returns the latencies of those
 * drawn and how many the server refused with 429 + Retry-After (shed while it was behind).
 */
async function downloadPdfs(
  c: Credentials,
  rate: number,
  stop: { done: boolean },
): Promise<{ ms: number[]; refused: number }> {
  const res = await fetch(`${c.url}/verify`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: c.url },
    body: new URLSearchParams({ contractNumber: c.contractNumber, authKey: c.authKey }).toString(),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (res.status !== 303 || !cookie) throw new Error(`form verification answered ${res.status}`);
  const ms: number[] = [];
  let refused = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; !stop.done; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (stop.done) break;
    pending.push(
      fetch(`${c.url}/certificates/${c.contractNumber}/certificate.pdf`, { headers: { cookie } }).then(async (pdf) => {
        const bytes = await pdf.arrayBuffer();
        if (pdf.status === 429 && pdf.headers.get('retry-after')) {
          refused++;
          return;
        }
        if (pdf.status !== 200 || bytes.byteLength < 1000) throw new Error(`certificate.pdf answered ${pdf.status}`);
        ms.push(performance.now() - due);
      }),
    );
  }
  await Promise.all(pending);
  return { ms: ms.sort((a, b) => a - b), refused };
}

async function verifyUnderPdfLoad(rate: number, seconds: number, pdfRate: number): Promise<void> {
  const rows: string[][] = [['server draws PDFs', 'PDFs drawn', 'PDF p50', 'verify p50', 'verify p99', 'verify max']];
  for (const mode of ['worker', 'inline'] as const) {
    const port = await freePort();
    const out = path.join(os.tmpdir(), `esurety-bench-pdf-${process.pid}-${mode}.json`);
    const child = await startServer({
      name: `server (${mode})`,
      args: ['--import', 'tsx', SELF, '--serve', mode],
      env: { PORT: String(port), BENCH_OUT: out },
      cwd: ROOT,
      port,
      readyPath: '/healthz',
    });
    try {
      for (let i = 0; i < 50 && !fs.existsSync(out); i++) await new Promise((r) => setTimeout(r, 100));
      const creds = JSON.parse(fs.readFileSync(out, 'utf8')) as Credentials;
      // Warm both paths (JIT, fonts, the worker thread) before measuring.
      const warm = { done: false };
      const warming = downloadPdfs(creds, pdfRate, warm);
      await verifyAtRate(creds, rate, 3);
      warm.done = true;
      await warming;
      if (mode === 'worker') {
        const idle = await verifyAtRate(creds, rate, seconds);
        rows.push([
          '(none)',
          '0',
          '—',
          fmt.ms(quantile(idle, 0.5)),
          fmt.ms(quantile(idle, 0.99)),
          fmt.ms(idle.at(-1)!),
        ]);
      }
      const stop = { done: false };
      const drawing = downloadPdfs(creds, pdfRate, stop);
      const busy = await verifyAtRate(creds, rate, seconds);
      stop.done = true;
      const { ms: pdfs, refused } = await drawing;
      rows.push([
        mode === 'worker' ? 'worker thread' : 'main thread',
        `${pdfs.length} (${(pdfs.length / seconds).toFixed(0)}/s)${refused ? `, ${refused} refused (429)` : ''}`,
        pdfs.length ? fmt.ms(quantile(pdfs, 0.5)) : '—',
        fmt.ms(quantile(busy, 0.5)),
        fmt.ms(quantile(busy, 0.99)),
        fmt.ms(busy.at(-1)!),
      ]);
    } finally {
      await stopServer(child);
      fs.rmSync(out, { force: true });
    }
  }
  console.log(
    `\nverification latency: POST /api/v1/verify at ${rate}/s for ${seconds} s, ` +
      `certificate PDFs downloaded at ${pdfRate}/s meanwhile`,
  );
  printTable(rows);
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      iterations: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      'pdf-rate': { type: 'string' },
      'skip-load': { type: 'boolean' },
    },
  });
  const iterations = positiveInt('iterations', values.iterations, 200);
  const rate = positiveInt('rate', values.rate, 100);
  const duration = positiveInt('duration', values.duration, 10);
  const pdfRate = positiveInt('pdf-rate', values['pdf-rate'], 10);
  log(
    `node ${process.version}, ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  await renderTimings(iterations);
  if (!values['skip-load']) await verifyUnderPdfLoad(rate, duration, pdfRate);
  return 0;
}

// Child mode (`--serve inline|worker`): this file is also the server process the load phase starts.
if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url && process.argv[2] === '--serve') {
  await serveChild(process.argv[3] ?? 'worker');
}
