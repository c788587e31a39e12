// Anyone may upload a file to /verify-file, so what one upload may cost is bounded: a decompression bomb is turned
// away before pdf-lib inflates it (an 875 KB PDF inflated to 900 MB and held the only PDF worker for 23–30 s), files
// are read in a worker of their own with a time box, so a hostile file never holds up an officer's certificate PDF,
// and each client has an allowance of uploads.
import { deflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pdfLimitProblem } from '../../src/pdf/limits.js';
import {
  pdfRunner,
  uploadRunner,
  UPLOAD_RUNNER_OPTIONS,
  useUploadRunner,
  workerRunner,
  type PdfRunner,
} from '../../src/pdf/pool.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { download, grantFor, uploadForVerification } from './support.js';

/** A minimal PDF whose one object stream holds `body`, compressed with `filter` (raw bytes when given as is). */
function pdfWithObjectStream(body: Uint8Array, dict = '/Filter /FlateDecode', n = 1): Uint8Array {
  const head = Buffer.from(
    '%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n' +
      `3 0 obj\n<< /Type /ObjStm /N ${n} /First 4 ${dict} /Length ${body.length} >>\nstream\n`,
    'latin1',
  );
  const tail = Buffer.from('\nendstream\nendobj\ntrailer\n<< /Root 1 0 R /Size 4 >>\n%%EOF\n', 'latin1');
  return new Uint8Array(Buffer.concat([head, body, tail]));
}

const bomb = () => pdfWithObjectStream(deflateSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 }));

describe('pdfLimitProblem', () => {
  it('refuses a stream inflating past the budget, from a file of under 100 KB', () => {
    const file = bomb();
    expect(file.length).toBeLessThan(100 * 1024);
    expect(pdfLimitProblem(file)).toMatch(/展開すると大きすぎます（合計 16 MB まで）/);
  });

  it('refuses filters that multiply (LZW, run-length, a chain) and too many objects', () => {
    expect(pdfLimitProblem(pdfWithObjectStream(new Uint8Array(10), '/Filter /LZWDecode'))).toMatch(/LZW/);
    expect(pdfLimitProblem(pdfWithObjectStream(new Uint8Array(10), '/Filter [/FlateDecode /FlateDecode]'))).toMatch(
      /多段の圧縮/,
    );
    expect(pdfLimitProblem(pdfWithObjectStream(deflateSync('4 0 null'), '/Filter /FlateDecode', 50_000))).toMatch(
      /オブジェクトが多すぎます/,
    );
    const many = Buffer.from(
      `%PDF-1.7\n${Array.from({ length: 20_001 }, (_, i) => `${i + 1} 0 obj null endobj`).join('\n')}`,
    );
    expect(pdfLimitProblem(new Uint8Array(many))).toMatch(/オブジェクトが多すぎます/);
  });
});

describeEachDatabase('/verify-file limits', (kind) => {
  let env: TestEnv;
  let saved: PdfRunner;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    saved = uploadRunner();
  });
  afterEach(async () => {
    useUploadRunner(saved);
    await env.close();
  });

  const failedReasons = async (res: Response) =>
    [...(await res.text()).matchAll(/<li class="failed">.*?<span class="check-reason" lang="ja">(.*?)<\/span>/gs)].map(
      (m) => m[1],
    );

  it('turns a decompression bomb away with a plain reason, and passes a genuine certificate PDF', async () => {
    const res = await uploadForVerification(env, bomb(), 'bomb.pdf');
    expect(res.status).toBe(200);
    expect(await failedReasons(res)).toEqual([expect.stringMatching(/展開すると大きすぎます/)]);
    const { contractNumber, authKey } = await publish(env);
    const grant = await grantFor(env, contractNumber, authKey);
    const { bytes } = await download(env, `/certificates/${contractNumber}/certificate.pdf`, grant);
    expect(pdfLimitProblem(bytes)).toBeNull();
    expect(await failedReasons(await uploadForVerification(env, bytes, 'certificate.pdf'))).toEqual([]);
  });

  it('reads uploads in a worker of their own: a hung upload check does not hold up a certificate PDF', async () => {
    expect(uploadRunner()).not.toBe(pdfRunner());
    let release = () => {};
    let entered = () => {};
    const stuckNow = new Promise<void>((resolve) => (entered = resolve));
    // Stands in for a file whose check never ends (a real one would take the time box to show it).
    const stuck: PdfRunner = {
      run: () =>
        new Promise((resolve) => {
          release = () => resolve({ attachments: [], keywords: [], pages: 1 } as never);
          entered();
        }),
      close: async () => undefined,
    };
    useUploadRunner(stuck);
    const { contractNumber, authKey } = await publish(env);
    const grant = await grantFor(env, contractNumber, authKey);
    const pending = uploadForVerification(env, bomb().subarray(0, 200), 'stuck.pdf');
    // The upload is held in its worker before the officer asks for the certificate.
    await stuckNow;
    const { res } = await download(env, `/certificates/${contractNumber}/certificate.pdf`, grant);
    expect(res.status).toBe(200);
    release();
    expect((await pending).status).toBe(200);
  });

  it('reports a file that outruns the upload worker time box as unreadable, not as an error page', async () => {
    useUploadRunner(workerRunner({ ...UPLOAD_RUNNER_OPTIONS, jobTimeoutMs: 1 }));
    const { contractNumber, authKey } = await publish(env);
    const grant = await grantFor(env, contractNumber, authKey);
    const { bytes } = await download(env, `/certificates/${contractNumber}/certificate.pdf`, grant);
    const res = await uploadForVerification(env, bytes, 'slow.pdf');
    expect(res.status).toBe(200);
    expect(await failedReasons(res)).toEqual([
      'この PDF は読み取りに時間やメモリがかかりすぎるため、確認を打ち切りました',
    ]);
    await uploadRunner().close();
  });

  it('gives each client an allowance of uploads, whatever their result, then 429 with Retry-After', async () => {
    const junk = new TextEncoder().encode('hello');
    for (let i = 0; i < env.config.throttle.uploadLimit; i++) {
      expect((await uploadForVerification(env, junk, 'x.txt')).status).toBe(200);
    }
    const refused = await uploadForVerification(env, junk, 'x.txt');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.text()).toContain('ファイルの確認が続いたため');
  });
});
