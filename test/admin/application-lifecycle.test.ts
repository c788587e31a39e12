// The clerk's application lifecycle through the real staff routes: send-back with the approver's reason, correction
// and resubmission of the same application with its history, 下書き, 取り下げ, the combined 前払金保証＋契約保証 申込
// (申込確認 → 送信完了 → both published at once or neither), and a form that survives a session expiry.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase, setup, snapshotCounts, type TestEnv } from '../support/harness.js';
import { registerMishima } from '../support/fixtures.js';
import { totpAt } from '../../src/security/totp.js';
import { csrfOf, loginAs, PASSWORD, request, type Staff } from './support.js';

const ADVANCE_FORM = {
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

/** The combined form: works and contractor once, each guarantee under its product's prefix. */
const SET_FORM = {
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
  'advance_payment.guaranteeTo': '2027-04-30',
  'advance_payment.guaranteeDate': '2026-04-10',
  'contract.guaranteeAmount': '5,000,000',
  'contract.guaranteeFrom': '2026-04-02',
  'contract.guaranteeTo': '2027-03-19',
  'contract.guaranteeDate': '2026-04-10',
};

describeEachDatabase('the clerk’s application lifecycle', (kind) => {
  let env: TestEnv;
  let clerk: Staff;
  let otherClerk: Staff;
  let approver: Staff;
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    clerk = await loginAs(env, 'clerk@example.jp', 'clerk');
    otherClerk = await loginAs(env, 'clerk2@example.jp', 'clerk');
    approver = await loginAs(env, 'approver@example.jp', 'approver');
  });
  afterAll(async () => env?.close());

  const newest = async () =>
    env.ctx.db
      .selectFrom('staff_drafts')
      .selectAll()
      .orderBy('drafted_at', 'desc')
      .orderBy('id')
      .executeTakeFirstOrThrow();
  const statusOf = async (id: string) =>
    (await env.ctx.db.selectFrom('staff_drafts').select('status').where('id', '=', id).executeTakeFirstOrThrow())
      .status;
  const steps = async (id: string) =>
    (
      await env.ctx.db
        .selectFrom('staff_draft_steps')
        .select(['step', 'reason'])
        .where('draft_id', '=', id)
        .orderBy('seq')
        .execute()
    ).map((s) => (s.reason ? `${s.step}:${s.reason}` : s.step));
  const later = (ms = 1000) => env.setNow(new Date(env.now().getTime() + ms).toISOString());

  it('refuses a send-back without a reason, changing nothing, and shows the reason to the clerk as the approver’s words', async () => {
    expect((await clerk.post('/admin/drafts/new?product=advance_payment', ADVANCE_FORM)).status).toBe(303);
    const { id } = await newest();
    const before = await snapshotCounts(env);
    const empty = await approver.post(`/admin/drafts/${id}/reject`, { reason: '   ' });
    expect(empty.status).toBe(422);
    expect(empty.html).toContain('差戻しの理由を入力してください');
    expect(await statusOf(id)).toBe('pending');
    expect(await snapshotCounts(env)).toEqual(before);

    later();
    const reason = '保証期間の終了日が工期の終了日より前です。確認してください。';
    expect((await approver.post(`/admin/drafts/${id}/reject`, { reason })).status).toBe(303);
    const page = await clerk.get(`/admin/drafts/${id}`);
    expect(page.html).toContain('承認者から差し戻されました');
    expect(page.html).toContain(reason);
    expect(page.html).toContain('approver@example.jp');
    expect(page.html).not.toContain('前回の発行で次のエラーになりました');
    expect(page.html).toContain(`/admin/drafts/${id}/edit`);

    const top = await clerk.get('/admin');
    expect(top.html).toContain('差戻しされた申込（1件）');
    expect(top.html).toContain(`/admin/drafts/${id}`);
    expect(top.html).toContain(reason);
    // Another clerk's top page does not list it.
    expect((await otherClerk.get('/admin')).html).not.toContain('差戻しされた申込');
  });

  it('lets the clerk correct and resubmit the same application, keeps the round trips, and holds four-eyes', async () => {
    const { id } = await newest();
    const edit = await clerk.get(`/admin/drafts/${id}/edit`);
    expect(edit.status).toBe(200);
    expect(edit.html).toContain('value="市道大場線道路改良工事"');
    expect(edit.html).toContain(`name="applicationId" value="${id}"`);
    expect((await otherClerk.get(`/admin/drafts/${id}/edit`)).status).toBe(403);

    later();
    const resubmit = await clerk.post('/admin/drafts/new?product=advance_payment', {
      ...ADVANCE_FORM,
      guaranteeTo: '2027-05-31',
      applicationId: id,
    });
    expect(resubmit.status).toBe(303);
    expect((await newest()).id).toBe(id);
    expect(await statusOf(id)).toBe('pending');
    expect(
      Number(
        (
          await env.ctx.db
            .selectFrom('staff_drafts')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    ).toBe(1);

    // The clerk cannot approve (not an approver), and an approver must not be the clerk: the route refuses a clerk.
    expect((await clerk.post(`/admin/drafts/${id}/approve`)).status).toBe(403);
    later();
    expect((await approver.post(`/admin/drafts/${id}/approve`)).status).toBe(303);
    expect(await steps(id)).toEqual([
      'submitted',
      'sent_back:保証期間の終了日が工期の終了日より前です。確認してください。',
      'resubmitted',
      'approved',
    ]);
    const page = await clerk.get(`/admin/drafts/${id}`);
    expect(page.html).toContain('申込の経過');
    expect(page.html).toMatch(/申込[\s\S]*差戻し[\s\S]*再申込[\s\S]*承認・発行/);
    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', 'in', ['draft.create', 'draft.reject', 'draft.resubmit', 'draft.published'])
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['draft.create', 'draft.reject', 'draft.resubmit', 'draft.published']);
    // A published application can no longer be edited.
    expect((await clerk.get(`/admin/drafts/${id}/edit`)).status).toBe(409);
  });

  it('saves a 下書き that approvers do not see, and submits it later as the same application', async () => {
    later();
    const saved = await clerk.post('/admin/drafts/new?product=advance_payment', {
      ...ADVANCE_FORM,
      worksName: '',
      step: 'save',
    });
    expect(saved.status).toBe(303);
    const { id, status } = await newest();
    expect(status).toBe('draft');
    expect((await approver.get('/admin/drafts')).html).not.toContain(id);
    expect((await approver.get(`/admin/drafts/${id}`)).status).toBe(404);
    expect((await otherClerk.get(`/admin/drafts/${id}`)).status).toBe(404);
    expect((await clerk.get('/admin')).html).toContain('下書き（1件）');

    // Submitting it checks it as approval will: the empty 工事名 is refused, the 下書き stays.
    const refused = await clerk.post('/admin/drafts/new?product=advance_payment', {
      ...ADVANCE_FORM,
      worksName: '',
      applicationId: id,
    });
    expect(refused.status).toBe(422);
    expect(await statusOf(id)).toBe('draft');
    later();
    expect(
      (await clerk.post('/admin/drafts/new?product=advance_payment', { ...ADVANCE_FORM, applicationId: id })).status,
    ).toBe(303);
    expect(await statusOf(id)).toBe('pending');
    expect(await steps(id)).toEqual(['saved', 'submitted']);
  });

  it('withdraws only the clerk’s own application not yet approved, audited', async () => {
    const { id } = await newest();
    expect((await otherClerk.post(`/admin/drafts/${id}/withdraw`)).status).toBe(403);
    expect(await statusOf(id)).toBe('pending');
    later();
    expect((await clerk.post(`/admin/drafts/${id}/withdraw`)).status).toBe(303);
    expect(await statusOf(id)).toBe('withdrawn');
    expect((await steps(id)).at(-1)).toBe('withdrawn');
    // A 下書き can be withdrawn too; a withdrawn one cannot be withdrawn again.
    later();
    await clerk.post('/admin/drafts/new?product=advance_payment', { ...ADVANCE_FORM, step: 'save' });
    const draft = await newest();
    expect((await clerk.post(`/admin/drafts/${draft.id}/withdraw`)).status).toBe(303);
    expect(await statusOf(draft.id)).toBe('withdrawn');
    expect((await clerk.post(`/admin/drafts/${id}/withdraw`)).status).toBe(409);
  });

  it('takes one 申込 for both guarantees: 申込確認 reads back the values, 送信完了, and approval publishes both', async () => {
    const confirm = await clerk.post('/admin/applications', { ...SET_FORM, step: 'confirm' });
    expect(confirm.status).toBe(200);
    expect(confirm.html).toContain('申込確認');
    expect(confirm.html).toContain('20,000,000円');
    expect(confirm.html).toContain('5,000,000円');
    expect(confirm.html).toContain('令和8年4月10日');
    expect(confirm.html).toContain('前払金保証の内容');
    expect(confirm.html).toContain('契約保証の内容');
    // Nothing is stored before 送信.
    expect((await newest()).kind).not.toBe('issue_set');

    later();
    const sent = await clerk.post('/admin/applications', { ...SET_FORM, step: 'submit' });
    expect(sent.status).toBe(303);
    const { id, kind: draftKind } = await newest();
    expect(draftKind).toBe('issue_set');
    expect(sent.headers.get('location')).toBe(`/admin/applications/${id}/sent`);
    const done = await clerk.get(`/admin/applications/${id}/sent`);
    expect(done.html).toContain('送信完了');
    expect(done.html).toContain(id);

    const review = await approver.get(`/admin/drafts/${id}`);
    expect(review.html).toContain('前払金保証の内容');
    expect(review.html).toContain('契約保証の内容');
    const before = Number(
      (
        await env.ctx.db
          .selectFrom('sureties')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    later();
    expect((await approver.post(`/admin/drafts/${id}/approve`)).status).toBe(303);
    const published = await env.ctx.db
      .selectFrom('sureties')
      .select(['contract_number', 'product', 'works_name'])
      .orderBy('created_at')
      .execute();
    expect(published.length).toBe(before + 2);
    expect(published.slice(-2).map((s) => s.product)).toEqual(['advance_payment', 'contract']);
    const page = await approver.get(`/admin/drafts/${id}`);
    for (const s of published.slice(-2)) expect(page.html).toContain(s.contract_number);
  });

  it('publishes neither guarantee when one fails at approval, and tells the approver which and why', async () => {
    later();
    await clerk.post('/admin/applications', { ...SET_FORM, step: 'submit' });
    const { id, body } = await newest();
    // After submission the contract guarantee's obligee is no longer registered (found only inside the publishing
    // transaction, after the 前払金保証 was written there): approval must leave both unpublished.
    const parsed = JSON.parse(body) as { guarantees: Record<string, unknown>[] };
    (parsed.guarantees[1] as Record<string, unknown>).obligeeId = 'numazu-city';
    await env.ctx.db
      .updateTable('staff_drafts')
      .set({ body: JSON.stringify(parsed) })
      .where('id', '=', id)
      .execute();
    const count = async () =>
      Number(
        (
          await env.ctx.db
            .selectFrom('sureties')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    later();
    const res = await approver.post(`/admin/drafts/${id}/approve`);
    expect(res.status).toBe(422);
    expect(res.html).toContain('契約保証: ');
    expect(res.html).toContain('numazu-city');
    expect(await count()).toBe(before);
    expect(await statusOf(id)).toBe('pending');
  });

  it('keeps a form posted after the session expired for its account only, and gives it back after logging in', async () => {
    // A fresh clerk whose session runs out while filling in the combined form.
    const late = await loginAs(env, 'late@example.jp', 'clerk');
    env.setNow(new Date(env.now().getTime() + 31 * 60_000).toISOString());
    const expired = await late.post('/admin/applications', { ...SET_FORM, password: PASSWORD, step: 'confirm' });
    expect(expired.status).toBe(401);
    expect(expired.html).toContain('入力途中の申込は保存してあります');
    const kept = await env.ctx.db.selectFrom('staff_form_stash').selectAll().executeTakeFirstOrThrow();
    expect(kept.fields_jwe).not.toContain('富士見建設');
    const stored = JSON.parse(await env.ctx.vault.decrypt(kept.fields_jwe)) as Record<string, string>;
    expect(stored.worksName).toBe('市道大場線道路改良工事');
    expect(Object.keys(stored)).not.toContain('password');
    expect(Object.keys(stored)).not.toContain('_csrf');

    // Someone else logging in gets nothing back.
    const other = await loginAs(env, 'clerk2@example.jp', 'clerk', { secret: otherClerk.secret });
    expect((await other.get('/admin/applications/new?restore=1')).html).not.toContain('市道大場線道路改良工事');

    // The clerk logs in again: the second factor leads back to the filled form.
    const login = await request(env, 'POST', '/admin/login', null, { email: 'late@example.jp', password: PASSWORD });
    const mfa = await request(env, 'GET', '/admin/mfa', login.cookie);
    later(30_000);
    const done = await request(env, 'POST', '/admin/mfa', login.cookie, {
      code: totpAt(late.secret, env.now().getTime()),
      _csrf: csrfOf(mfa.html),
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/admin/applications/new?restore=1');
    const back = await request(env, 'GET', '/admin/applications/new?restore=1', done.cookie);
    expect(back.html).toContain('入力途中の内容を復元しました');
    expect(back.html).toContain('value="市道大場線道路改良工事"');
    expect(back.html).toContain('value="5,000,000"');
    // Handed back once.
    expect(await env.ctx.db.selectFrom('staff_form_stash').selectAll().execute()).toEqual([]);
  });
});
