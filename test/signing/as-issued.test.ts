// The as-issued PDF of each version (DESIGN §13), on both databases: sealed by the signing pass after the publication,
// served to the viewer grant and the issuer API, valid in pdfsig with a time-stamp; a failing TSA delays it (503 +
// Retry-After, the error visible) and never loses it; without an e-seal there is none (404).
import fs from 'node:fs';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFString } from 'pdf-lib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSeal, type Seal } from '../../src/pdf-sign/open-seal.js';
import { findSignedPdf, countSignedPdfs } from '../../src/repositories/signed-pdfs.js';
import { publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { runSigningPass } from '../../src/services/signed-pdfs.js';
import { text } from '../documents/poppler.js';
import { download, grantFor } from '../documents/support.js';
import { addVersion, publish, registerMishima } from '../support/fixtures.js';
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

describeEachDatabase('as-issued signed PDFs', (kind) => {
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

  it('signs each version as published, serves it to the officer and the issuer, and pdfsig finds it valid', async () => {
    await signedEnv();
    expect(seal.level).toBe('B-T');
    const { contractNumber, authKey } = await publish(env);
    const grant = await grantFor(env, contractNumber, authKey);
    const path = `/certificates/${contractNumber}/versions/1/signed.pdf`;

    // Before the signing pass: being signed, come back later.
    const early = await download(env, path, grant);
    expect(early.res.status).toBe(503);
    expect(early.res.headers.get('retry-after')).toBe('10');

    await publishCheckpoint(env.ctx); // the log checkpoint the as-issued PDF waits for (a second in production)
    expect(await runSigningPass(env.ctx, seal)).toBe(1);
    const first = await download(env, path, grant);
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get('content-type')).toBe('application/pdf');
    const report = await pdfsig(first.bytes, pki.dir);
    expect(report).toContain('Signature Validation: Signature is Valid.');
    expect(report).toContain('Signature Type: ETSI.CAdES.detached');
    expect(report).toContain('Total document signed');
    const words = (await text(first.bytes)).stdout;
    expect(words).toContain('発行時の内容');
    expect(words).toContain('PAdES形式の電子署名とタイムスタンプ');
    expect(words).not.toContain('出力日時');

    // A later change: version 2 gets its own; version 1's stays byte for byte what was signed.
    env.setNow('2026-11-25T01:00:00.000Z');
    const change = await addVersion(env, contractNumber, {
      event: 'change',
      changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 },
    });
    expect(change.status).toBe(201);
    await publishCheckpoint(env.ctx);
    expect(await runSigningPass(env.ctx, seal)).toBe(1);
    const grant2 = await grantFor(env, contractNumber, authKey); // a day later: the first view has ended
    const again = await download(env, path, grant2);
    expect(again.res.status).toBe(200);
    expect(Buffer.from(again.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    const second = await download(env, `/certificates/${contractNumber}/versions/2/signed.pdf`, grant2);
    expect(second.res.status).toBe(200);
    expect((await text(second.bytes)).stdout).toContain('22,000,000');
    expect((await text(first.bytes)).stdout).not.toContain('22,000,000');

    // The issuer API serves the same stored bytes; without a viewer grant the officer route sends to the form.
    const api = await env.app.request(`/api/v1/sureties/${contractNumber}/versions/1/signed.pdf`, {
      headers: { authorization: `Bearer ${env.token}` },
    });
    expect(api.status).toBe(200);
    expect(Buffer.from(await api.arrayBuffer()).equals(Buffer.from(first.bytes))).toBe(true);
    const noGrant = await env.app.request(path);
    expect(noGrant.status).toBe(303);
    expect((await download(env, `/certificates/${contractNumber}/versions/9/signed.pdf`, grant2)).res.status).toBe(404);

    // The live certificate PDF says where the sealed copy is.
    const live = await download(env, `/certificates/${contractNumber}/versions/1/certificate.pdf`, grant2);
    expect((await text(live.bytes)).stdout.replace(/\s+/g, '')).toContain(
      `/certificates/${contractNumber}/versions/1/signed.pdf`,
    );

    // One changed byte of the stored PDF: pdfsig no longer finds it valid.
    const tampered = new Uint8Array(first.bytes);
    const at = Buffer.from(tampered).indexOf('version.jws');
    tampered[at] = 'V'.charCodeAt(0);
    expect(await pdfsig(tampered, pki.dir)).not.toContain('Signature is Valid.');
  });

  it('keeps a version whose time-stamp fails pending, with the error visible, and signs it once the TSA is back', async () => {
    await signedEnv();
    tsa.failWith(503);
    const { contractNumber } = await publish(env);
    try {
      await publishCheckpoint(env.ctx);
      expect(await runSigningPass(env.ctx, seal)).toBe(0);
      const row = await findSignedPdf(env.ctx.db, contractNumber, 1);
      expect(row?.state).toBe('pending');
      expect(row?.last_error).toContain('HTTP 503');
      expect(await countSignedPdfs(env.ctx.db)).toEqual({ signed: 0, pending: 1, failing: 1 });
      const api = await env.api('GET', `/api/v1/sureties/${contractNumber}/versions/1/signed.pdf`);
      expect(api.status).toBe(503);
      // Retried only after its back-off.
      expect(await runSigningPass(env.ctx, seal)).toBe(0);
      expect((await findSignedPdf(env.ctx.db, contractNumber, 1))?.attempts).toBe(1);
    } finally {
      tsa.failWith(0);
    }
    env.setNow('2026-11-24T01:01:00.000Z');
    expect(await runSigningPass(env.ctx, seal)).toBe(1);
    expect(await countSignedPdfs(env.ctx.db)).toEqual({ signed: 1, pending: 0, failing: 0 });
    // The signature claims the time it was sealed (/M), not the publication a minute before it.
    const stored = await env.app.request(`/api/v1/sureties/${contractNumber}/versions/1/signed.pdf`, {
      headers: { authorization: `Bearer ${env.token}` },
    });
    const doc = await PDFDocument.load(new Uint8Array(await stored.arrayBuffer()));
    const annots = doc.getPage(0).node.lookup(PDFName.of('Annots'), PDFArray);
    const sig = doc.context.lookup(annots.get(annots.size() - 1), PDFDict).lookup(PDFName.of('V'), PDFDict);
    expect(sig.lookup(PDFName.of('M'), PDFString).decodeDate().toISOString()).toBe('2026-11-24T01:01:00.000Z');
  });

  it('does not sign versions published before the e-seal was configured (404), only later ones', async () => {
    await signedEnv();
    const before = await publish(env);
    env.setNow('2026-11-24T02:00:00.000Z'); // the first signing pass, an hour later, marks when signing began
    expect(await runSigningPass(env.ctx, seal)).toBe(0);
    const old = await env.api('GET', `/api/v1/sureties/${before.contractNumber}/versions/1/signed.pdf`);
    expect(old.status).toBe(404);
    const after = await publish(env);
    await publishCheckpoint(env.ctx);
    expect(await runSigningPass(env.ctx, seal)).toBe(1);
    expect((await findSignedPdf(env.ctx.db, after.contractNumber, 1))?.state).toBe('signed');
    expect(await findSignedPdf(env.ctx.db, before.contractNumber, 1)).toBeUndefined();
  });

  it('has no signed PDF without an e-seal, and says so with 404', async () => {
    env = await setup(kind);
    await registerMishima(env);
    expect(await openSeal(env.config)).toBeNull();
    const { contractNumber } = await publish(env);
    const api = await env.api('GET', `/api/v1/sureties/${contractNumber}/versions/1/signed.pdf`);
    expect(api.status).toBe(404);
    expect(api.json.error.code).toBe('not_found');
  });
});

describe('e-seal configuration', () => {
  it('refuses a wrong PKCS#12 password at start-up without printing it', async () => {
    const error = await openSeal({
      pdfSign: { kind: 'p12', path: pki.p12Path, password: () => 'not-the-password-789' },
      tsaUrl: undefined,
    }).catch((e: Error) => e);
    expect((error as Error).name).toBe('SealError');
    expect((error as Error).message).not.toContain('not-the-password-789');
  });

  it('is B-B without a TSA', async () => {
    const seal = await openSeal({
      pdfSign: { kind: 'p12', path: pki.p12Path, password: () => pki.p12Password },
      tsaUrl: undefined,
    });
    expect(seal?.level).toBe('B-B');
    expect(seal?.name).toBe('テスト保証株式会社 eシール');
    expect(fs.existsSync(pki.p12Path)).toBe(true);
  });
});
