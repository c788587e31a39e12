// The obligee API of DESIGN §11 (contract): registering, listing and removing watches with an obligee token —
// every status code, the 403 rule, which tokens are refused where, and throttling counted per token.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { approveObligeeTokenBy, createObligeeToken, revokeObligeeTokenBy } from '../../src/services/obligee-tokens.js';
import { advanceBody } from '../support/fixtures.js';
import { describeEachDatabase, snapshotCounts } from '../support/harness.js';
import { publish, watchWorld, type WatchWorld } from './support.js';

describeEachDatabase('the watch API', (kind) => {
  let w: WatchWorld;
  let n: string;
  let key: string;
  beforeEach(async () => {
    w = await watchWorld(kind);
    ({ contractNumber: n, authKey: key } = await publish(w.env));
  });
  afterEach(async () => w.close());

  it('registers a certificate (201), answers 200 when it is watched already, lists it, and removes it (204, then 404)', async () => {
    const first = await w.as(w.mishima, 'PUT', `/api/v1/watch/${n}`, { authKey: key });
    expect(first.status).toBe(201);
    expect(first.json).toEqual({
      contractNumber: n,
      status: 'active',
      current: { seq: 1, event: 'issue', issuedAt: expect.any(String), certificate: expect.any(Object) },
    });
    expect(first.json.current.certificate.obligee.id).toBe('mishima-city');
    // Full-width digits and a long dash in the path are the same number.
    const fullWidth = n.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))).replace('-', 'ー');
    const again = await w.as(w.mishima, 'PUT', `/api/v1/watch/${encodeURIComponent(fullWidth)}`, { authKey: key });
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);

    const list = await w.as(w.mishima, 'GET', '/api/v1/watch');
    expect(list.status).toBe(200);
    expect(list.json).toEqual({ items: [first.json] });
    // Another organisation's list is its own.
    expect((await w.as(w.numazu, 'GET', '/api/v1/watch')).json).toEqual({ items: [] });

    const removed = await w.as(w.mishima, 'DELETE', `/api/v1/watch/${n}`);
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    const gone = await w.as(w.mishima, 'DELETE', `/api/v1/watch/${n}`);
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('not_found');
    expect((await w.as(w.mishima, 'GET', '/api/v1/watch')).json).toEqual({ items: [] });
  });

  it('answers 401 no_match for a wrong key, an unknown number or a malformed one, and registers nothing', async () => {
    const before = await snapshotCounts(w.env);
    for (const [number, authKey] of [
      [n, key.slice(0, 11) + (key.endsWith('A') ? 'B' : 'A')],
      ['99999-999999', key],
      ['not-a-number', key],
    ] as const) {
      const res = await w.as(w.mishima, 'PUT', `/api/v1/watch/${number}`, { authKey });
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('no_match');
      expect(res.text).not.toContain(key);
    }
    expect((await w.as(w.mishima, 'GET', '/api/v1/watch')).json.items).toEqual([]);
    expect(await snapshotCounts(w.env)).toEqual(before);
  });

  it('refuses (403) a certificate whose obligee is another organisation — only once the key is right', async () => {
    const right = await w.as(w.numazu, 'PUT', `/api/v1/watch/${n}`, { authKey: key });
    expect(right.status).toBe(403);
    expect(right.json.error.code).toBe('forbidden');
    expect(right.text).not.toContain('富士見建設');
    const wrong = await w.as(w.numazu, 'PUT', `/api/v1/watch/${n}`, { authKey: 'ABCDEFGHJKMN' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe('no_match');
    expect((await w.as(w.numazu, 'GET', '/api/v1/watch')).json.items).toEqual([]);
  });

  it('answers 401 unauthorized without a token, with an unknown, revoked or issuer token, on every route', async () => {
    const revoked = await createObligeeToken(
      w.env.ctx,
      { type: 'cli', id: 'op' },
      { obligeeId: 'mishima-city', name: '旧' },
    );
    await revokeObligeeTokenBy(w.env.ctx, { type: 'cli', id: 'op' }, revoked.id);
    const routes: [string, string, unknown?][] = [
      ['PUT', `/api/v1/watch/${n}`, { authKey: key }],
      ['GET', '/api/v1/watch'],
      ['DELETE', `/api/v1/watch/${n}`],
      ['GET', '/api/v1/watch/events'],
    ];
    for (const token of [null, 'eob_unknown', revoked.token, w.env.token]) {
      for (const [method, url, body] of routes) {
        const res = await w.as(token, method, url, body);
        expect(res.status, `${method} ${url} with ${token?.slice(0, 4)}`).toBe(401);
        expect(res.json.error.code).toBe('unauthorized');
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      }
    }
    // The right key with a bad token registers nothing.
    expect((await w.as(w.mishima, 'GET', '/api/v1/watch')).json.items).toEqual([]);
  });

  it('refuses an obligee token on the issuer API', async () => {
    for (const [method, url, body] of [
      ['GET', `/api/v1/sureties/${n}`],
      ['POST', '/api/v1/sureties', advanceBody()],
      ['POST', `/api/v1/sureties/${n}/auth-key`],
    ] as const) {
      const res = await w.as(w.mishima, method, url, body);
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('unauthorized');
    }
  });

  it('a token made in the staff portal works only after a different administrator approves it', async () => {
    const { createStaffUser } = await import('../../src/services/staff/accounts.js');
    const cli = { type: 'cli' as const, id: 'op' };
    const admins = [];
    for (const email of ['a1@example.jp', 'a2@example.jp']) {
      const { user } = await createStaffUser(w.env.ctx, cli, {
        email,
        role: 'admin',
        password: 'correct horse battery staple 1',
      });
      admins.push({ type: 'staff' as const, id: user.id, email, role: 'admin' as const });
    }
    const [maker, checker] = admins as [(typeof admins)[0], (typeof admins)[0]];
    const made = await createObligeeToken(w.env.ctx, maker, { obligeeId: 'mishima-city', name: '財務会計' });
    expect(made.pendingApproval).toBe(true);
    expect((await w.as(made.token, 'GET', '/api/v1/watch')).status).toBe(401);
    await expect(approveObligeeTokenBy(w.env.ctx, maker, made.id)).rejects.toMatchObject({ code: 'forbidden' });
    await approveObligeeTokenBy(w.env.ctx, checker, made.id);
    expect((await w.as(made.token, 'GET', '/api/v1/watch')).status).toBe(200);
    await expect(createObligeeToken(w.env.ctx, maker, { obligeeId: 'no-such-city', name: 'x' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('throttles registration like verify: the 6th wrong key for one number answers 429 with Retry-After', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await w.as(w.mishima, 'PUT', `/api/v1/watch/${n}`, { authKey: 'ABCDEFGHJKMN' })).status).toBe(401);
    }
    const sixth = await w.as(w.mishima, 'PUT', `/api/v1/watch/${n}`, { authKey: key });
    expect(sixth.status).toBe(429);
    expect(sixth.json.error.code).toBe('throttled');
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    // Counted per token: the neighbour organisation on the same address keeps its own budget.
    expect((await w.as(w.numazu, 'PUT', `/api/v1/watch/${n}`, { authKey: 'ABCDEFGHJKMN' })).status).toBe(401);
  });

  it('counts the per-client limit per obligee token, for verify too, not per shared address', async () => {
    const wrong = { authKey: 'ABCDEFGHJKMN' };
    // 30 failures on different numbers (under each pair limit) exhaust the token's per-client budget.
    for (let i = 0; i < 30; i++) {
      const res = await w.as(w.mishima, 'PUT', `/api/v1/watch/10001-${String(900000 + i)}`, wrong);
      expect(res.status).toBe(401);
    }
    expect((await w.as(w.mishima, 'PUT', `/api/v1/watch/${n}`, { authKey: key })).status).toBe(429);
    // POST /verify with the same token counts against the same budget …
    const verifyWithToken = await w.as(w.mishima, 'POST', '/api/v1/verify', { contractNumber: n, authKey: key });
    expect(verifyWithToken.status).toBe(429);
    // … while the shared office address itself, and another token from it, are not throttled.
    const anonymous = await w.as(null, 'POST', '/api/v1/verify', { contractNumber: n, authKey: key });
    expect(anonymous.status).toBe(200);
    expect((await w.as(w.numazu, 'POST', '/api/v1/verify', { contractNumber: n, authKey: key })).status).toBe(200);
  });

  it('rejects a body without a key (422) and malformed JSON (400)', async () => {
    const missing = await w.as(w.mishima, 'PUT', `/api/v1/watch/${n}`, {});
    expect(missing.status).toBe(422);
    expect(missing.json.error.code).toBe('validation_failed');
    const extra = await w.as(w.mishima, 'PUT', `/api/v1/watch/${n}`, { authKey: key, extra: 1 });
    expect(extra.status).toBe(422);
    const broken = await w.as(w.mishima, 'PUT', `/api/v1/watch/${n}`, '{"authKey":');
    expect(broken.status).toBe(400);
  });
});
