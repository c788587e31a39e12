// `npm run bench -- token-key`: what moving the version-signing key into a PKCS#11 token (issue 19 item 2) costs.
// On SQLite, the same steps with the key in the secrets file and then in a SoftHSM token (keys:rotate
// --pkcs11-label on the same database): raw ES256 signatures through the keyring's signer, one at a time and many
// at once (the token serializes them on its session), CSV import (batched publication, which signs a batch's
// versions together) and one transaction per guarantee as the API publishes.
//
// Options: --signs <n> (2000)  --rows <n> (2000)  --baseline-rows <n> (500)
//
// Needs SoftHSM (/usr/lib/softhsm/libsofthsm2.so, softhsm2-util) and the pkcs11js addon. Reported, never asserted.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { openPlatform, tokenAccessOf, type Platform } from '../../src/platform.js';
import type { Actor } from '../../src/services/context.js';
import { rotateSigningKey } from '../../src/services/rotate-keys.js';
import { seedDemo } from '../../src/services/seed-demo.js';
import { importRows, validateCsv } from '../../src/services/staff/import.js';
import { importCsvText } from '../make-import-csv.js';
import { fmt, positiveInt, printTable } from './harness.js';

const MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const TOKEN = 'esurety-bench';
const PIN = '246810';
const actor: Actor = { type: 'cli', id: 'bench' };
const log = (line: string) => console.error(`[bench token-key] ${line}`);
const rate = (n: number, ms: number) => fmt.int(Math.round(n / (ms / 1000)));
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** A fresh SoftHSM token of its own (SOFTHSM2_CONF set before the module is first initialised). */
function makeToken(dir: string): void {
  const store = path.join(dir, 'softhsm');
  fs.mkdirSync(store);
  const conf = path.join(dir, 'softhsm2.conf');
  fs.writeFileSync(conf, `directories.tokendir = ${store}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env.SOFTHSM2_CONF = conf;
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', TOKEN, '--so-pin', '13579111', '--pin', PIN], {
    stdio: 'pipe',
  });
}

/** The generated CSV with rows of their own (an import publishes nothing twice, so a re-used row would be skipped). */
const csv = (rows: number, tag: string) =>
  new TextEncoder().encode(importCsvText(rows).replaceAll('試験建設株式会社 ', `試験建設株式会社 ${tag}-`));

/** Wall-clock ms and CPU ms of the whole process (every thread, the token's included): CPU moves far less than wall
 * time on a machine shared with other work. */
async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; cpu: number }> {
  const t = performance.now();
  const before = process.cpuUsage();
  await work();
  const { user, system } = process.cpuUsage(before);
  return { ms: performance.now() - t, cpu: (user + system) / 1000 };
}

const row = (label: string, n: number, { ms, cpu }: { ms: number; cpu: number }) => [
  label,
  secs(ms),
  rate(n, ms),
  `${((cpu * 1000) / n).toFixed(0)} µs`,
];

async function measure(platform: Platform, name: string, signs: number, rows: number, baselineRows: number) {
  const { ctx } = platform;
  const input = new Uint8Array(2048).fill(7);
  // Warm-up, not counted: the first mode measured would otherwise pay for JIT and cold caches alone.
  for (let i = 0; i < 200; i++) await ctx.keyring.signer.sign(input);
  await importRows(ctx, actor, (await validateCsv(ctx, csv(200, 'warm'))).rows);
  const serial = await timed(async () => {
    for (let i = 0; i < signs; i++) await ctx.keyring.signer.sign(input);
  });
  const parallel = await timed(() => Promise.all(Array.from({ length: signs }, () => ctx.keyring.signer.sign(input))));
  const { rows: valid, errors } = await validateCsv(ctx, csv(rows, 'batch'));
  if (errors.length > 0) throw new Error(`the generated file does not validate: ${JSON.stringify(errors[0])}`);
  let published = 0;
  const imported = await timed(async () => {
    published += (await importRows(ctx, actor, valid)).published;
  });
  const { rows: single } = await validateCsv(ctx, csv(baselineRows, 'single'));
  const perGuarantee = await timed(async () => {
    published += (await importRows(ctx, actor, single, undefined, { rows: 1 })).published;
  });
  if (published !== rows + baselineRows) throw new Error(`published ${published} of ${rows + baselineRows} rows`);
  return [
    row(`${name}: ${fmt.int(signs)} signatures one at a time`, signs, serial),
    row(`${name}: ${fmt.int(signs)} signatures at once`, signs, parallel),
    row(`${name}: import (batched publication), ${fmt.int(rows)} rows`, rows, imported),
    row(
      `${name}: one transaction per guarantee (as the API), ${fmt.int(baselineRows)} rows`,
      baselineRows,
      perGuarantee,
    ),
  ];
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { signs: { type: 'string' }, rows: { type: 'string' }, 'baseline-rows': { type: 'string' } },
  });
  const signs = positiveInt('signs', values.signs, 2000);
  const rows = positiveInt('rows', values.rows, 2000);
  const baselineRows = positiveInt('baseline-rows', values['baseline-rows'], 500);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-bench-token-'));
  try {
    makeToken(dir);
    const configFor = (data: string) =>
      loadConfig({
        NODE_ENV: 'development',
        ESURETY_DATA_DIR: path.join(dir, data),
        ESURETY_DEMO: 'false',
        ESURETY_ISSUER_NAME: '架空保証株式会社（ベンチマーク）',
        ESURETY_PDF_SIGN_PKCS11_MODULE: MODULE,
        ESURETY_PDF_SIGN_PKCS11_TOKEN: TOKEN,
        ESURETY_PDF_SIGN_PKCS11_PIN: PIN,
        // The e-seal's label: not opened here (only the server opens the e-seal).
        ESURETY_PDF_SIGN_PKCS11_KEY: 'seal',
      });
    const open = (config: ReturnType<typeof loadConfig>) =>
      openPlatform(config, { logger: createLogger({ level: 'silent' }) });
    log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.cpus().length} CPUs`,
    );
    const figures: string[][] = [];
    // Each key on a database of its own, so that both import into a database of the same size.
    const fileConfig = configFor('file');
    let platform = await open(fileConfig);
    try {
      await seedDemo(platform.ctx);
      figures.push(...(await measure(platform, 'file key', signs, rows, baselineRows)));
    } finally {
      await platform.close();
    }
    const tokenConfig = configFor('token');
    platform = await open(tokenConfig);
    try {
      await seedDemo(platform.ctx);
      await rotateSigningKey(platform.ctx.db, tokenConfig.secretsFile, actor, new Date(), {
        pkcs11Label: 'bench-jws',
        token: tokenAccessOf(tokenConfig),
      });
    } finally {
      await platform.close();
    }
    platform = await open(tokenConfig);
    try {
      log(`now signing with ${platform.ctx.keyring.signer.describe}`);
      figures.push(...(await measure(platform, 'token key', signs, rows, baselineRows)));
    } finally {
      await platform.close();
    }
    printTable([['', 'time', 'per s', 'CPU/op'], ...figures]);
    return 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
