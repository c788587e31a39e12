// Argon2 as a CPU lever: log-ins are hashed one at a time with a short queue, and a log-in beyond that queue is
// refused at once — nothing hashed, counted or audited — instead of piling work beside the verification path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffUser } from '../../src/services/staff/accounts.js';
import { acquireHashSlot, HASH_CONCURRENCY, HASH_QUEUE } from '../../src/security/passwords.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { PASSWORD } from './support.js';

/** Takes every running slot and every queue place; returns what releases them again. */
async function fillHashing(): Promise<() => Promise<void>> {
  const running = await Promise.all(Array.from({ length: HASH_CONCURRENCY }, () => acquireHashSlot()));
  const queued = Array.from({ length: HASH_QUEUE }, () => acquireHashSlot());
  return async () => {
    for (const release of running) release!();
    for (const slot of queued) (await slot!)();
  };
}

describe('hashing slots', () => {
  it('runs HASH_CONCURRENCY at once, queues HASH_QUEUE, refuses the next, and hands a released slot on in order', async () => {
    const running = await Promise.all(Array.from({ length: HASH_CONCURRENCY }, () => acquireHashSlot()));
    const order: number[] = [];
    const queued = Array.from({ length: HASH_QUEUE }, (_, i) => acquireHashSlot()!.then((r) => (order.push(i), r)));
    expect(acquireHashSlot()).toBeNull();
    running[0]!();
    const first = await queued[0]!;
    expect(order).toEqual([0]);
    const extra = acquireHashSlot(); // one queue place came free
    expect(extra).not.toBeNull();
    first();
    for (const r of running.slice(1)) r!();
    for (const q of queued.slice(1)) (await q)();
    (await extra!)();
  });
});

describeEachDatabase('log-in while hashing is saturated', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await setup(kind);
    await createStaffUser(
      env.ctx,
      { type: 'system', id: 'test' },
      { email: 'busy@example.jp', role: 'clerk', password: PASSWORD },
    );
  });
  afterAll(async () => env?.close());

  const logIn = (password: string, client = '192.0.2.50') =>
    env.app.request('/admin/login', {
      method: 'POST',
      headers: {
        origin: 'http://localhost:3000',
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': client,
      },
      body: new URLSearchParams({ email: 'busy@example.jp', password }).toString(),
    });

  it('answers busy at once, counting and auditing nothing, and logs in normally once hashing is free', async () => {
    const audited = async () =>
      (await env.ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'staff.login_failed').execute())
        .length;
    const before = await audited();
    const release = await fillHashing();
    try {
      const busy = await logIn('wrong password 1');
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await busy.text()).toContain('ただいまログインが混み合っています');
      expect(await audited()).toBe(before);
      const counters = await env.ctx.db.selectFrom('throttle_counters').select('bucket').execute();
      expect(counters.filter((c) => c.bucket.includes('192.0.2.50'))).toEqual([]);
    } finally {
      await release();
    }
    expect((await logIn(PASSWORD)).status).toBe(303);
  });

  it('answers a client over its limit from the counters, before waiting for a hashing slot', async () => {
    for (let i = 0; i < 10; i++) expect((await logIn(`wrong ${i}`, '192.0.2.51')).status).toBe(401);
    const release = await fillHashing();
    try {
      const refused = await logIn(PASSWORD, '192.0.2.51');
      expect(refused.status).toBe(429);
      expect(await refused.text()).toContain('ログインの試行回数が上限に達しました');
    } finally {
      await release();
    }
  });
});
