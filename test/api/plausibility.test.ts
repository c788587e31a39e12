// Plausibility and the intermediate advance's link through the issuer API (DESIGN §4, issue 16 items 5 and 6):
// breaches are published with `warnings` unless the obligee enforces its checks; a wrong link is a 422 naming the
// field; the contractor's contact is kept for staff and never signed or shown to an officer.
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { MISHIMA, advanceBody, contractBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, snapshotCounts, type TestEnv } from '../support/harness.js';

const intermediate = (related: string, overrides: Record<string, unknown> = {}) =>
  advanceBody({
    product: 'intermediate_advance_payment',
    relatedContractNumber: related,
    guaranteeAmount: 10_000_000,
    advanceAmount: 10_000_000,
    ...overrides,
  });

describeEachDatabase('plausibility rules on publication', (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
  });
  afterEach(async () => env.close());

  it('publishes a plausible guarantee with an empty warnings array (exactly 10% and 40%)', async () => {
    for (const body of [contractBody(), advanceBody()]) {
      const res = await env.api('POST', '/api/v1/sureties', body);
      expect(res.status).toBe(201);
      expect(res.json.warnings).toEqual([]);
    }
  });

  it('publishes a contract guarantee below 10% with a warning naming the field, in plain Japanese', async () => {
    const res = await env.api('POST', '/api/v1/sureties', contractBody({ guaranteeAmount: 4_999_999 }));
    expect(res.status).toBe(201);
    expect(res.json.warnings).toEqual([
      {
        code: 'contract_guarantee_below_minimum',
        field: 'guaranteeAmount',
        message: '契約保証の保証金額（4,999,999円）が請負代金額（50,000,000円）の10%（5,000,000円）に足りません',
      },
    ]);
    // The same answer again under the same Idempotency-Key, warnings included.
    const key = { 'Idempotency-Key': 'w-1' };
    const first = await env.api('POST', '/api/v1/sureties', contractBody({ guaranteeAmount: 1_000_000 }), key);
    const again = await env.api('POST', '/api/v1/sureties', contractBody({ guaranteeAmount: 1_000_000 }), key);
    expect(again.json.contractNumber).toBe(first.json.contractNumber);
    expect(again.json.warnings).toEqual(first.json.warnings);
    expect(again.json.warnings).toHaveLength(1);
  });

  it('refuses every breach at once with 422 naming the fields where the obligee enforces, writing nothing', async () => {
    const put = await env.api('PUT', '/api/v1/obligees/mishima-city', {
      ...MISHIMA,
      checks: { minimumContractGuaranteeRatio: 30, enforce: true },
    });
    expect(put.status).toBe(200);
    expect(put.json.checks).toEqual({ minimumContractGuaranteeRatio: 30, enforce: true });
    const before = await snapshotCounts(env);
    const res = await env.api(
      'POST',
      '/api/v1/sureties',
      contractBody({ guaranteeAmount: 14_999_999, guaranteeDate: '2026-03-31' }),
    );
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('validation_failed');
    expect(res.json.error.issues.map((i: { path: string }) => i.path)).toEqual(['guaranteeAmount', 'guaranteeDate']);
    expect(res.json.error.issues[1].message).toBe(
      '保証契約締結日（令和8年3月31日）が請負契約締結日（令和8年4月1日）より前です',
    );
    expect(await snapshotCounts(env)).toEqual(before);
    expect((await env.api('POST', '/api/v1/sureties', contractBody({ guaranteeAmount: 15_000_000 }))).status).toBe(201);
  });

  it('links an intermediate advance to its advance: 20% alone and 60% together, warned above', async () => {
    const advance = await publish(env, advanceBody());
    const ok = await env.api('POST', '/api/v1/sureties', intermediate(advance.contractNumber));
    expect(ok.status).toBe(201);
    expect(ok.json.warnings).toEqual([]);
    expect(decodeJwt(ok.json.version.jws).certificate).toMatchObject({
      relatedContractNumber: advance.contractNumber,
    });
    const over = await env.api(
      'POST',
      '/api/v1/sureties',
      intermediate(advance.contractNumber, { guaranteeAmount: 10_000_001, advanceAmount: 10_000_001 }),
    );
    expect(over.status).toBe(201);
    expect(over.json.warnings.map((w: { code: string }) => w.code)).toEqual([
      'intermediate_advance_above_limit',
      'combined_advance_above_limit',
    ]);
  });

  it('refuses an intermediate advance whose 前払金保証 is missing, unknown, of another product, obligee or works', async () => {
    const advance = await publish(env, advanceBody());
    const contract = await publish(env, contractBody());
    await env.api('PUT', '/api/v1/obligees/numazu-city', { ...MISHIMA, name: '沼津市', title: '沼津市長' });
    const elsewhere = await publish(env, advanceBody({ obligeeId: 'numazu-city' }));
    const cases: [Record<string, unknown>, string][] = [
      [{ relatedContractNumber: undefined }, '中間前払金保証には、元の前払金保証の保証契約番号を入力してください'],
      [{ relatedContractNumber: '10001-999999' }, '保証契約番号 10001-999999 の前払金保証は登録されていません'],
      [
        { relatedContractNumber: contract.contractNumber },
        `保証契約番号 ${contract.contractNumber} は前払金保証ではありません`,
      ],
      [
        { relatedContractNumber: elsewhere.contractNumber },
        `保証契約番号 ${elsewhere.contractNumber} の前払金保証は発注者が異なります（沼津市）`,
      ],
      [
        { works: { ...(advanceBody().works as object), number: '第13号' } },
        `保証契約番号 ${advance.contractNumber} の前払金保証は工事が異なります（市道大場線道路改良工事（第12号））`,
      ],
    ];
    const before = await snapshotCounts(env);
    for (const [overrides, message] of cases) {
      const res = await env.api('POST', '/api/v1/sureties', intermediate(advance.contractNumber, overrides));
      expect(res.status, message).toBe(422);
      expect(res.json.error.code).toBe('validation_failed');
      expect(res.json.error.issues).toEqual([{ path: 'relatedContractNumber', message }]);
    }
    expect(await snapshotCounts(env)).toEqual(before);
  });

  it('keeps the contractor contact for staff: in the issuer API, never in the JWS or on the officer page', async () => {
    const contact = { department: '工務部 積算課', name: '三島 花子', phone: '055-983-2600' };
    const res = await env.api('POST', '/api/v1/sureties', advanceBody({ contractorContact: contact }));
    expect(res.status).toBe(201);
    const jws: string = res.json.version.jws;
    const payloadText = Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8');
    for (const secret of Object.values(contact)) expect(payloadText).not.toContain(secret);
    const got = await env.api('GET', `/api/v1/sureties/${res.json.contractNumber}`);
    expect(got.json.contractorContact).toEqual(contact);
    expect(JSON.stringify(got.json.current)).not.toContain('三島 花子');

    const verify = await env.app.request('/verify', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://localhost:3000',
        'x-forwarded-for': '203.0.113.20',
      },
      body: new URLSearchParams({ contractNumber: res.json.contractNumber, authKey: res.json.authKey }).toString(),
    });
    const grant = (verify.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const page = await env.app.request(`/certificates/${res.json.contractNumber}`, { headers: { cookie: grant } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('市道大場線道路改良工事');
    for (const secret of Object.values(contact)) expect(html).not.toContain(secret);
  });
});
