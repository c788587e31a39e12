// The signed as-issued PDF carries the version's log evidence (issue 18 item 1), on both databases: the signing
// worker waits (up to 30 s after the publication, without counting an attempt) for a checkpoint covering the version,
// then seals a PDF with transparency-log.json attached and the index printed; past the wait it seals one that says no
// checkpoint covered the version yet and carries no proof.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { openSeal, type Seal } from '../../src/pdf-sign/open-seal.js';
import { findSignedPdf } from '../../src/repositories/signed-pdfs.js';
import { publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { runSigningPass } from '../../src/services/signed-pdfs.js';
import { attachmentNames, text } from '../documents/poppler.js';
import { uploadForVerification } from '../documents/support.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { makePki, pdfsig, startTsa, type TestPki, type TestTsa } from '../support/pki.js';

let pki: TestPki;
let tsa: TestTsa;
beforeAll(async () => {
  pki = makePki();
  tsa = await startTsa(pki);
});
afterAll(async () => {
  await tsa.close();
  pki.cleanup();
});

const squash = (s: string) => s.replace(/\s+/g, '');

describeEachDatabase('log evidence in the signed as-issued PDF', (kind) => {
  let env: TestEnv;
  let seal: Seal;
  afterEach(async () => {
    seal?.close();
    await env?.platform.close();
  });

  const signedEnv = async () => {
    env = await setup(kind, {
      env: {
        ESURETY_PDF_SIGN_P12: pki.p12Path,
        ESURETY_PDF_SIGN_P12_PASSWORD: pki.p12Password,
        ESURETY_TSA_URL: tsa.url,
      },
    });
    seal = (await openSeal(env.config))!;
    await registerMishima(env);
  };
  const signedPdf = async (contractNumber: string) => {
    const res = await env.app.request(`/api/v1/sureties/${contractNumber}/versions/1/signed.pdf`, {
      headers: { authorization: `Bearer ${env.token}` },
    });
    expect(res.status).toBe(200);
    return new Uint8Array(await res.arrayBuffer());
  };

  it('waits for the covering checkpoint, then seals the evidence into the PDF', async () => {
    await signedEnv();
    const { contractNumber } = await publish(env);
    expect(await runSigningPass(env.ctx, seal)).toBe(0);
    // Waiting is not failing: no attempt counted, no error shown to staff.
    expect(await findSignedPdf(env.ctx.db, contractNumber, 1)).toMatchObject({
      state: 'pending',
      attempts: 0,
      last_error: null,
    });
    await publishCheckpoint(env.ctx);
    env.setNow('2026-11-24T01:00:03.000Z');
    expect(await runSigningPass(env.ctx, seal)).toBe(1);
    const pdf = await signedPdf(contractNumber);
    expect(await pdfsig(pdf, pki.dir)).toContain('Signature Validation: Signature is Valid.');
    expect((await attachmentNames(pdf)).names).toContain('transparency-log.json');
    expect(squash((await text(pdf)).stdout)).toContain(squash('索引 0（ツリーサイズ 1 のチェックポイントで公開済み）'));
    const page = await (await uploadForVerification(env, pdf, 'signed.pdf')).text();
    expect(page).toContain('ログの索引 0（ツリーサイズ 1 の署名付きチェックポイント）に記録されています');
  });

  it('past the wait, seals a PDF that says no checkpoint covered the version yet, with no proof', async () => {
    await signedEnv();
    const { contractNumber } = await publish(env);
    expect(await runSigningPass(env.ctx, seal)).toBe(0);
    env.setNow('2026-11-24T01:00:29.000Z');
    expect(await runSigningPass(env.ctx, seal)).toBe(0);
    env.setNow('2026-11-24T01:00:31.000Z');
    expect(await runSigningPass(env.ctx, seal)).toBe(1);
    const pdf = await signedPdf(contractNumber);
    expect((await attachmentNames(pdf)).names).not.toContain('transparency-log.json');
    expect(squash((await text(pdf)).stdout)).toContain(squash('透明性ログ チェックポイント待ち'));
  });
});
