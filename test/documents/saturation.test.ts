// When the PDF pool is saturated, a document download is refused at once with 429 (§5 `throttled`), a Retry-After and a Japanese
// explanation — on the officer's page and on the issuer API alike — while verification keeps answering.
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { usePdfRunner, workerRunner, type PdfRunner } from '../../src/pdf/pool.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { download, grantFor, rareAdvanceBody } from './support.js';

// One job at a time, nothing queued behind it: the second of two simultaneous downloads finds the pool full.
let runner: PdfRunner;
beforeAll(() => {
  runner = workerRunner({ maxJobs: 1 });
  usePdfRunner(runner);
});
afterAll(() => runner.close());

describeEachDatabase('documents when the PDF pool is saturated', (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
  });
  afterEach(async () => env.close());

  it('answers the certificate download that does not fit with a Japanese 429 page and Retry-After', async () => {
    const { contractNumber, authKey } = await publish(env, rareAdvanceBody());
    const grant = await grantFor(env, contractNumber, authKey);
    const path = `/certificates/${contractNumber}/certificate.pdf`;
    const answers = await Promise.all([1, 2, 3, 4].map(() => download(env, path, grant)));
    const statuses = answers.map((a) => a.res.status).sort();
    expect(statuses[0]).toBe(200);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    const refused = answers.find((a) => a.res.status === 429)!;
    expect(Number(refused.res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = new TextDecoder().decode(refused.bytes);
    expect(page).toContain('PDF の作成が混み合っています');
    expect(page).toMatch(/\d+秒ほど待ってから、もう一度お試しください/);

    // The officer is not locked out: the certificate page answers, and the next download is drawn.
    expect((await download(env, `/certificates/${contractNumber}`, grant)).res.status).toBe(200);
    expect((await download(env, path, grant)).res.status).toBe(200);
  }, 60_000);

  it('answers the issuer API with the §5 error shape, code throttled, and Retry-After', async () => {
    const { contractNumber, authKey } = await publish(env, rareAdvanceBody());
    const answers = await Promise.all(
      [1, 2, 3].map(() => env.api('GET', `/api/v1/sureties/${contractNumber}/notice.pdf`)),
    );
    const refused = answers.find((a) => a.status === 429);
    expect(answers.some((a) => a.status === 200)).toBe(true);
    expect(refused?.json).toEqual({
      error: { code: 'throttled', message: expect.stringContaining('PDF の作成が混み合っています') },
    });
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Never the key in an error message.
    expect(refused?.text).not.toContain(authKey);
  }, 60_000);
});
