// verify-file's three results for an as-issued signed PDF, on both databases: integrity (the signed data), status
// (the public status list the PDF names, fetched through the app's route) and issuer identity (a TXT record served
// by a real DNS server on 127.0.0.1). Each fails when its own input is tampered with, and only that one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { inspectPdf } from '../../src/pdf/inspect.js';
import { openSeal, type Seal } from '../../src/pdf-sign/open-seal.js';
import { findSignedPdf } from '../../src/repositories/signed-pdfs.js';
import type { DocumentResult } from '../../src/services/document-results.js';
import { txtResolver } from '../../src/services/online-sources.js';
import { publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { runSigningPass } from '../../src/services/signed-pdfs.js';
import { platformKeys } from '../../src/services/trusted-keys.js';
import { checkDocument } from '../../src/services/verify-document.js';
import { attachmentNames, text } from '../documents/poppler.js';
import { flipOneByte, uploadForVerification } from '../documents/support.js';
import { startDns, type TestDns } from '../support/dns-server.js';
import { addVersion, publish, registerMishima } from '../support/fixtures.js';
import net from 'node:net';
import { startServer } from '../../src/http-server.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { makePki, startTsa, type TestPki, type TestTsa } from '../support/pki.js';

let pki: TestPki;
let tsa: TestTsa;
let dns: TestDns;
beforeAll(async () => {
  pki = makePki();
  tsa = await startTsa(pki);
  dns = await startDns();
});
afterAll(async () => {
  await tsa.close();
  await dns.close();
  pki.cleanup();
});

const root = path.resolve(import.meta.dirname, '../..');

/** `npm run cli -- verify` as a third party runs it: a child process with only the file and a JWKS. */
function cli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: root,
      env: { ...process.env, ESURETY_DATA_DIR: '/nonexistent/esurety', NODE_ENV: 'development', ...env },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

const outcomes = (results: DocumentResult[]) =>
  Object.fromEntries(results.map((r) => [r.id, r.value ? `${r.outcome}:${r.value}` : r.outcome]));

describeEachDatabase('verify-file: integrity, status and issuer identity', (kind) => {
  let env: TestEnv;
  let seal: Seal;
  afterEach(async () => {
    seal?.close();
    await env?.platform.close();
  });

  async function signedPdf(extra: Record<string, string> = {}) {
    env = await setup(kind, {
      env: {
        ...extra,
        ESURETY_PDF_SIGN_P12: pki.p12Path,
        ESURETY_PDF_SIGN_P12_PASSWORD: pki.p12Password,
        ESURETY_TSA_URL: tsa.url,
        ESURETY_DNS_RESOLVER: dns.address,
      },
    });
    seal = (await openSeal(env.config))!;
    await registerMishima(env);
    const published = await publish(env);
    await publishCheckpoint(env.ctx); // the log checkpoint the as-issued PDF waits for (a second in production)
    expect(await runSigningPass(env.ctx, seal)).toBe(1);
    const row = await findSignedPdf(env.ctx.db, published.contractNumber, 1);
    const pdf = new Uint8Array(Buffer.from(row!.pdf_base64!, 'base64'));
    const kid = env.ctx.keyring.activeKid;
    const host = new URL(env.config.publicUrl).hostname;
    dns.records.set(`_esurety-key.${host}`, [`v=esurety1 kid=${kid}`]);
    return { ...published, pdf, kid, host };
  }

  /** The list as a verifier fetches it: through the platform's own route. */
  const fetchList = async (url: string) => {
    const res = await env.app.request(new URL(url).pathname);
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    return res.text();
  };
  const check = async (pdf: Uint8Array, fetchStatusList: ((url: string) => Promise<string>) | null = fetchList) =>
    checkDocument(pdf, await platformKeys(env.ctx), inspectPdf, {
      fetchStatusList,
      resolveTxt: txtResolver(dns.address),
      resolverConfigured: true,
    });

  it('names its status list on the page and in status.json, and passes all three results until a 取消', async () => {
    const { pdf, contractNumber } = await signedPdf();
    const printed = (await text(pdf)).stdout.replace(/\s+/g, '');
    expect(printed).toContain(`${env.config.publicUrl}/status-lists/0（索引0）`);
    expect((await attachmentNames(pdf)).names).toContain('status.json');
    const entry = (await inspectPdf(pdf)).attachments.find((a) => a.name === 'status.json')!;
    expect(JSON.parse(new TextDecoder().decode(entry.bytes))).toMatchObject({
      type: 'BitstringStatusListEntry',
      statusPurpose: 'message',
      statusListIndex: '0',
      statusSize: 2,
      statusListCredential: `${env.config.publicUrl}/status-lists/0`,
    });

    const genuine = await check(pdf);
    expect(outcomes(genuine.results)).toEqual({ integrity: 'passed', status: 'passed:current', identity: 'passed' });
    expect(genuine.checks.find((c) => c.id === 'pades')?.reason).toContain('PAdES B-T');
    expect((await addVersion(env, contractNumber, { event: 'cancellation' })).status).toBe(201);
    const after = await check(pdf);
    expect(outcomes(after.results)).toEqual({ integrity: 'passed', status: 'failed:cancelled', identity: 'passed' });
    expect(after.results[1]!.reason).toContain('取り消されています');
    const page = await (await uploadForVerification(env, pdf, 'signed.pdf')).text();
    expect(page).toContain('class="banner banner-expired" role="alert"');
    expect(page).toMatch(/<li class="failed" data-result="status">.*?取消/s);
  });

  it('fails only integrity for a changed byte in the signed data, only status for a tampered list, only identity for a DNS record of another key', async () => {
    const { pdf, kid, host } = await signedPdf();
    const jws = (await inspectPdf(pdf)).attachments.find((a) => a.name === 'version.jws')!;
    const flipped = flipOneByte(pdf, new TextDecoder().decode(jws.bytes), 60);
    expect(outcomes((await check(flipped)).results)).toMatchObject({ integrity: 'failed' });
    // One byte of the signed PDF outside its attachments (the document information's producer): the JWS checks
    // still hold, the e-seal does not.
    const producer = Buffer.from(pdf).indexOf('/Producer', 0, 'latin1');
    expect(producer).toBeGreaterThan(0);
    const edited = Buffer.from(pdf);
    edited[producer + 12] = edited[producer + 12] === 0x41 ? 0x42 : 0x41;
    const pageEdited = await check(new Uint8Array(edited));
    expect(outcomes(pageEdited.results)).toMatchObject({ integrity: 'failed' });
    expect(pageEdited.checks.find((c) => c.id === 'pades')).toMatchObject({ status: 'failed' });
    expect(pageEdited.checks.filter((c) => c.status === 'failed').map((c) => c.id)).toEqual(['pades']);

    const tamperedList = async (url: string) => {
      const jwt = await fetchList(url);
      const [h, p, s] = jwt.split('.') as [string, string, string];
      const vc = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
      vc.validFrom = '2030-01-01T00:00:00Z';
      return `${h}.${Buffer.from(JSON.stringify(vc)).toString('base64url')}.${s}`;
    };
    const listTampered = await check(pdf, tamperedList);
    expect(outcomes(listTampered.results)).toEqual({ integrity: 'passed', status: 'failed', identity: 'passed' });
    expect(listTampered.results[1]!.reason).toContain('署名が正しくありません');

    dns.records.set(`_esurety-key.${host}`, [`v=esurety1 kid=${'A'.repeat(43)}`]);
    const dnsTampered = await check(pdf);
    expect(outcomes(dnsTampered.results)).toEqual({
      integrity: 'passed',
      status: 'passed:current',
      identity: 'failed',
    });
    expect(dnsTampered.results[2]!.reason).toContain(kid);
    dns.records.delete(`_esurety-key.${host}`);
    expect(outcomes((await check(pdf)).results)).toMatchObject({ identity: 'failed' });
  });

  it('says status not checked offline, and /verify-file shows the three results', async () => {
    const { pdf } = await signedPdf();
    expect(outcomes((await check(pdf, null)).results)).toMatchObject({ status: 'not_checked' });
    const html = await (await uploadForVerification(env, pdf, 'signed.pdf')).text();
    expect(html).toMatch(/data-result="integrity">.*?合格/s);
    expect(html).toMatch(/<li class="passed" data-result="status">.*?最新の版（有効）/s);
    expect(html).toMatch(/<li class="passed" data-result="identity">/);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-three-'));
    try {
      fs.writeFileSync(path.join(dir, 'signed.pdf'), pdf);
      const jwks = await (await env.app.request('/.well-known/jwks.json')).text();
      fs.writeFileSync(path.join(dir, 'jwks.json'), jwks);
      const offline = await cli(
        ['verify', path.join(dir, 'signed.pdf'), '--jwks', path.join(dir, 'jwks.json'), '--offline'],
        { ESURETY_DNS_RESOLVER: dns.address },
      );
      expect(offline.code).toBe(0);
      expect(offline.stdout).toContain('status not checked');
      expect(offline.stdout).toMatch(/✓ 改ざんの有無（署名）\s+合格/);
      expect(offline.stdout).toMatch(/- 発行元の確認（DNS）\s+未確認/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('CLI online: fetches the list from the issuer over the network and exits 1 once the guarantee is cancelled', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const { pdf, contractNumber } = await signedPdf({ ESURETY_PUBLIC_URL: `http://127.0.0.1:${port}` });
    const http = startServer(env.ctx, { port, hostname: '127.0.0.1' });
    await http.listening;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-three-'));
    try {
      fs.writeFileSync(path.join(dir, 'signed.pdf'), pdf);
      const args = ['verify', path.join(dir, 'signed.pdf'), '--jwks', `http://127.0.0.1:${port}/.well-known/jwks.json`];
      const run = () => cli([...args, '--allow-http-loopback'], { ESURETY_DNS_RESOLVER: dns.address });
      const before = await run();
      expect(before.stdout).toMatch(/✓ 現在の状態（ステータスリスト）\s+合格 current/);
      expect(before.stdout).toMatch(/✓ 発行元の確認（DNS）\s+合格/);
      expect(before.code).toBe(0);
      expect((await addVersion(env, contractNumber, { event: 'cancellation' })).status).toBe(201);
      const after = await run();
      expect(after.stdout).toMatch(/✗ 現在の状態（ステータスリスト）\s+不合格 cancelled/);
      expect(after.code).toBe(1);
    } finally {
      await http.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
