// The combined 前払金保証＋契約保証 application runs the plausibility rules on each guarantee's section, as a single
// application does: warnings are acknowledged with one reason on 申込確認 (each naming its guarantee) and shown to the
// approver before approval; an obligee's `enforce` rule is a 422 naming the field — through the real staff routes on
// SQLite and PostgreSQL.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, setup, snapshotCounts, type TestEnv } from '../support/harness.js';
import { MISHIMA, registerMishima } from '../support/fixtures.js';
import { loginAs, type Staff } from './support.js';

const textOf = (html: string) =>
  html
    .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');

/** Both sections plausible but two: the 契約保証 below 10%, the 前払金保証 ending before the works do. */
const WARNED_SET = {
  obligeeId: 'mishima-city',
  contractorName: '富士見建設株式会社',
  worksName: '市道大場線道路改良工事',
  contractDate: '2026-04-01',
  worksFrom: '2026-04-02',
  worksTo: '2027-03-19',
  contractAmount: '50,000,000',
  'advance_payment.guaranteeAmount': '20,000,000',
  'advance_payment.depositBank': '静岡中央銀行 三島支店',
  'advance_payment.guaranteeFrom': '2026-04-02',
  'advance_payment.guaranteeTo': '2027-02-26',
  'advance_payment.guaranteeDate': '2026-04-10',
  'contract.guaranteeAmount': '2,000,000',
  'contract.guaranteeFrom': '2026-04-02',
  'contract.guaranteeTo': '2027-03-19',
  'contract.guaranteeDate': '2026-04-10',
};
const ADVANCE_WARNING =
  '前払金保証：保証期間の終了日（令和9年2月26日）が工期の終了日（令和9年3月19日）より前で、工期を保証していません';
const CONTRACT_WARNING =
  '契約保証：契約保証の保証金額（2,000,000円）が請負代金額（50,000,000円）の10%（5,000,000円）に足りません';
const REASON = '発注者と協議済み。契約保証金は特記仕様書で4%、前払金保証は年度末で更新';

describeEachDatabase('plausibility on the combined application', (kind) => {
  let env: TestEnv;
  let clerk: Staff;
  let approver: Staff;
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    const numazu = { ...MISHIMA, name: '沼津市', title: '沼津市長', checks: { enforce: true } };
    const res = await env.api('PUT', '/api/v1/obligees/numazu-city', numazu);
    if (res.status !== 200) throw new Error(res.text);
    clerk = await loginAs(env, 'clerk@set.jp', 'clerk');
    approver = await loginAs(env, 'approver@set.jp', 'approver');
  });
  afterAll(async () => env?.close());

  const later = (ms = 1000) => env.setNow(new Date(env.now().getTime() + ms).toISOString());

  it('asks on 申込確認 for one reason for every warning, each naming its guarantee', async () => {
    const confirm = await clerk.post('/admin/applications', { ...WARNED_SET, step: 'confirm' });
    expect(confirm.status).toBe(200);
    const text = textOf(confirm.html);
    expect(text).toContain('確認が必要な点（妥当性チェック）');
    expect(text).toContain(ADVANCE_WARNING);
    expect(text).toContain(CONTRACT_WARNING);
    expect(confirm.html).toContain('name="plausibilityReason"');

    // Sent without a reason: 申込確認 again with the reason asked for, nothing filed.
    const before = await snapshotCounts(env);
    const bare = await clerk.post('/admin/applications', { ...WARNED_SET, step: 'submit' });
    expect(bare.status).toBe(422);
    expect(bare.html).toContain('このまま申し込む理由を入力してください');
    expect(textOf(bare.html)).toContain(CONTRACT_WARNING);
    expect(await snapshotCounts(env)).toEqual(before);
  });

  it('files the application with the acknowledgement and shows it to the approver before approval', async () => {
    later();
    const sent = await clerk.post('/admin/applications', { ...WARNED_SET, step: 'submit', plausibilityReason: REASON });
    expect(sent.status).toBe(303);
    const id = /\/admin\/applications\/([0-9a-f-]{36})\/sent/.exec(sent.headers.get('location') ?? '')![1]!;
    const stored = JSON.parse(
      (await env.ctx.db.selectFrom('staff_drafts').select('body').where('id', '=', id).executeTakeFirstOrThrow()).body,
    );
    expect(stored.guarantees).toHaveLength(2);
    expect(stored.plausibilityAcknowledgement.reason).toBe(REASON);
    expect(
      stored.plausibilityAcknowledgement.warnings.map(
        (w: { product: string; code: string }) => `${w.product}:${w.code}`,
      ),
    ).toEqual(['advance_payment:guarantee_period_short', 'contract:contract_guarantee_below_minimum']);

    const review = await approver.get(`/admin/drafts/${id}`);
    const panel = /<section class="panel warning-panel"[\s\S]*?<\/section>/.exec(review.html)?.[0] ?? '';
    expect(textOf(panel)).toContain(ADVANCE_WARNING);
    expect(textOf(panel)).toContain(CONTRACT_WARNING);
    expect(textOf(panel)).toContain(`申込者の理由：${REASON}`);
    expect(review.html.indexOf('warning-panel')).toBeLessThan(review.html.indexOf(`/admin/drafts/${id}/approve`));

    later();
    expect((await approver.post(`/admin/drafts/${id}/approve`)).status).toBe(303);
    const result = await env.ctx.db
      .selectFrom('staff_drafts')
      .select('result')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(result.result ?? '{}').contractNumbers).toHaveLength(2);
  });

  it('refuses with 422 naming the field where the obligee enforces its rules, filing nothing', async () => {
    const before = await snapshotCounts(env);
    for (const step of ['confirm', 'submit']) {
      const res = await clerk.post('/admin/applications', {
        ...WARNED_SET,
        obligeeId: 'numazu-city',
        step,
        plausibilityReason: REASON,
      });
      expect(res.status).toBe(422);
      expect(res.html).toMatch(
        /id="f-contract\.guaranteeAmount-error"><p class="field-error">契約保証の保証金額（2,000,000円）が請負代金額（50,000,000円）の10%（5,000,000円）に足りません/,
      );
      expect(res.html).toMatch(/id="f-advance_payment\.guaranteeTo-error"><p class="field-error">保証期間の終了日/);
    }
    expect(await snapshotCounts(env)).toEqual(before);
  });
});
