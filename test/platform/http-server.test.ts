// Request bodies through the listening server src/server.ts runs (not app.request): the JSON cap applies by
// Content-Length and while reading chunked bodies, and a normal verification still works over a socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { listen, setup, type Listening, type TestEnv } from '../support/harness.js';

describe('bodies over a real socket', () => {
  let env: TestEnv;
  let server: Listening;
  let base: string;
  beforeAll(async () => {
    env = await setup({ name: 'sqlite' });
    await registerMishima(env);
    server = await listen(env.ctx);
    base = server.url;
  });
  afterAll(async () => {
    await server.close();
    await env.close();
  });

  const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${env.token}`, ...headers },
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);

  it('verifies over HTTP and publishes with a normal body', async () => {
    const { contractNumber, authKey } = await publish(env);
    const res = await post('/api/v1/verify', JSON.stringify({ contractNumber, authKey }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { contractNumber: string }).contractNumber).toBe(contractNumber);
    const created = await post('/api/v1/sureties', JSON.stringify(advanceBody()));
    expect(created.status).toBe(201);
  });

  it('refuses a declared body over 256 KB with 413 before reading it', async () => {
    const res = await post('/api/v1/sureties', JSON.stringify({ pad: 'x'.repeat(300_000) }));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('too_large');
  });

  it('refuses a chunked body once it passes 256 KB', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await post('/api/v1/sureties', stream);
    expect(res.status).toBe(413);
  });
});
