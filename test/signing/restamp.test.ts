// Long-term validity end to end, on both databases: with a CA that publishes a CRL the signing worker stores B-LT
// (DSS with the chains and the CRL); `pdf:restamp` appends a document time-stamp to the PDFs whose newest time-stamp
// certificate expires before the given date — atomically per PDF with its audit row, the earlier bytes unchanged,
// pdfsig listing both signatures — and leaves a PDF alone while the TSA fails. The commands run as real processes too.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openSeal, type Seal } from '../../src/pdf-sign/open-seal.js';
import { openPlatform } from '../../src/platform.js';
import { listAudit } from '../../src/repositories/audit-log.js';
import { countSignedPdfs, findSignedPdf } from '../../src/repositories/signed-pdfs.js';
import { restampPdfs, type RestampOutcome } from '../../src/services/restamp-pdfs.js';
import { publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { runSigningPass } from '../../src/services/signed-pdfs.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import {
  makePki,
  pdfsig,
  startCrlServer,
  startTsa,
  type TestCrlServer,
  type TestPki,
  type TestTsa,
} from '../support/pki.js';

let pki: TestPki;
let tsa: TestTsa;
let crl: TestCrlServer;
beforeAll(async () => {
  crl = await startCrlServer();
  pki = makePki({ crlUrl: crl.url });
  crl.serve(pki);
  tsa = await startTsa(pki);
});
afterAll(async () => {
  await tsa.close();
  await crl.close();
  pki.cleanup();
});

const cli = { type: 'cli', id: 'operator' } as const;
const sealEnv = () => ({
  ESURETY_PDF_SIGN_P12: pki.p12Path,
  ESURETY_PDF_SIGN_P12_PASSWORD: pki.p12Password,
  ESURETY_TSA_URL: tsa.url,
});
const stored = async (env: TestEnv, contractNumber: string) =>
  new Uint8Array(Buffer.from((await findSignedPdf(env.ctx.db, contractNumber, 1))!.pdf_base64!, 'base64'));

describeEachDatabase('B-LT signing and B-LTA re-stamping', (kind) => {
  let env: TestEnv;
  let seal: Seal;
  afterEach(async () => {
    seal?.close();
    await env?.platform.close();
  });

  it('stores B-LT, re-stamps what expires before the date (audited, prefix unchanged), skips the rest', async () => {
    env = await setup(kind, { env: sealEnv() });
    seal = (await openSeal(env.config))!;
    expect(seal.level).toBe('B-LT');
    await registerMishima(env);
    const { contractNumber } = await publish(env);
    await publishCheckpoint(env.ctx); // the log checkpoint the as-issued PDF waits for (a second in production)
    expect(await runSigningPass(env.ctx, seal)).toBe(1);
    expect((await findSignedPdf(env.ctx.db, contractNumber, 1))?.level).toBe('B-LT');
    const lt = await stored(env, contractNumber);
    expect(Buffer.from(lt).includes('/DSS')).toBe(true);
    expect(await pdfsig(lt, pki.dir)).toContain('Signature Validation: Signature is Valid.');

    // The TSA certificate is good for a year: a date before its expiry selects nothing.
    const outcomes: RestampOutcome[] = [];
    const none = await restampPdfs(env.ctx, cli, { before: new Date(Date.now() + 30 * 86_400_000), all: false }, (o) =>
      outcomes.push(o),
    );
    expect(none).toEqual({ looked: 1, due: 0, restamped: 0, failed: 0 });

    // While the TSA fails: reported, nothing changed, nothing audited.
    tsa.failWith(503);
    try {
      const failed = await restampPdfs(env.ctx, cli, { before: new Date('2099-01-01'), all: false }, (o) =>
        outcomes.push(o),
      );
      expect(failed).toMatchObject({ due: 1, restamped: 0, failed: 1 });
      expect(outcomes.at(-1)?.error).toContain('HTTP 503');
      expect(Buffer.from(await stored(env, contractNumber)).equals(Buffer.from(lt))).toBe(true);
    } finally {
      tsa.failWith(0);
    }

    const done = await restampPdfs(env.ctx, cli, { before: new Date('2099-01-01'), all: false }, (o) =>
      outcomes.push(o),
    );
    expect(done).toMatchObject({ due: 1, restamped: 1, failed: 0 });
    const row = await findSignedPdf(env.ctx.db, contractNumber, 1);
    expect(row?.level).toBe('B-LTA');
    const lta = await stored(env, contractNumber);
    expect(Buffer.from(lta.subarray(0, lt.length)).equals(Buffer.from(lt))).toBe(true);
    const report = await pdfsig(lta, pki.dir);
    expect(report.match(/Signature #\d/g)).toHaveLength(2);
    expect(report).toContain('Signature Validation: Signature is Valid.');
    expect(report).toContain('Signer Certificate Common Name: Test TSA');
    const audit = (await listAudit(env.ctx.db, contractNumber)).filter((a) => a.action === 'signed_pdf.restamped');
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ seq: 1, sha256: row!.sha256 });

    // The issuer API now serves the re-stamped file.
    const api = await env.app.request(`/api/v1/sureties/${contractNumber}/versions/1/signed.pdf`, {
      headers: { authorization: `Bearer ${env.token}` },
    });
    expect(Buffer.from(await api.arrayBuffer()).equals(Buffer.from(lta))).toBe(true);
    expect(await countSignedPdfs(env.ctx.db)).toEqual({ signed: 1, pending: 0, failing: 0 });

    // --all re-stamps whatever the expiry: a third signature, the second update's bytes kept too.
    const forced = await restampPdfs(env.ctx, cli, { before: new Date(0), all: true }, (o) => outcomes.push(o));
    expect(forced).toMatchObject({ due: 1, restamped: 1 });
    const lta2 = await stored(env, contractNumber);
    expect(Buffer.from(lta2.subarray(0, lta.length)).equals(Buffer.from(lta))).toBe(true);
    expect((await pdfsig(lta2, pki.dir)).match(/Signature #\d/g)).toHaveLength(3);
  });
});

/** The command line as an operator runs it (asynchronously: the TSA and CRL servers live in this process). */
function runCli(dataDir: string, args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: { ...process.env, ...sealEnv(), ESURETY_DATA_DIR: dataDir, NODE_ENV: 'development', DATABASE_URL: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
}

describe('pdf:sign-earlier and pdf:restamp as commands', () => {
  let dataDir: string;
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('queues the demo versions published before signing, and re-stamps them once signed', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-cli-pdf-'));
    const seeded = await runCli(dataDir, ['seed:demo']);
    expect(seeded.code, seeded.stderr).toBe(0);
    const queued = await runCli(dataDir, ['pdf:sign-earlier', '--since', '2000-01-01']);
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stderr).toMatch(/\d+ versions of \d+ guarantees queued/);
    const bad = await runCli(dataDir, ['pdf:restamp', '--before', 'next-year']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--before needs a date');

    const platform = await openPlatform(
      loadConfig({ ...sealEnv(), ESURETY_DATA_DIR: dataDir, NODE_ENV: 'development' }),
    );
    const seal = (await openSeal(platform.ctx.config))!;
    try {
      await publishCheckpoint(platform.ctx);
      while ((await runSigningPass(platform.ctx, seal, 50)) > 0);
      const counts = await countSignedPdfs(platform.ctx.db);
      expect(counts.pending).toBe(0);
      expect(counts.signed).toBeGreaterThan(0);
      const restamped = await runCli(dataDir, ['pdf:restamp', '--before', '2099-01-01']);
      expect(restamped.code, restamped.stderr).toBe(0);
      expect(restamped.stdout.match(/\trestamped\t/g)).toHaveLength(counts.signed);
      expect(restamped.stderr).toContain(`${counts.signed} re-stamped (audited), 0 failed`);
      // The new time-stamps' certificate (a year) outlives a date a month away: nothing is due.
      const month = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
      const again = await runCli(dataDir, ['pdf:restamp', '--before', month]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain(', 0 with a time-stamp expiring before');
    } finally {
      seal.close();
      await platform.close();
    }
  }, 120_000);
});
