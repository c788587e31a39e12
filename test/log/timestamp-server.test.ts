// The real server process and the checkpoint time-stamp (DESIGN §12): without ESURETY_TSA_URL start-up says once that
// nothing is stamped; with it (credentials in the URL's userinfo) the leader stamps the latest checkpoint at start,
// serves the token, and never prints the credentials.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { advanceBody, MISHIMA } from '../support/fixtures.js';
import { makePki, startTsa, type TestPki, type TestTsa } from '../support/pki.js';
import { apiClient, createToken, startServer, stop } from '../ops/process.js';

let pki: TestPki;
let tsa: TestTsa;
let dataDir: string;
beforeAll(async () => {
  pki = makePki();
  tsa = await startTsa(pki);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-stamp-server-'));
});
afterAll(async () => {
  await tsa.close();
  pki.cleanup();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('says once that nothing is stamped without a TSA, and stamps the latest checkpoint at start with one', async () => {
  const env = { ESURETY_DATA_DIR: dataDir };
  const token = await createToken(env);
  const plain = await startServer(env);
  const api = apiClient(plain.url, token);
  expect((await api('PUT', '/api/v1/obligees/mishima-city', MISHIMA)).status).toBe(200);
  expect((await api('POST', '/api/v1/sureties', advanceBody())).status).toBe(201);
  await expect
    .poll(async () => (await (await fetch(`${plain.url}/log/checkpoint`)).text()).split('\n')[1], { timeout: 10_000 })
    .toBe('1');
  expect(await stop(plain)).toBe(0);
  expect(plain.stdout().split('not time-stamped: no ESURETY_TSA_URL')).toHaveLength(2);
  expect(tsa.served()).toBe(0);

  const withTsa = await startServer({
    ...env,
    ESURETY_TSA_URL: tsa.url.replace('http://', 'http://ts-user:ts-s3cret@'),
  });
  try {
    await expect
      .poll(async () => (await fetch(`${withTsa.url}/log/checkpoint/1/timestamp`)).status, { timeout: 10_000 })
      .toBe(200);
    const res = await fetch(`${withTsa.url}/log/checkpoint/1/timestamp`);
    expect(res.headers.get('content-type')).toBe('application/timestamp-reply');
  } finally {
    expect(await stop(withTsa)).toBe(0);
  }
  expect(withTsa.stdout()).toContain(`checkpoints are time-stamped daily by ${tsa.url}`);
  expect(withTsa.stdout()).toContain('log checkpoint of size 1 time-stamped');
  expect(withTsa.stdout() + withTsa.stderr()).not.toContain('ts-s3cret');
}, 120_000);
