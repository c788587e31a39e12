// Changes, corrections, change cancellations and cancellations: the history rules of DESIGN §3 through the API.
import { decodeJwt } from 'jose';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { addVersion, advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, snapshotCounts, type TestEnv } from '../support/harness.js';

describeEachDatabase('publishing versions', (kind) => {
  let env: TestEnv;
  let n: string;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    n = (await publish(env)).contractNumber;
  });
  afterEach(async () => env.close());

  const increase = {
    event: 'change',
    changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 },
    reason: '増額',
  };
  const get = async () => (await env.api('GET', `/api/v1/sureties/${n}`)).json;

  it('publishes a change whose signed payload carries the whole merged certificate and links to the previous version', async () => {
    const res = await addVersion(env, n, increase);
    expect(res.status).toBe(201);
    expect(res.json.version).toMatchObject({ seq: 2, event: 'change', target: null });
    const payload = decodeJwt(res.json.version.jws);
    const first = (await get()).versions[0].jws as string;
    expect(payload.prev).toBe(createHash('sha256').update(first, 'ascii').digest('base64url'));
    expect(payload.reason).toBe('増額');
    expect(payload.certificate).toMatchObject({
      guaranteeAmount: 22_000_000,
      depositBank: '静岡中央銀行 三島支店',
      contractAmount: 50_000_000,
    });
    const surety = await get();
    expect(surety.current).toMatchObject({ seq: 2, event: 'change' });
    expect(surety.current.certificate.guaranteeAmount).toBe(22_000_000);
  });

  it('merges nested objects (a guarantee period change touches only its end date)', async () => {
    const res = await addVersion(env, n, { event: 'change', changes: { guaranteePeriod: { to: '2027-06-30' } } });
    expect(res.status).toBe(201);
    expect((await get()).current.certificate.guaranteePeriod).toEqual({ from: '2026-04-02', to: '2027-06-30' });
  });

  it('hides a corrected version and shows the correction', async () => {
    await addVersion(env, n, increase);
    const res = await addVersion(env, n, {
      event: 'correction',
      target: 2,
      changes: { depositBank: '静岡中央銀行 本店' },
    });
    expect(res.status).toBe(201);
    const surety = await get();
    expect(surety.versions.map((v: { seq: number; hidden: boolean }) => [v.seq, v.hidden])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
    expect(surety.current.certificate).toMatchObject({ depositBank: '静岡中央銀行 本店', guaranteeAmount: 22_000_000 });
  });

  it('falls back to the previous visible state after a change cancellation', async () => {
    await addVersion(env, n, increase);
    const res = await addVersion(env, n, { event: 'change_cancellation', target: 2 });
    expect(res.status).toBe(201);
    expect(decodeJwt(res.json.version.jws).certificate).toMatchObject({ guaranteeAmount: 20_000_000 });
    const surety = await get();
    expect(surety.current.seq).toBe(1);
    expect(surety.current.certificate.guaranteeAmount).toBe(20_000_000);
    expect(surety.versions.filter((v: { hidden: boolean }) => v.hidden).map((v: { seq: number }) => v.seq)).toEqual([
      2, 3,
    ]);
    expect(surety.status).toBe('active');
  });

  it('allows cancelling a corrected change', async () => {
    await addVersion(env, n, increase);
    await addVersion(env, n, {
      event: 'correction',
      target: 2,
      changes: { guaranteeAmount: 21_000_000, advanceAmount: 21_000_000 },
    });
    const res = await addVersion(env, n, { event: 'change_cancellation', target: 3 });
    expect(res.status).toBe(201);
    expect((await get()).current.certificate.guaranteeAmount).toBe(20_000_000);
  });

  it('makes a cancellation terminal: every later event is invalid_event and nothing is written', async () => {
    const cancel = await addVersion(env, n, { event: 'cancellation', reason: '契約解除' });
    expect(cancel.status).toBe(201);
    expect(decodeJwt(cancel.json.version.jws).status).toBe('cancelled');
    expect((await get()).status).toBe('cancelled');
    const before = await snapshotCounts(env);
    for (const body of [
      increase,
      { event: 'cancellation' },
      { event: 'correction', target: 2, changes: { depositBank: 'x' } },
    ]) {
      const res = await addVersion(env, n, body);
      expect(res.status).toBe(422);
      expect(res.json.error.code).toBe('invalid_event');
    }
    expect(await snapshotCounts(env)).toEqual(before);
  });

  it('rejects a correction whose target is not the latest visible version', async () => {
    await addVersion(env, n, increase);
    const res = await addVersion(env, n, { event: 'correction', target: 1, changes: { depositBank: 'x銀行' } });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('invalid_event');
    expect(res.json.error.message).toContain('2');
  });

  it('rejects a change cancellation of the first issue', async () => {
    const res = await addVersion(env, n, { event: 'change_cancellation', target: 1 });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('invalid_event');
  });

  it('rejects a second issue event', async () => {
    const res = await addVersion(env, n, { event: 'issue' });
    expect(res.json.error.code).toBe('invalid_event');
  });

  it('checks history rules before field validation', async () => {
    await addVersion(env, n, { event: 'cancellation' });
    const res = await addVersion(env, n, {
      event: 'change',
      changes: { guaranteeAmount: -5 },
      reason: 'x'.repeat(500),
    });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('invalid_event');
  });

  it('re-validates the merged certificate in full', async () => {
    const before = await snapshotCounts(env);
    const res = await addVersion(env, n, { event: 'change', changes: { guaranteeAmount: 30_000_000 } });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('validation_failed');
    expect(res.json.error.issues.map((i: { path: string }) => i.path)).toContain('changes.advanceAmount');
    expect(await snapshotCounts(env)).toEqual(before);
  });

  it('refuses to change the product, number, obligee or issuer', async () => {
    for (const changes of [
      { product: 'contract' },
      { contractNumber: '99999-999999' },
      { obligee: { name: 'x' } },
      { issuer: { name: 'x' } },
    ]) {
      const res = await addVersion(env, n, { event: 'change', changes });
      expect(res.status).toBe(422);
      expect(res.json.error.code).toBe('validation_failed');
    }
  });

  it('requires target for corrections and forbids it and changes for a cancellation', async () => {
    expect((await addVersion(env, n, { event: 'correction', changes: { depositBank: 'x' } })).json.error.code).toBe(
      'invalid_event',
    );
    const withTarget = await addVersion(env, n, { event: 'cancellation', target: 1 });
    expect(withTarget.json.error.issues.map((i: { path: string }) => i.path)).toContain('target');
    const withChanges = await addVersion(env, n, { event: 'cancellation', changes: { depositBank: 'x' } });
    expect(withChanges.json.error.issues.map((i: { path: string }) => i.path)).toContain('changes');
  });

  it('answers 404 for an unknown guarantee and 422 for an unknown event', async () => {
    expect((await addVersion(env, '99999-999999', increase)).status).toBe(404);
    const res = await addVersion(env, n, { event: 'resurrect' });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('validation_failed');
  });

  it('lets an expired guarantee still be changed (a late period extension)', async () => {
    env.setNow('2027-05-10T00:00:00Z');
    expect((await get()).status).toBe('expired');
    const res = await addVersion(env, n, { event: 'change', changes: { guaranteePeriod: { to: '2027-09-30' } } });
    expect(res.status).toBe(201);
    expect((await get()).status).toBe('active');
  });

  it('never signs a version older than the one before it when the clock steps back, and logs the clock problem', async () => {
    const warn = vi.spyOn(env.ctx.logger, 'warn');
    const first = (await get()).versions[0].issuedAt as string;
    // An NTP step back of an hour between two publications.
    env.setNow(new Date(env.now().getTime() - 3600_000).toISOString());
    const res = await addVersion(env, n, increase);
    expect(res.status).toBe(201);
    const second = decodeJwt(res.json.version.jws).issuedAt as string;
    expect(res.json.version.issuedAt).toBe(second);
    expect(Date.parse(second)).toBe(Date.parse(first) + 1);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ contractNumber: n, seq: 2, clockBehindMs: 3600_000 + 1 }),
      expect.stringContaining('clock is behind'),
    );
  });

  it('keeps published certificates unchanged when the obligee registry is edited later', async () => {
    await env.api('PUT', '/api/v1/obligees/mishima-city', { name: '三島市', title: '三島市長 豊岡武士', rules: [] });
    await addVersion(env, n, increase);
    expect((await get()).current.certificate.obligee.title).toBe('三島市長');
  });

  it('reissues the key: the old key stops working at once and the answer carries only the new key', async () => {
    const res = await env.api('POST', `/api/v1/sureties/${n}/auth-key`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.json)).toEqual(['authKey']);
    const audit = await env.ctx.db.selectFrom('audit_log').select('action').where('contract_number', '=', n).execute();
    expect(audit.map((a) => a.action)).toContain('surety.reissue_key');
  });

  it('answers a retried change with the same Idempotency-Key and body with the first version, publishing it once', async () => {
    const headers = { 'idempotency-key': 'change-001' };
    const first = await env.api('POST', `/api/v1/sureties/${n}/versions`, increase, headers);
    expect(first.status).toBe(201);
    const published = await snapshotCounts(env);
    // The issuer's answer was lost; it retries (its JSON encoder may order the keys differently).
    const reordered = Object.fromEntries(Object.entries(increase).reverse());
    const again = await env.api('POST', `/api/v1/sureties/${n}/versions`, reordered, headers);
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    expect(await snapshotCounts(env)).toEqual(published);
    // Even after a later version, the retry is still an answer about the same change, not a new one.
    expect((await addVersion(env, n, { event: 'change', changes: { depositBank: '静岡中央銀行 本店' } })).status).toBe(
      201,
    );
    const later = await snapshotCounts(env);
    const late = await env.api('POST', `/api/v1/sureties/${n}/versions`, increase, headers);
    expect(late.json).toEqual(first.json);
    expect(await snapshotCounts(env)).toEqual(later);
    expect((await get()).versions.map((v: { event: string }) => v.event)).toEqual(['issue', 'change', 'change']);
  });

  it('answers 409 and publishes nothing when an Idempotency-Key is reused for another change or route', async () => {
    const headers = { 'idempotency-key': 'change-002' };
    expect((await env.api('POST', `/api/v1/sureties/${n}/versions`, increase, headers)).status).toBe(201);
    const m = (await publish(env)).contractNumber;
    await env.api('POST', '/api/v1/sureties', advanceBody(), { 'idempotency-key': 'publish-001' });
    const before = await snapshotCounts(env);

    const other = await env.api(
      'POST',
      `/api/v1/sureties/${n}/versions`,
      { ...increase, changes: { guaranteeAmount: 23_000_000, advanceAmount: 23_000_000 } },
      headers,
    );
    expect(other.status).toBe(409);
    expect(other.json.error.code).toBe('conflict');
    expect(other.json.error.message).toBe('この Idempotency-Key は別の内容のリクエストで使用済みです');
    // The same body for another guarantee, or a key first used for a publication, is another request too.
    expect((await env.api('POST', `/api/v1/sureties/${m}/versions`, increase, headers)).status).toBe(409);
    const crossed = await env.api('POST', `/api/v1/sureties/${n}/versions`, increase, {
      'idempotency-key': 'publish-001',
    });
    expect(crossed.status).toBe(409);
    expect((await env.api('POST', `/api/v1/sureties/${n}/versions`, increase, { 'idempotency-key': '' })).status).toBe(
      400,
    );
    expect(await snapshotCounts(env)).toEqual(before);
    expect((await get()).versions).toHaveLength(2);
  });

  it('accepts a publication of a guarantee whose period ends before the works period', async () => {
    const res = await env.api(
      'POST',
      '/api/v1/sureties',
      advanceBody({ guaranteePeriod: { from: '2026-04-02', to: '2026-12-31' } }),
    );
    expect(res.status).toBe(201);
  });
});
