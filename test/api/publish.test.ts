// Publishing new guarantees through the issuer API: signed answer, numbering, idempotency, and rejected input.
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { advanceBody, contractBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, snapshotCounts, type TestEnv } from '../support/harness.js';

describeEachDatabase('publishing a guarantee', (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
  });
  afterEach(async () => env.close());

  it('answers 201 with the number, a 12-character key and a signed version 1', async () => {
    const res = await env.api('POST', '/api/v1/sureties', advanceBody());
    expect(res.status).toBe(201);
    expect(res.json.contractNumber).toBe('10001-000001');
    expect(res.json.authKey).toMatch(/^[23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz]{12}$/);
    expect(res.json.version).toMatchObject({ seq: 1, event: 'issue' });
    expect(res.json.version.issuedAt).toBe('2026-11-24T10:00:00.000+09:00');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('signs with the exact header and payload of the contract', async () => {
    const { jws } = await publish(env);
    const header = decodeProtectedHeader(jws);
    expect(Object.keys(header)).toEqual(['alg', 'kid', 'typ']);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'esurety-version+jwt' });
    const jwks = (await (await env.app.request('/.well-known/jwks.json')).json()) as { keys: Record<string, string>[] };
    const key = jwks.keys.find((k) => k.kid === header.kid);
    expect(key).toBeDefined();
    const { kty, crv, x, y } = key as Record<string, string>;
    expect(await calculateJwkThumbprint({ kty, crv, x, y }, 'sha256')).toBe(header.kid);
    const payload = decodeJwt(jws);
    expect(Object.keys(payload).sort()).toEqual(
      ['certificate', 'event', 'iss', 'issuedAt', 'prev', 'reason', 'seq', 'status', 'sub', 'target'].sort(),
    );
    expect(payload).toMatchObject({
      iss: 'http://localhost:3000',
      sub: '10001-000001',
      seq: 1,
      event: 'issue',
      target: null,
      reason: null,
      prev: null,
      status: 'active',
    });
    expect(payload.certificate).toMatchObject({
      contractNumber: '10001-000001',
      issuer: { name: 'テスト保証株式会社' },
      obligee: { id: 'mishima-city', name: '三島市', title: '三島市長' },
      guaranteeAmount: 20_000_000,
    });
  });

  it('numbers guarantees per office and accepts the issuer’s own number in full-width form', async () => {
    expect((await publish(env)).contractNumber).toBe('10001-000001');
    expect((await publish(env, contractBody({ officeCode: '20002' }))).contractNumber).toBe('20002-000001');
    expect((await publish(env, contractBody({ contractNumber: '３００００－０００１２３' }))).contractNumber).toBe(
      '30000-000123',
    );
    expect((await publish(env)).contractNumber).toBe('10001-000002');
  });

  it('answers 409 for a number already in use, and skips numbers the issuer took itself', async () => {
    await publish(env, contractBody({ contractNumber: '10001-000001' }));
    const dup = await env.api('POST', '/api/v1/sureties', contractBody({ contractNumber: '10001000001' }));
    expect(dup.status).toBe(409);
    expect(dup.json.error.code).toBe('conflict');
    expect((await publish(env)).contractNumber).toBe('10001-000002');
  });

  it('answers 409 when an office has used up its 999,999 numbers', async () => {
    await env.ctx.db.insertInto('office_sequences').values({ office_code: '10001', last_value: 999_999 }).execute();
    const before = await snapshotCounts(env);
    const res = await env.api('POST', '/api/v1/sureties', advanceBody());
    expect(res.status).toBe(409);
    expect(res.json.error.message).toContain('999,999');
    const after = await snapshotCounts(env);
    expect(after.sureties).toBe(before.sureties);
  });

  it('replays the same answer (with the current key) for the same Idempotency-Key and body', async () => {
    const headers = { 'idempotency-key': 'req-001' };
    const first = await env.api('POST', '/api/v1/sureties', advanceBody(), headers);
    const reordered = Object.fromEntries(Object.entries(advanceBody()).reverse());
    const again = await env.api('POST', '/api/v1/sureties', reordered, headers);
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    const reissued = await env.api('POST', `/api/v1/sureties/${first.json.contractNumber}/auth-key`);
    const third = await env.api('POST', '/api/v1/sureties', advanceBody(), headers);
    expect(third.json.authKey).toBe(reissued.json.authKey);
    expect(third.json.version).toEqual(first.json.version);
    expect((await snapshotCounts(env)).sureties).toBe(1);
  });

  it('answers 409 when an Idempotency-Key is reused with another body', async () => {
    await env.api('POST', '/api/v1/sureties', advanceBody(), { 'idempotency-key': 'k' });
    const res = await env.api('POST', '/api/v1/sureties', advanceBody({ guaranteeAmount: 1, advanceAmount: 1 }), {
      'idempotency-key': 'k',
    });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('conflict');
  });

  it('needs a valid bearer token', async () => {
    const none = await env.api('POST', '/api/v1/sureties', advanceBody(), { authorization: '' });
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('unauthorized');
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const wrong = await env.api('POST', '/api/v1/sureties', advanceBody(), { authorization: 'Bearer esk_nope' });
    expect(wrong.status).toBe(401);
  });

  const rejected: [string, () => unknown, number, string, string?][] = [
    ['malformed JSON', () => '{"product": ', 400, 'bad_request'],
    ['an array instead of an object', () => [], 422, 'validation_failed'],
    ['an unknown product', () => advanceBody({ product: 'bid_bond' }), 422, 'validation_failed', 'product'],
    ['a negative amount', () => advanceBody({ contractAmount: -1 }), 422, 'validation_failed', 'contractAmount'],
    [
      'a fractional yen amount',
      () => advanceBody({ guaranteeAmount: 10.5, advanceAmount: 10.5 }),
      422,
      'validation_failed',
      'guaranteeAmount',
    ],
    [
      'an amount given as a string',
      () => advanceBody({ contractAmount: '50000000' }),
      422,
      'validation_failed',
      'contractAmount',
    ],
    [
      'an impossible date',
      () => advanceBody({ guaranteeDate: '2026-02-30' }),
      422,
      'validation_failed',
      'guaranteeDate',
    ],
    [
      'a guarantee above the contract price',
      () => advanceBody({ guaranteeAmount: 60_000_000, advanceAmount: 60_000_000 }),
      422,
      'validation_failed',
      'guaranteeAmount',
    ],
    [
      'an advance guarantee without a deposit bank',
      () => advanceBody({ depositBank: undefined }),
      422,
      'validation_failed',
      'depositBank',
    ],
    [
      'a contract guarantee with an advance amount',
      () => contractBody({ advanceAmount: 5_000_000 }),
      422,
      'validation_failed',
      'advanceAmount',
    ],
    ['an unknown field', () => advanceBody({ colour: 'red' }), 422, 'validation_failed'],
    ['an unknown obligee', () => advanceBody({ obligeeId: 'atlantis' }), 422, 'validation_failed', 'obligeeId'],
    [
      'a guarantee period that ends before it starts',
      () => advanceBody({ guaranteePeriod: { from: '2027-01-01', to: '2026-01-01' } }),
      422,
      'validation_failed',
      'guaranteePeriod.to',
    ],
  ];
  for (const [what, body, status, code, path] of rejected) {
    it(`rejects ${what} with ${status} ${code} and writes nothing`, async () => {
      const before = await snapshotCounts(env);
      const res = await env.api('POST', '/api/v1/sureties', body());
      expect(res.status).toBe(status);
      expect(res.json.error.code).toBe(code);
      expect(res.json.error.message).toMatch(/[ぁ-んァ-ン一-龥]/);
      if (path) expect(res.json.error.issues.map((i: { path: string }) => i.path)).toContain(path);
      expect(await snapshotCounts(env)).toEqual(before);
    });
  }

  it('rejects a body that is not JSON-typed with 400', async () => {
    const res = await env.api('POST', '/api/v1/sureties', JSON.stringify(advanceBody()), {
      'content-type': 'text/plain',
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('bad_request');
  });

  it('rejects a JSON body over 256 KB with 413', async () => {
    const res = await env.api('POST', '/api/v1/sureties', advanceBody({ works: { name: 'x'.repeat(300_000) } }));
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('too_large');
  });

  it('refuses an obligee whose rule does not cover the date, saying why', async () => {
    const before = await snapshotCounts(env);
    const res = await env.api(
      'POST',
      '/api/v1/sureties',
      advanceBody({ works: { ...(advanceBody().works as object), contractDate: '2025-12-25' } }),
    );
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('obligee_not_eligible');
    expect(res.json.error.message).toContain('令和8年1月1日以降');
    expect(await snapshotCounts(env)).toEqual(before);
  });

  it('names the missing basis date when a rule judges by tender date', async () => {
    await env.api('PUT', '/api/v1/obligees/tender-town', {
      name: '入札町',
      rules: [{ products: ['contract'], basis: 'tender_date', effectiveFrom: '2026-01-01' }],
    });
    const res = await env.api('POST', '/api/v1/sureties', contractBody({ obligeeId: 'tender-town' }));
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('obligee_not_eligible');
    expect(res.json.error.message).toContain('入札公告日を入力してください');
  });

  it('writes an audit row in the same transaction as the publication', async () => {
    const { contractNumber } = await publish(env);
    const rows = await env.ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('contract_number', '=', contractNumber)
      .execute();
    expect(rows.map((r) => r.action)).toEqual(['surety.publish']);
    expect(rows[0]?.detail).not.toMatch(/[23456789A-HJ-NP-Za-km-z]{12}"/);
  });
});
