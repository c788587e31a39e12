// Proofs where a version travels (issue 18 items 1–2), on both databases: the certificate PDF and the 確認証跡 receipt
// print the version's log index and tree size and attach transparency-log.json — checked here with the independent
// RFC 6962 / signed-note code of ./support.ts — and say so, with no proof, before a checkpoint covers the version.
// The offline verifier (/verify-file, and `verify --log-key` as a child process) reports "log inclusion" as a check of
// its own: verified at index i of size n, failed for a tampered proof or a foreign log key, absent without evidence.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { ed25519Signer } from '../../src/log/note.js';
import { attachmentNames, readAsPerson, text } from '../documents/poppler.js';
import { download, grantFor, postForm, swapAttachment, uploadForVerification } from '../documents/support.js';
import { inspectPdf } from '../../src/pdf/inspect.js';
import { advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, listen, setup, type TestEnv } from '../support/harness.js';
import { getText, openCheckpoint, referencePath, referenceRoot, sha256 } from './support.js';

const root = path.resolve(import.meta.dirname, '../..');
const squash = (s: string) => s.replace(/\s+/g, '');

function cli(args: string[]) {
  return new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: root,
      env: { ...process.env, ESURETY_DATA_DIR: '/nonexistent/esurety', NODE_ENV: 'development' },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

async function evidenceOf(pdf: Uint8Array) {
  const file = (await inspectPdf(pdf)).attachments.find((a) => a.name === 'transparency-log.json');
  return file ? JSON.parse(new TextDecoder().decode(file.bytes)) : null;
}

describeEachDatabase('log evidence in documents and the offline verifier', (kind) => {
  let env: TestEnv;
  let dir: string;
  beforeAll(async () => {
    env = await setup(kind);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-logdoc-'));
    await registerMishima(env);
  });
  afterAll(async () => {
    await env.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a certificate PDF made before a checkpoint covers the version says so and carries no proof', async () => {
    const { contractNumber, authKey } = await publish(env, advanceBody());
    const grant = await grantFor(env, contractNumber, authKey);
    const pdf = (await download(env, `/certificates/${contractNumber}/certificate.pdf`, grant)).bytes;
    expect(squash((await text(pdf)).stdout)).toContain(squash('透明性ログ チェックポイント待ち'));
    expect((await attachmentNames(pdf)).names).not.toContain('transparency-log.json');
    const page = await (await uploadForVerification(env, pdf, 'certificate.pdf')).text();
    expect(page).toContain('ログの証明（transparency-log.json）は添付されていません');
    expect(page).toContain('確認に合格しました');
    await publishCheckpoint(env.ctx);
  });

  it('a certificate PDF carries the index, tree size and an inclusion proof an outsider verifies', async () => {
    await publish(env, advanceBody());
    const { contractNumber, authKey, jws } = await publish(env, advanceBody());
    await publishCheckpoint(env.ctx);
    const grant = await grantFor(env, contractNumber, authKey);
    const pdf = (await download(env, `/certificates/${contractNumber}/certificate.pdf`, grant)).bytes;
    const seen = await readAsPerson(pdf);
    expect(squash(seen.text)).toContain(squash('索引 2（ツリーサイズ 3 のチェックポイントで公開済み）'));
    // Still one page, every glyph inked, no warnings from poppler.
    expect([seen.pages, seen.blanks, seen.warnings]).toEqual([1, [], '']);
    expect((await attachmentNames(pdf)).names).toContain('transparency-log.json');

    const evidence = await evidenceOf(pdf);
    expect(evidence.key).toBe((await getText(env, '/log/key')).text.trim());
    const checkpoint = openCheckpoint(evidence.key, evidence.checkpoint);
    expect([evidence.index, evidence.size, checkpoint.size]).toEqual([2, 3, 3]);
    const inputs: Buffer[] = [];
    for (let i = 0; i < 3; i++) inputs.push(Buffer.from((await getText(env, `/log/entries/${i}`)).text, 'base64'));
    expect(inputs[2]).toEqual(sha256(jws));
    expect(checkpoint.root).toEqual(referenceRoot(inputs));
    expect(evidence.leafHash).toBe(sha256(Buffer.of(0), inputs[2]!).toString('base64'));
    expect(evidence.proof).toEqual(referencePath(2, inputs).map((h) => h.toString('base64')));

    const page = await (await uploadForVerification(env, pdf, 'certificate.pdf')).text();
    expect(page).toContain('ログの索引 2（ツリーサイズ 3 の署名付きチェックポイント）に記録されています');
    expect(page).toContain('確認に合格しました');

    // One byte of the proof changed: the log inclusion check fails, and with it the file.
    const proof = Buffer.from(evidence.proof[0], 'base64');
    proof[0]! ^= 1;
    const tampered = { ...evidence, proof: [proof.toString('base64'), ...evidence.proof.slice(1)] };
    const bad = await swapAttachment(pdf, 'transparency-log.json', new TextEncoder().encode(JSON.stringify(tampered)));
    const badPage = await (await uploadForVerification(env, bad, 'certificate.pdf')).text();
    expect(badPage).toContain('包含証明がチェックポイントのルートと一致しません（索引 2）');
    expect(badPage).toContain('検証に失敗しました');

    // Offline: the CLI with the published log key verifies; with another log's key it refuses the attached one.
    fs.writeFileSync(path.join(dir, 'certificate.pdf'), pdf);
    fs.writeFileSync(path.join(dir, 'jwks.json'), (await getText(env, '/.well-known/jwks.json')).text);
    fs.writeFileSync(path.join(dir, 'log.key'), (await getText(env, '/log/key')).text);
    const args = ['verify', path.join(dir, 'certificate.pdf'), '--jwks', path.join(dir, 'jwks.json')];
    const good = await cli([...args, '--log-key', path.join(dir, 'log.key')]);
    expect(good.stdout).toContain(
      'ログの索引 2（ツリーサイズ 3 の署名付きチェックポイント）に記録されています  [log-inclusion]',
    );
    expect(good.code).toBe(0);
    const foreign = ed25519Signer('localhost:3000/log', Buffer.alloc(32, 9)).verifierKey;
    const refused = await cli([...args, '--log-key', foreign]);
    expect(refused.stdout).toContain('添付のログ公開鍵が、公開されている透明性ログの公開鍵と異なります');
    expect(refused.code).toBe(1);
    // Keys fetched from the platform: its published log key is fetched the same way and confirms the attached one.
    const server = await listen(env.ctx);
    try {
      const jwksUrl = `${server.url}/.well-known/jwks.json`;
      const fetched = await cli([
        'verify',
        path.join(dir, 'certificate.pdf'),
        '--jwks',
        jwksUrl,
        '--allow-http-loopback',
      ]);
      expect(fetched.stdout).toContain(
        'ログの索引 2（ツリーサイズ 3 の署名付きチェックポイント）に記録されています  [log-inclusion]',
      );
      // (The issuer check fails here only because the test server's origin is not the signed `iss`.)
      expect(fetched.stdout).not.toContain('添付のものを使用');
    } finally {
      await server.close();
    }
    const unconfirmed = await cli(args);
    expect(unconfirmed.stdout).toContain('ログの公開鍵は添付のものを使用');
    expect(unconfirmed.code).toBe(0);
  }, 90_000);

  it('the 確認証跡 receipt prints the index and checkpoint and attaches the same evidence', async () => {
    const { contractNumber, authKey } = await publish(env, advanceBody());
    await publishCheckpoint(env.ctx);
    const grant = await grantFor(env, contractNumber, authKey);
    const posted = await postForm(env, `/certificates/${contractNumber}/verification-receipts`, { seq: '1' }, grant);
    expect(posted.status).toBe(303);
    const pdf = (await download(env, `${posted.headers.get('location')}/receipt.pdf`, grant)).bytes;
    const evidence = await evidenceOf(pdf);
    expect([evidence.index, evidence.size]).toEqual([3, 4]);
    const printed = squash((await text(pdf)).stdout);
    expect(printed).toContain(squash('索引 3（ツリーサイズ 4 のチェックポイントで公開済み）'));
    expect(printed).toContain(squash(openCheckpoint(evidence.key, evidence.checkpoint).root.toString('base64')));
    const page = await (await uploadForVerification(env, pdf, 'receipt.pdf')).text();
    expect(page).toContain('ログの索引 3（ツリーサイズ 4 の署名付きチェックポイント）に記録されています');
  });
});
