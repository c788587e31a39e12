// `npm run cli -- verify` as a third party runs it: a real child process with only the downloaded file and a JWKS
// (file or URL) — no database, no secrets — printing named checks and exiting 0 only when all pass.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addVersion, publish, registerMishima } from '../support/fixtures.js';
import { setup, type TestEnv } from '../support/harness.js';
import { download, flipOneByte, grantFor, rareAdvanceBody, swapAttachment } from './support.js';

const root = path.resolve(import.meta.dirname, '../..');

function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: root,
      // No data dir of a platform: the verifier must not need one.
      env: { ...process.env, ESURETY_DATA_DIR: '/nonexistent/esurety', NODE_ENV: 'development', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run cli -- verify', () => {
  let env: TestEnv;
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  let first = '';
  let current = '';

  beforeAll(async () => {
    env = await setup({ name: 'sqlite' });
    await registerMishima(env);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-verify-'));
    const { contractNumber, authKey } = await publish(env, rareAdvanceBody());
    await addVersion(env, contractNumber, {
      event: 'change',
      changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 },
    });
    const grant = await grantFor(env, contractNumber, authKey);
    const pdf = (await download(env, `/certificates/${contractNumber}/certificate.pdf`, grant)).bytes;
    const versions = (await env.api('GET', `/api/v1/sureties/${contractNumber}`)).json.versions;
    first = versions[0].jws;
    current = versions[1].jws;
    fs.writeFileSync(file('certificate.pdf'), pdf);
    fs.writeFileSync(file('version.jws'), current);
    fs.writeFileSync(file('jwks.json'), await (await env.app.request('/.well-known/jwks.json')).text());
    fs.writeFileSync(file('tampered.pdf'), flipOneByte(pdf, current, current.indexOf('.') + 30));
    fs.writeFileSync(file('swapped.pdf'), await swapAttachment(pdf, 'version.jws', new TextEncoder().encode(first)));
    fs.writeFileSync(
      file('other-jwks.json'),
      JSON.stringify({
        keys: [
          {
            kty: 'EC',
            crv: 'P-256',
            kid: 'other',
            x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
            y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
          },
        ],
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await env.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('passes a genuine certificate PDF with every named check and prints what was signed', async () => {
    const res = await cli(['verify', file('certificate.pdf'), '--jwks', file('jwks.json')]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    for (const id of [
      'file',
      'attachments',
      'format',
      'header',
      'key',
      'signature',
      'payload',
      'issuer',
      'binding',
      'embedded-key',
    ]) {
      expect(res.stdout).toMatch(new RegExp(`✓ .*\\[${id}\\]`));
    }
    expect(res.stdout).toContain('結果: 検証に成功しました（10/10 の確認に合格）');
    // Where the keys came from: the file, its digest and the kids it holds.
    const kid = JSON.parse(fs.readFileSync(file('jwks.json'), 'utf8')).keys[0].kid;
    expect(res.stdout).toMatch(
      new RegExp(`信頼する公開鍵: ファイル ${file('jwks.json')}（SHA-256 [0-9a-f]{16}…、鍵 1 本: ${kid}`),
    );
    expect(res.stdout).toContain(
      '署名が保証するのは PDF に添付された署名データ（下記）の内容で、PDF の印刷面ではありません',
    );
    expect(res.stdout).toContain('保証金額: 22,000,000円');
    expect(res.stdout).toContain('工事名: 﨑山地区排水路整備工事①');
  }, 120_000);

  it('passes a bare .jws file', async () => {
    const res = await cli(['verify', file('version.jws'), '--jwks', file('jwks.json')]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('結果: 検証に成功しました');
  }, 120_000);

  it('fails a PDF with one changed byte in its JWS at the signature check', async () => {
    const res = await cli(['verify', file('tampered.pdf'), '--jwks', file('jwks.json')]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/✗ 署名 +署名が一致しません（データが改ざんされている可能性があります） +\[signature\]/);
    expect(res.stdout).toContain('結果: 検証に失敗しました');
    expect(res.stdout).not.toContain('署名された内容（');
  }, 120_000);

  it('fails a PDF whose JWS was swapped for another genuine one at the binding check', async () => {
    const res = await cli(['verify', file('swapped.pdf'), '--jwks', file('jwks.json')]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/✓ 署名 .*\[signature\]/);
    expect(res.stdout).toMatch(/✗ PDF と署名データの対応 .*差し替えられている可能性があります.*\[binding\]/);
  }, 120_000);

  it('fails against keys that did not sign it, and says why when the keys cannot be read', async () => {
    const foreign = await cli(['verify', file('certificate.pdf'), '--jwks', file('other-jwks.json')]);
    expect(foreign.code).toBe(1);
    expect(foreign.stdout).toMatch(/✗ 署名鍵 +未知の署名鍵です/);
    const missing = await cli(['verify', file('certificate.pdf'), '--jwks', file('nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.json');
    expect((await cli(['verify'])).code).toBe(2);
  }, 120_000);

  it('fetches a JWKS URL, and fails the issuer check when the keys come from another origin than the document', async () => {
    const server = serve({ fetch: env.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    try {
      const jwksUrl = `http://127.0.0.1:${port}/.well-known/jwks.json`;
      const refused = await cli(['verify', file('certificate.pdf'), '--jwks', jwksUrl]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('--allow-http-loopback');
      expect(refused.stdout).toBe('');
      const res = await cli(['verify', file('certificate.pdf'), '--jwks', jwksUrl, '--allow-http-loopback']);
      expect(res.stdout).toContain(`信頼する公開鍵: ${jwksUrl}（この端末の http（--allow-http-loopback）で取得`);
      expect(res.code).toBe(1);
      expect(res.stdout).toMatch(/✓ 署名 .*\[signature\]/);
      expect(res.stdout).toMatch(
        /✗ 発行元 +発行元（iss: http:\/\/localhost:3000）が公開鍵の提供元（http:\/\/127\.0\.0\.1:\d+）と異なります/,
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 120_000);

  it('refuses keys fetched over plain http from another host, and the http default platform URL', async () => {
    // Nothing listens there: the refusal comes before any request, so no key from the network is ever used.
    const remote = await cli([
      'verify',
      file('certificate.pdf'),
      '--jwks',
      'http://esurety.example.invalid/.well-known/jwks.json',
      '--allow-http-loopback',
    ]);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('公開鍵一覧（JWKS）の URL は https: に限ります');
    expect(remote.stdout).toBe('');
    const byDefault = await cli(['verify', file('certificate.pdf')], { ESURETY_PUBLIC_URL: 'http://localhost:3000' });
    expect(byDefault.code).toBe(2);
    expect(byDefault.stderr).toContain('設定の公開URL http://localhost:3000 は https: ではありません');
    expect(byDefault.stderr).toContain('--jwks');
  }, 120_000);
});
