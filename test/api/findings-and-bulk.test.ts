// DESIGN §11 as an outside program exercises it: `expect` and `findings` on POST /api/v1/verify, and POST
// /api/v1/verifications — input order, outcomes, the 1–500 bounds, and the §7 limits counted exactly like singles.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { advanceBody, contractBody, MISHIMA, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { listAccessEvents } from '../../src/repositories/activity.js';

describeEachDatabase('findings and bulk verification (§11)', (kind) => {
  let env: TestEnv;
  let n: string;
  let key: string;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber: n, authKey: key } = await publish(env));
  });
  afterEach(async () => env.close());

  const anon = (client: string) => ({ authorization: '', 'x-forwarded-for': client });
  const verify = (body: Record<string, unknown>, client = '203.0.113.10') =>
    env.api('POST', '/api/v1/verify', body, anon(client));
  const bulk = (items: unknown[], client = '203.0.113.10') =>
    env.api('POST', '/api/v1/verifications', { items }, anon(client));
  const wrongNumbers = (count: number) =>
    Array.from({ length: count }, (_, i) => `10001-${String(500 + i).padStart(6, '0')}`);

  it('answers an empty findings list when nothing is wrong, with or without expect', async () => {
    const plain = await verify({ contractNumber: n, authKey: key });
    expect(plain.status).toBe(200);
    expect(plain.json.findings).toEqual([]);
    const matching = await verify({
      contractNumber: n,
      authKey: key,
      expect: {
        contractAmount: 50_000_000,
        guaranteeAmount: 20_000_000,
        advanceAmount: 20_000_000,
        worksNumber: '第12号',
        worksPeriodTo: '2027-03-19',
        contractDate: '2026-04-01',
      },
    });
    expect(matching.status).toBe(200);
    expect(matching.json.findings).toEqual([]);
    expect(matching.json.current.certificate.contractNumber).toBe(n);
  });

  it('reports every member of expect that differs, with code, field, Japanese message and both values', async () => {
    const res = await verify({
      contractNumber: n,
      authKey: key,
      expect: {
        contractAmount: 55_000_000,
        guaranteeAmount: 22_000_000,
        advanceAmount: 22_000_000,
        worksNumber: '第13号',
        worksPeriodTo: '2027-03-31',
        contractDate: '2026-04-02',
      },
    });
    expect(res.status).toBe(200);
    expect(res.json.findings.map((f: Record<string, unknown>) => [f.code, f.field, f.expected, f.actual])).toEqual([
      ['contract_amount_differs', 'contractAmount', 55_000_000, 50_000_000],
      ['guarantee_amount_differs', 'guaranteeAmount', 22_000_000, 20_000_000],
      ['advance_amount_differs', 'advanceAmount', 22_000_000, 20_000_000],
      ['works_number_differs', 'worksNumber', '第13号', '第12号'],
      ['contract_date_differs', 'contractDate', '2026-04-02', '2026-04-01'],
      ['works_period_differs', 'worksPeriodTo', '2027-03-31', '2027-03-19'],
    ]);
    for (const f of res.json.findings) expect(f.message).toMatch(/[一-龯]/);
    expect(res.json.findings[4].message).toContain('令和8年4月1日');
  });

  it('reports the certificate-only rules without expect: a 2% contract guarantee, a period ending before the works', async () => {
    const low = await publish(env, contractBody({ guaranteeAmount: 1_000_000 }));
    const res = await verify({ contractNumber: low.contractNumber, authKey: low.authKey });
    expect(res.json.findings).toEqual([
      {
        code: 'guarantee_below_minimum',
        field: 'guaranteeAmount',
        message: expect.stringContaining('10%'),
        expected: 5_000_000,
        actual: 1_000_000,
      },
    ]);
    // Exactly 10% is enough.
    const ten = await publish(env, contractBody({ guaranteeAmount: 5_000_000 }));
    expect((await verify({ contractNumber: ten.contractNumber, authKey: ten.authKey })).json.findings).toEqual([]);
    // The obligee's own minimum (its plausibility checks, DESIGN §4) is the one officers are shown.
    const put = await env.api('PUT', '/api/v1/obligees/mishima-city', {
      ...MISHIMA,
      checks: { minimumContractGuaranteeRatio: 30 },
    });
    expect(put.status).toBe(200);
    const thirty = await verify({ contractNumber: ten.contractNumber, authKey: ten.authKey });
    expect(thirty.json.findings).toMatchObject([
      { code: 'guarantee_below_minimum', message: expect.stringContaining('30%'), expected: 15_000_000 },
    ]);
    await env.api('PUT', '/api/v1/obligees/mishima-city', MISHIMA);
    const short = await publish(env, advanceBody({ guaranteePeriod: { from: '2026-04-02', to: '2027-03-18' } }));
    const ends = await verify({ contractNumber: short.contractNumber, authKey: short.authKey });
    expect(ends.json.findings).toMatchObject([
      { code: 'period_ends_before_works', field: 'worksPeriodTo', expected: '2027-03-19', actual: '2027-03-18' },
    ]);
    // The officer's own works end is the one compared when given.
    const extended = await verify({ contractNumber: n, authKey: key, expect: { worksPeriodTo: '2027-05-31' } });
    expect(extended.json.findings.map((f: { code: string }) => f.code)).toEqual([
      'works_period_differs',
      'period_ends_before_works',
    ]);
  });

  it('gives no finding for a member the certificate lacks', async () => {
    const { number: _n, ...works } = advanceBody().works as Record<string, unknown>;
    const bare = await publish(env, contractBody({ works }));
    const res = await verify({
      contractNumber: bare.contractNumber,
      authKey: bare.authKey,
      expect: { worksNumber: '第99号', advanceAmount: 1 },
    });
    expect(res.status).toBe(200);
    expect(res.json.findings).toEqual([]);
  });

  it('refuses an expect with unknown members or wrong types (422 validation_failed), counting no attempt', async () => {
    for (const bad of [
      { price: 1 },
      { contractAmount: '50000000' },
      { contractAmount: 1.5 },
      { worksPeriodTo: '2027/03/19' },
      { contractDate: 20260401 },
      [],
      'x',
    ]) {
      const res = await verify({ contractNumber: n, authKey: 'zzzzzzzzzzzz', expect: bad }, '203.0.113.55');
      expect(res.status, JSON.stringify(bad)).toBe(422);
      expect(res.json.error.code).toBe('validation_failed');
    }
    await env.ctx.recorder.flush();
    expect(await listAccessEvents(env.ctx.db)).toEqual([]);
  });

  it('verifies many at once: results in input order, a malformed number is no_match, details only when ok', async () => {
    const second = await publish(env, contractBody({ guaranteeAmount: 1_000_000 }));
    const res = await bulk([
      { contractNumber: second.contractNumber, authKey: second.authKey },
      { contractNumber: 'not a number', authKey: key },
      { contractNumber: n, authKey: 'zzzzzzzzzzzz' },
      { contractNumber: n.replace('-', ''), authKey: key, expect: { contractAmount: 60_000_000 } },
    ]);
    expect(res.status).toBe(200);
    expect(Object.keys(res.json)).toEqual(['results']);
    const [a, b, c, d] = res.json.results;
    expect(a).toMatchObject({ contractNumber: second.contractNumber, outcome: 'ok', status: 'active' });
    expect(a.findings.map((f: { code: string }) => f.code)).toEqual(['guarantee_below_minimum']);
    expect(a.current.certificate.guaranteeAmount).toBe(1_000_000);
    expect(b).toEqual({ contractNumber: 'not a number', outcome: 'no_match' });
    expect(c).toEqual({ contractNumber: n, outcome: 'no_match' });
    expect(d).toMatchObject({ contractNumber: n, outcome: 'ok', current: { seq: 1, event: 'issue' } });
    expect(d.findings).toMatchObject([{ code: 'contract_amount_differs', expected: 60_000_000, actual: 50_000_000 }]);
    expect(res.text).not.toContain(key);
  });

  it('takes 1–500 items: none, 501, or a malformed item is 422 and verifies nothing', async () => {
    const item = { contractNumber: n, authKey: key };
    expect((await bulk([])).status).toBe(422);
    const many = await bulk(Array.from({ length: 501 }, () => item));
    expect(many.status).toBe(422);
    expect(many.json.error.code).toBe('validation_failed');
    expect((await bulk([item, { ...item, expect: { contractAmount: -1 } }])).status).toBe(422);
    expect((await bulk([{ ...item, extra: 1 }])).status).toBe(422);
    expect((await env.api('POST', '/api/v1/verifications', { items: [item], more: 1 }, anon('1.2.3.4'))).status).toBe(
      422,
    );
    await env.ctx.recorder.flush();
    expect(await listAccessEvents(env.ctx.db)).toEqual([]);
    const full = await bulk(Array.from({ length: 500 }, () => item));
    expect(full.status).toBe(200);
    expect(full.json.results).toHaveLength(500);
  });

  it('throttles a bulk of 100 wrong keys exactly like 100 single attempts, with the same Retry-After', async () => {
    const numbers = wrongNumbers(100);
    const singles: string[] = [];
    for (const number of numbers) {
      const res = await verify({ contractNumber: number, authKey: 'zzzzzzzzzzzz' }, '198.51.100.1');
      singles.push(res.status === 401 ? 'no_match' : res.status === 429 ? 'throttled' : String(res.status));
    }
    const res = await bulk(
      numbers.map((number) => ({ contractNumber: number, authKey: 'zzzzzzzzzzzz' })),
      '198.51.100.2',
    );
    expect(res.status).toBe(200);
    const outcomes = res.json.results.map((r: { outcome: string }) => r.outcome);
    expect(outcomes).toEqual(singles);
    expect(outcomes.filter((o: string) => o === 'no_match')).toHaveLength(env.config.throttle.clientLimit);
    expect(outcomes.filter((o: string) => o === 'throttled')).toHaveLength(100 - env.config.throttle.clientLimit);
    // Afterwards both clients are throttled alike, even with the right key, until the same moment.
    env.setNow('2026-11-24T01:03:00.000Z');
    const afterSingles = await verify({ contractNumber: n, authKey: key }, '198.51.100.1');
    const afterBulk = await verify({ contractNumber: n, authKey: key }, '198.51.100.2');
    expect([afterSingles.status, afterBulk.status]).toEqual([429, 429]);
    expect(afterBulk.headers.get('retry-after')).toBe(afterSingles.headers.get('retry-after'));
    expect(Number(afterBulk.headers.get('retry-after'))).toBe(7 * 60);
    // A bulk from a client already throttled is answered 429 as a whole, with the same Retry-After.
    const again = await bulk([{ contractNumber: n, authKey: key }], '198.51.100.2');
    expect(again.status).toBe(429);
    expect(again.json.error.code).toBe('throttled');
    expect(again.headers.get('retry-after')).toBe(afterSingles.headers.get('retry-after'));
    // Both recorded the same attempts.
    await env.ctx.recorder.flush();
    const events = await listAccessEvents(env.ctx.db);
    const outcomesOf = (client: string) => events.filter((e) => e.client === client).map((e) => e.outcome);
    expect(outcomesOf('198.51.100.2')).toEqual(outcomesOf('198.51.100.1'));
    // When the window has passed, the bulk client verifies again.
    env.setNow('2026-11-24T01:10:01.000Z');
    expect((await bulk([{ contractNumber: n, authKey: key }], '198.51.100.2')).json.results[0].outcome).toBe('ok');
  });

  it('keeps reporting the other items after one number reaches its pair limit', async () => {
    const other = await publish(env);
    const items = [
      ...Array.from({ length: 7 }, () => ({ contractNumber: n, authKey: 'zzzzzzzzzzzz' })),
      { contractNumber: n, authKey: key },
      { contractNumber: other.contractNumber, authKey: other.authKey },
    ];
    const res = await bulk(items, '198.51.100.3');
    expect(res.status).toBe(200);
    expect(res.json.results.map((r: { outcome: string }) => r.outcome)).toEqual([
      ...Array<string>(5).fill('no_match'),
      'throttled',
      'throttled',
      'throttled',
      'ok',
    ]);
  });

  it('describes both in the OpenAPI document', async () => {
    const doc = (await env.api('GET', '/api/v1/openapi.json')).json;
    expect(doc.paths['/api/v1/verifications']?.post ?? doc.paths['/verifications']?.post).toBeDefined();
    const schemas = doc.components.schemas;
    expect(Object.keys(schemas.VerifyRequest.properties)).toContain('expect');
    expect(schemas.BulkVerifyRequest).toBeDefined();
    expect(JSON.stringify(schemas.Verification)).toContain('findings');
  });
});
