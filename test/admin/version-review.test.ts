// What an approver checks before a 変更, 訂正, 変更取消 or 取消 is published, the one numbering staff and officers share,
// and the audit log in words — through the real staff routes on a really migrated database.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { VersionEvent } from '../../src/domain/history.js';
import { draftVersion } from '../../src/services/staff/drafts.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { addVersion, advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { loginAs, type Staff } from './support.js';

/** The text a reader sees (tags removed, whitespace collapsed). */
const textOf = (html: string) =>
  html
    .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/g, ' ')
    .replace(/<details>[\s\S]*?<\/details>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');

describeEachDatabase('reviews of version applications', (kind) => {
  let env: TestEnv;
  let clerk: Staff;
  let approver: Staff;
  let clerkId: string;
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    clerk = await loginAs(env, 'clerk@review.jp', 'clerk');
    approver = await loginAs(env, 'approver@review.jp', 'approver');
    clerkId = (
      await env.ctx.db
        .selectFrom('staff_users')
        .select('id')
        .where('email', '=', 'clerk@review.jp')
        .executeTakeFirstOrThrow()
    ).id;
  });
  afterAll(async () => env?.close());

  const file = (n: string, body: { event: VersionEvent; changes?: Record<string, unknown>; reason?: string }) =>
    draftVersion(env.ctx, { type: 'staff', id: clerkId, email: 'clerk@review.jp', role: 'clerk' }, n, body);

  it('shows every event before → after in words, by the No. officers see, and checks a 取消 confirmation', async () => {
    const { contractNumber: n } = await publish(env, advanceBody({ contractorEmail: 'tanaka@example.co.jp' }));
    await addVersion(env, n, {
      event: 'change',
      changes: { guaranteeAmount: 25_000_000, advanceAmount: 25_000_000 },
      reason: '増額',
    });

    // 訂正 of the 変更 (No.2): labels and formats, never codes, ISO dates or bare numbers.
    const correction = await file(n, { event: 'correction', changes: { contractAmount: 55_000_000 }, reason: '誤記' });
    let review = textOf((await approver.get(`/admin/drafts/${correction}`)).html);
    expect(review).toContain('No.2（内部連番 2）（変更（増額））を訂正します');
    expect(review).toContain('請負代金額（税込） 50,000,000円 55,000,000円');
    expect(review).toContain('請負者の通知先メールアドレス t***@example.co.jp');
    expect(review).not.toContain('tanaka@');
    expect(review).not.toContain('contractAmount');
    expect((await approver.post(`/admin/drafts/${correction}/approve`)).status).toBe(303);

    // The detail names versions by No.; the internal sequence is secondary and labelled.
    const detail = await approver.get(`/admin/sureties/${n}`);
    let text = textOf(detail.html);
    expect(text).toContain('No.2：訂正 表示中 内部連番 3');
    expect(text).toContain('No.2：変更 非表示：No.2 の訂正で置き換えられました 内部連番 2');
    expect(text).toContain('保証金額 20,000,000円 25,000,000円');
    // The 新規 row lists every value (closed by default), formatted too.
    expect(detail.html).toContain(
      '<th scope="row">保証期間（終了）</th><td class="diff-before">—</td><td class="diff-after">令和9年4月30日</td>',
    );
    expect(detail.html).toContain(
      '<th scope="row">発注者（宛名）</th><td class="diff-before">—</td><td class="diff-after">三島市長</td>',
    );
    expect(detail.html).not.toContain('2027-04-30');
    expect(detail.html).not.toContain('（contractAmount）');
    expect(detail.html).not.toContain('>guaranteeAmount<');

    // 変更取消 of that (corrected) change: which No. it undoes and what reverts.
    const undo = await file(n, { event: 'change_cancellation', reason: '契約変更の撤回' });
    review = textOf((await approver.get(`/admin/drafts/${undo}`)).html);
    expect(review).toContain('No.2（内部連番 3）（訂正）');
    expect(review).toContain('No.1（内部連番 1）（新規）の内容に戻します');
    expect(review).toContain('発注者の画面では No.2 が表示されなくなり、No.1 が最新の版になります');
    expect(review).toContain('元に戻る内容');
    expect(review).toContain('取消前（No.2） 取消後（No.1 の内容）');
    expect(review).toContain('保証金額 25,000,000円 20,000,000円');
    expect(review).toContain('請負代金額（税込） 55,000,000円 50,000,000円');
    expect((await approver.post(`/admin/drafts/${undo}/approve`)).status).toBe(303);
    text = textOf((await approver.get(`/admin/sureties/${n}`)).html);
    expect(text).toContain('変更取消の記録：変更取消 非表示：変更取消の記録です 内部連番 4');
    expect(text).toContain('非表示：変更取消（内部連番 4）で取り消されました');

    // A 変更 after that is No.2 again, as the officer's table numbers it; the form shows who will be mailed, masked.
    const form = await clerk.get(`/admin/sureties/${n}/actions/change`);
    expect(textOf(form.html)).toContain('請負者の通知先メールアドレス：t***@example.co.jp');
    expect(form.html).not.toContain('tanaka@example.co.jp');
    const change = await file(n, {
      event: 'change',
      changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000, guaranteePeriod: { to: '2027-05-31' } },
    });
    review = textOf((await approver.get(`/admin/drafts/${change}`)).html);
    expect(review).toContain(
      'No.1（内部連番 1）（新規）の内容を次のとおり変更します。承認すると、発注者の画面に No.2 として表示されます',
    );
    expect(review).toContain('保証期間（終了） 令和9年4月30日 令和9年5月31日');
    expect(review).toContain('前払金額 20,000,000円 22,000,000円');
    await approver.post(`/admin/drafts/${change}/approve`);
    const versions = (await env.api('GET', `/api/v1/sureties/${n}`)).json.versions as {
      seq: number;
      hidden: boolean;
    }[];
    // The officer's visible history is seq 1 and 5: the new change is their row No.2, as staff were told.
    expect(versions.filter((v) => !v.hidden).map((v) => v.seq)).toEqual([1, 5]);

    // 取消: what ends, and a confirmation the server checks.
    const cancel = await file(n, { event: 'cancellation', reason: '請負契約の解除' });
    const page = await approver.get(`/admin/drafts/${cancel}`);
    review = textOf(page.html);
    expect(review).toContain('取り消される保証');
    expect(review).toContain(`保証契約番号 ${n}`);
    expect(review).toContain('保証の種類 前払金保証');
    expect(review).toContain('発注者 三島市');
    expect(review).toContain('保証金額 22,000,000円');
    expect(review).toContain('保証期間（終了） 令和9年5月31日');
    expect(review).toContain('取消は元に戻せません');
    expect(page.html).toMatch(/<input type="checkbox" name="confirmCancellation" value="yes" required/);
    const refused = await approver.post(`/admin/drafts/${cancel}/approve`, { confirmCancellation: 'no' });
    expect(refused.status).toBe(422);
    expect(refused.html).toContain('チェックを入れてから承認してください');
    expect((await env.api('GET', `/api/v1/sureties/${n}`)).json.status).toBe('active');
    const pending = await env.ctx.db
      .selectFrom('staff_drafts')
      .select('status')
      .where('id', '=', cancel)
      .executeTakeFirstOrThrow();
    expect(pending.status).toBe('pending');
    expect((await approver.post(`/admin/drafts/${cancel}/approve`, { confirmCancellation: 'yes' })).status).toBe(303);
    expect((await env.api('GET', `/api/v1/sureties/${n}`)).json.status).toBe('cancelled');

    // Once published, a review still reads against the history as it was (not against its own version).
    review = textOf((await approver.get(`/admin/drafts/${change}`)).html);
    expect(review).toContain('前払金額 20,000,000円 22,000,000円');

    // The audit log names people, obligees and versions; the stored JSON stays available.
    const audit = await approver.get(`/admin/audit?contractNumber=${n}`);
    const auditText = textOf(audit.html);
    expect(auditText).toContain('変更の発行 surety.change');
    expect(auditText).toContain('版 No.2（内部連番 5）');
    expect(auditText).toContain('申込者 clerk@review.jp');
    expect(auditText).toContain('approver@review.jp 職員（管理画面）');
    expect(auditText).not.toContain(clerkId);
    expect(audit.html).toContain(`&quot;draftedBy&quot;:&quot;${clerkId}&quot;`);
    const issue = await approver.get(`/admin/audit?contractNumber=${n}&action=surety.publish`);
    expect(textOf(issue.html)).toContain('発注者 三島市（mishima-city）');
    expect(textOf(issue.html)).toContain('保証の種類 前払金保証');
  });
});
