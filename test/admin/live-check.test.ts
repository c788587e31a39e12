// The 申込 form's live eligibility check (POST /admin/drafts/check): the obligee-rule verdict for what has been
// entered so far, as JSON for the form's script; it writes nothing, and the form itself still works without it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, snapshotCounts, type TestEnv } from '../support/harness.js';
import { loginAs, type Staff } from './support.js';

const FULL = {
  product: 'advance_payment',
  obligeeId: 'mishima-city',
  contractorName: '富士見建設株式会社',
  worksName: '市道大場線道路改良工事',
  contractDate: '2026-04-01',
  worksFrom: '2026-04-02',
  worksTo: '2027-03-19',
  contractAmount: '50,000,000',
  guaranteeAmount: '20,000,000',
  depositBank: '静岡中央銀行 三島支店',
  guaranteeFrom: '2026-04-02',
  guaranteeTo: '2027-04-30',
  guaranteeDate: '2026-04-10',
};

describeEachDatabase('申込: live eligibility check', (kind) => {
  let env: TestEnv;
  let clerk: Staff;
  let approver: Staff;
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    // 沼津市 accepts 契約保証 only, judged on the bid date.
    const numazu = {
      name: '沼津市',
      rules: [{ products: ['contract'], basis: 'bid_date', effectiveFrom: '2026-04-01' }],
    };
    expect((await env.api('PUT', '/api/v1/obligees/numazu-city', numazu)).status).toBe(200);
    clerk = await loginAs(env, 'clerk@live.jp', 'clerk');
    approver = await loginAs(env, 'approver@live.jp', 'approver');
  });
  afterAll(async () => env?.close());

  const check = async (fields: Record<string, string>, who: Staff = clerk) => {
    const res = await who.post('/admin/drafts/check', fields);
    return { status: res.status, type: res.headers.get('content-type'), body: res.html };
  };
  const verdict = async (fields: Record<string, string>) => {
    const res = await check(fields);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    return (JSON.parse(res.body) as { obligee: string | null }).obligee;
  };

  it('names the rule a basis date breaks as soon as that date is entered, before anything else is filled in', async () => {
    expect(await verdict({ product: 'advance_payment', obligeeId: 'mishima-city', contractDate: '2025-12-01' })).toBe(
      '三島市の電子保証は請負契約締結日が令和8年1月1日以降の案件が対象です（この申込の請負契約締結日は令和7年12月1日）',
    );
    // Not entered yet, or a date that passes: nothing to say.
    expect(await verdict({ product: 'advance_payment', obligeeId: 'mishima-city' })).toBeNull();
    expect(
      await verdict({ product: 'advance_payment', obligeeId: 'mishima-city', contractDate: '2026-04-01' }),
    ).toBeNull();
  });

  it('judges a complete form exactly as the submission does', async () => {
    expect(await verdict(FULL)).toBeNull();
    expect(await verdict({ ...FULL, contractDate: '2025-12-01' })).toContain('令和8年1月1日以降の案件が対象です');
  });

  it('says at once when the obligee does not accept the product, or is not registered', async () => {
    expect(await verdict({ product: 'advance_payment', obligeeId: 'numazu-city' })).toBe(
      '沼津市は前払金保証の電子保証を受け付けていません',
    );
    expect(await verdict({ product: 'contract', obligeeId: 'numazu-city', bidDate: '2026-03-31' })).toContain(
      '沼津市の電子保証は入札日が令和8年4月1日以降の案件が対象です',
    );
    expect(await verdict({ product: 'contract', obligeeId: 'atami-city' })).toBe(
      '登録されていない発注者です（atami-city）',
    );
  });

  it('writes nothing, is for clerks only, and needs the session’s CSRF token', async () => {
    const before = await snapshotCounts(env);
    await verdict({ ...FULL, contractDate: '2025-12-01' });
    expect(await snapshotCounts(env)).toEqual(before);
    expect(await env.ctx.db.selectFrom('staff_drafts').select('id').execute()).toHaveLength(0);
    expect((await check(FULL, approver)).status).toBe(403);
    const noToken = await clerk.post('/admin/drafts/check', { ...FULL, _csrf: 'forged' });
    expect(noToken.status).toBe(403);
  });

  it('renders the form with the live region next to 発注者 and the script that fills it', async () => {
    const form = await clerk.get('/admin/drafts/new?product=advance_payment');
    expect(form.html).toContain('data-live-check="/admin/drafts/check"');
    expect(form.html).toMatch(/aria-describedby="f-obligeeId-live"/);
    expect(form.html).toContain('<div id="f-obligeeId-live" aria-live="polite"></div>');
    expect(form.html).toContain('三島市（前払金保証・中間前払金保証・契約保証：請負契約締結日が令和8年1月1日以降）');
    expect(form.html).toMatch(/<script nonce="[^"]+">[^<]*form\[data-live-check\]/);
    // The page's CSP allows the script to call back its own origin, and nothing else.
    expect(form.headers.get('content-security-policy')).toContain("connect-src 'self'");
  });
});
