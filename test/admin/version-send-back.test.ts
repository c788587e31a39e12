// A sent-back 変更 / 訂正 / 変更取消 / 取消 is corrected and resubmitted as the same application, as a 新規 is: the
// round trips kept, four-eyes held, each step audited, withdrawal possible — through the real staff routes on a
// really migrated database (SQLite and PostgreSQL).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { flatten } from '../../src/services/staff/certificate-form.js';
import { getSurety } from '../../src/services/get-surety.js';
import { currentVersion } from '../../src/domain/history.js';
import { describeEachDatabase, setup, snapshotCounts, type TestEnv } from '../support/harness.js';
import { contractBody, publish, registerMishima } from '../support/fixtures.js';
import { loginAs, type Staff } from './support.js';

const textOf = (html: string) =>
  html
    .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');

describeEachDatabase('send-back of version applications', (kind) => {
  let env: TestEnv;
  let clerk: Staff;
  let otherClerk: Staff;
  let approver: Staff;
  let n: string;
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    clerk = await loginAs(env, 'clerk@sendback.jp', 'clerk');
    otherClerk = await loginAs(env, 'clerk2@sendback.jp', 'clerk');
    approver = await loginAs(env, 'approver@sendback.jp', 'approver');
    n = (await publish(env, contractBody())).contractNumber;
  });
  afterAll(async () => env?.close());

  const later = (ms = 1000) => env.setNow(new Date(env.now().getTime() + ms).toISOString());
  /** Every input of the guarantee's action form, as the page fills it from the current version. */
  const currentFields = async () =>
    flatten(currentVersion((await getSurety(env.ctx, n)).versions).certificate as unknown as Record<string, unknown>);
  const newest = async () =>
    env.ctx.db
      .selectFrom('staff_drafts')
      .selectAll()
      .orderBy('drafted_at', 'desc')
      .orderBy('id')
      .executeTakeFirstOrThrow();
  const draftCount = async () =>
    Number(
      (
        await env.ctx.db
          .selectFrom('staff_drafts')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const steps = async (id: string) =>
    (
      await env.ctx.db
        .selectFrom('staff_draft_steps')
        .select(['step', 'reason'])
        .where('draft_id', '=', id)
        .orderBy('seq')
        .execute()
    ).map((s) => (s.reason ? `${s.step}:${s.reason}` : s.step));

  it('lets the clerk correct a sent-back 変更 and resubmit it as the same application, published as corrected', async () => {
    const fields = await currentFields();
    const filed = await clerk.post(`/admin/sureties/${n}/actions/change`, {
      ...fields,
      guaranteeAmount: '6,000,000',
      reason: '契約変更による増額',
    });
    expect(filed.status).toBe(303);
    const { id } = await newest();
    const before = await draftCount();

    later();
    const reason = '保証金額は 7,000,000円 の誤りではありませんか。契約変更書を確認してください。';
    expect((await approver.post(`/admin/drafts/${id}/reject`, { reason })).status).toBe(303);

    // The clerk reads the approver's words on 全体トップ and on the application, with a way to correct it.
    const top = textOf((await clerk.get('/admin')).html);
    expect(top).toContain('差戻しされた申込（1件）');
    expect(top).toContain(reason);
    const shown = await clerk.get(`/admin/drafts/${id}`);
    expect(shown.html).toContain('承認者から差し戻されました');
    expect(shown.html).toContain(`/admin/drafts/${id}/edit`);

    // The edit form is the guarantee's 変更 form, filled with what the application asked for.
    const edit = await clerk.get(`/admin/drafts/${id}/edit`);
    expect(edit.status).toBe(200);
    expect(edit.html).toContain(`action="/admin/sureties/${n}/actions/change"`);
    expect(edit.html).toContain(`name="applicationId" value="${id}"`);
    expect(edit.html).toContain('name="guaranteeAmount" type="text" value="6000000"');
    expect(edit.html).toContain('契約変更による増額');
    // No empty 請負者メールアドレス input that a 変更 would silently ignore: the page says where the address changes.
    expect(edit.html).not.toContain('name="contractorEmail"');
    expect(edit.html).not.toContain('name="contactPhone"');
    expect(textOf(edit.html)).toContain(
      `この申込では通知先メールアドレスと請負者の担当者連絡先は変わりません。通知先の変更は発行システムの通知先変更（API: PUT /api/v1/sureties/${n}/contractor-email）で行います。`,
    );
    expect((await otherClerk.get(`/admin/drafts/${id}/edit`)).status).toBe(403);
    expect((await approver.get(`/admin/drafts/${id}/edit`)).status).toBe(403);

    // Bad input on the resubmission: a clear error, nothing changed.
    const counts = await snapshotCounts(env);
    const bad = await clerk.post(`/admin/sureties/${n}/actions/change`, {
      ...fields,
      guaranteeAmount: '七百万',
      reason: '契約変更による増額',
      applicationId: id,
    });
    expect(bad.status).toBe(422);
    expect(bad.html).toContain(`name="applicationId" value="${id}"`);
    expect(await snapshotCounts(env)).toEqual(counts);
    expect((await newest()).status).toBe('rejected');

    later();
    const resubmit = await clerk.post(`/admin/sureties/${n}/actions/change`, {
      ...fields,
      guaranteeAmount: '7,000,000',
      reason: '契約変更による増額',
      applicationId: id,
    });
    expect(resubmit.status).toBe(303);
    expect(resubmit.headers.get('location')).toBe(`/admin/drafts/${id}?flash=draft.created`);
    expect(await draftCount()).toBe(before);
    const stored = await newest();
    expect(stored.id).toBe(id);
    expect(stored.status).toBe('pending');
    expect(JSON.parse(stored.body)).toMatchObject({ event: 'change', changes: { guaranteeAmount: 7_000_000 } });

    // The approver reviews the corrected amount; the clerk cannot approve their own.
    const review = textOf((await approver.get(`/admin/drafts/${id}`)).html);
    expect(review).toContain('保証金額 5,000,000円 7,000,000円');
    expect((await clerk.post(`/admin/drafts/${id}/approve`)).status).toBe(403);
    later();
    expect((await approver.post(`/admin/drafts/${id}/approve`)).status).toBe(303);
    const state = await getSurety(env.ctx, n);
    expect(currentVersion(state.versions).certificate.guaranteeAmount).toBe(7_000_000);
    expect(state.versions).toHaveLength(2);

    expect(await steps(id)).toEqual(['submitted', `sent_back:${reason}`, 'resubmitted', 'approved']);
    const page = textOf((await clerk.get(`/admin/drafts/${id}`)).html);
    expect(page).toMatch(/申込の経過.*申込.*差戻し.*再申込.*承認・発行/);
    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', 'in', ['draft.create', 'draft.reject', 'draft.resubmit', 'draft.published'])
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['draft.create', 'draft.reject', 'draft.resubmit', 'draft.published']);
    expect((await clerk.get(`/admin/drafts/${id}/edit`)).status).toBe(409);
  });

  it('resubmits a sent-back 取消 with a new reason, and lets the clerk withdraw one instead', async () => {
    expect((await clerk.post(`/admin/sureties/${n}/actions/cancellation`, { reason: '契約解除' })).status).toBe(303);
    const { id } = await newest();
    later();
    expect(
      (await approver.post(`/admin/drafts/${id}/reject`, { reason: '解除通知の日付を理由に書いてください' })).status,
    ).toBe(303);
    const edit = await clerk.get(`/admin/drafts/${id}/edit`);
    expect(edit.status).toBe(200);
    expect(edit.html).toContain(`action="/admin/sureties/${n}/actions/cancellation"`);
    expect(edit.html).toContain('value="契約解除"');
    // The form of another guarantee cannot carry this application.
    const other = (await publish(env, contractBody())).contractNumber;
    const wrong = await clerk.post(`/admin/sureties/${other}/actions/cancellation`, {
      reason: '契約解除',
      applicationId: id,
    });
    expect(wrong.status).toBe(409);
    later();
    const again = await clerk.post(`/admin/sureties/${n}/actions/cancellation`, {
      reason: '契約解除（令和8年9月1日付け解除通知）',
      applicationId: id,
    });
    expect(again.status).toBe(303);
    expect(JSON.parse((await newest()).body)).toMatchObject({
      event: 'cancellation',
      reason: '契約解除（令和8年9月1日付け解除通知）',
    });
    later();
    expect((await approver.post(`/admin/drafts/${id}/reject`, { reason: 'やはり解除は撤回されました' })).status).toBe(
      303,
    );
    expect((await otherClerk.post(`/admin/drafts/${id}/withdraw`)).status).toBe(403);
    later();
    expect((await clerk.post(`/admin/drafts/${id}/withdraw`)).status).toBe(303);
    expect((await newest()).status).toBe('withdrawn');
    expect((await steps(id)).map((s) => s.split(':')[0])).toEqual([
      'submitted',
      'sent_back',
      'resubmitted',
      'sent_back',
      'withdrawn',
    ]);
    expect((await clerk.get(`/admin/drafts/${id}/edit`)).status).toBe(409);
  });

  it('resubmits a 訂正 against the version that is current at resubmission', async () => {
    const fields = await currentFields();
    expect(
      (
        await clerk.post(`/admin/sureties/${n}/actions/correction`, {
          ...fields,
          worksName: '市道大場線道路改良工事（その2）',
          reason: '誤記',
        })
      ).status,
    ).toBe(303);
    const { id } = await newest();
    later();
    expect(
      (await approver.post(`/admin/drafts/${id}/reject`, { reason: '工事名の表記を契約書と合わせてください' })).status,
    ).toBe(303);
    later();
    expect(
      (
        await clerk.post(`/admin/sureties/${n}/actions/correction`, {
          ...fields,
          worksName: '市道大場線道路改良工事（第2工区）',
          reason: '誤記',
          applicationId: id,
        })
      ).status,
    ).toBe(303);
    later();
    expect((await approver.post(`/admin/drafts/${id}/approve`)).status).toBe(303);
    const state = await getSurety(env.ctx, n);
    expect(currentVersion(state.versions).certificate.works.name).toBe('市道大場線道路改良工事（第2工区）');
  });
});
