// The staff portal's request edge through the real listening server: a request that may not use a staff route is
// answered while its body is still on the wire, so an anonymous upload costs neither a parse nor the memory.
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, listen, setup, type Listening, type TestEnv } from '../support/harness.js';
import { loginAs } from './support.js';

const UPLOAD_BYTES = 16 * 1024 * 1024;
const BOUNDARY = '----esurety-edge-test';

interface Answer {
  status: number;
  body: string;
}

/**
 * POSTs a multipart upload declaring `UPLOAD_BYTES` but sends only its first 64 KiB, then waits for the answer
 * without ever sending the rest: a server that reads (let alone parses) the body before deciding can never answer,
 * and the test fails by its timeout; one that decides from the headers answers with the body unfinished.
 */
function partialUpload(base: string, path: string, cookie?: string): Promise<Answer> {
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n` +
      'Content-Type: text/csv\r\n\r\n',
  );
  const first = Buffer.concat([head, Buffer.alloc(64 * 1024 - head.length, 'a')]);
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, {
      method: 'POST',
      headers: {
        origin: 'http://localhost:3000',
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': String(UPLOAD_BYTES),
        'x-forwarded-for': '198.51.100.99',
        ...(cookie ? { cookie: `__Host-esurety_staff=${cookie}` } : {}),
      },
    });
    open.add(req);
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
        req.destroy();
      });
    });
    // The rest of the declared body is never sent: only an answer decided from the headers can arrive.
    req.write(first);
  });
}

// Uploads left hanging by a failing run, ended before the server closes (it waits for every connection).
const open = new Set<http.ClientRequest>();

describeEachDatabase('staff request edge', (kind) => {
  let env: TestEnv;
  let server: Listening;
  beforeAll(async () => {
    env = await setup(kind);
    server = await listen(env.ctx);
  });
  afterAll(async () => {
    for (const req of open) req.destroy();
    await server?.close();
    await env?.close();
  });

  it('refuses an anonymous 16 MiB upload to /admin/import with the log-in page before the body has arrived', async () => {
    const answer = await partialUpload(server.url, '/admin/import');
    expect(answer.status).toBe(401);
    expect(answer.body).toContain('ログインしてください');
  }, 15_000);

  it('refuses an upload from a signed-in role that may not import before the body has arrived', async () => {
    const approver = await loginAs(env, 'edge-approver@example.jp', 'approver');
    const answer = await partialUpload(server.url, '/admin/import', approver.cookie);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('権限がありません');
  }, 15_000);
});
