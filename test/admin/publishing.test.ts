// Four-eyes publishing, lifecycle actions with diffs, obligee rules, API tokens and the CSV import, through the
// real staff routes; every publication goes through the API's own services.
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { approveDraft } from '../../src/services/staff/drafts.js';
import { importRows, validateCsv } from '../../src/services/staff/import.js';
import { describeEachDatabase, setup, snapshotCounts, type TestEnv } from '../support/harness.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { loginAs, type Staff } from './support.js';

const ADVANCE_FORM = {
  product: 'advance_payment',
  obligeeId: 'mishima-city',
  contractorName: '富士見建設株式会社',
  worksName: '市道大場線道路改良工事',
  contractDate: '2026-04-01',
  worksFrom: '2026-04-02',
  worksTo: '2027-03-19',
  contractAmount: '50,000,000',
  guaranteeAmount: '２０,０００,０００',
  depositBank: '静岡中央銀行 三島支店',
  guaranteeFrom: '2026-04-02',
  guaranteeTo: '2027-04-30',
  guaranteeDate: '2026-04-10',
};

describeEachDatabase('four-eyes publishing and lifecycle actions', (kind) => {
  let env: TestEnv;
  let clerk: Staff;
  let approver: Staff;
  let admin: Staff;
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    clerk = await loginAs(env, 'clerk@example.jp', 'clerk');
    approver = await loginAs(env, 'approver@example.jp', 'approver');
    admin = await loginAs(env, 'admin@example.jp', 'admin');
  });
  afterAll(async () => env?.close());

  const pendingId = async () =>
    (
      await env.ctx.db
        .selectFrom('staff_drafts')
        .select('id')
        .where('status', '=', 'pending')
        .orderBy('drafted_at', 'desc')
        .executeTakeFirstOrThrow()
    ).id;

  it('shows field messages in Japanese next to each bad field and writes nothing', async () => {
    const before = await snapshotCounts(env);
    const res = await clerk.post('/admin/drafts/new?product=advance_payment', {
      ...ADVANCE_FORM,
      guaranteeAmount: '60,000,000',
      guaranteeDate: '2026-02-30',
      worksName: '',
    });
    expect(res.status).toBe(422);
    expect(res.html).toMatch(
      /id="f-guaranteeAmount-error"><p class="field-error">保証金額は請負代金額以下にしてください/,
    );
    expect(res.html).toMatch(/id="f-guaranteeDate-error"><p class="field-error">存在しない日付です/);
    expect(res.html).toContain('id="f-worksName-error"');
    expect(res.html).toContain('aria-invalid="true"');
    expect(res.html).toContain('120.0%');
    expect(await snapshotCounts(env)).toEqual(before);
    const drafts = await env.ctx.db.selectFrom('staff_drafts').select('id').execute();
    expect(drafts).toHaveLength(0);
  });

  it('checks the obligee rules before the application is sent', async () => {
    const res = await clerk.post('/admin/drafts/new?product=advance_payment', {
      ...ADVANCE_FORM,
      contractDate: '2025-12-01',
    });
    expect(res.status).toBe(422);
    expect(res.html).toContain('三島市の電子保証は請負契約締結日が令和8年1月1日以降の案件が対象です');
  });

  it('publishes a clerk’s application only when a different approver approves it, exactly as the API would', async () => {
    expect((await clerk.post('/admin/drafts/new?product=advance_payment', ADVANCE_FORM)).headers.get('location')).toBe(
      '/admin/drafts?flash=draft.created',
    );
    const id = await pendingId();
    expect(await env.ctx.db.selectFrom('sureties').select('contract_number').execute()).toHaveLength(0);
    // A clerk cannot approve; an approver cannot approve an application they wrote.
    expect((await clerk.post(`/admin/drafts/${id}/approve`)).status).toBe(403);
    const drafter = await env.ctx.db
      .selectFrom('staff_users')
      .select('id')
      .where('email', '=', 'clerk@example.jp')
      .executeTakeFirstOrThrow();
    await expect(
      approveDraft(env.ctx, { type: 'staff', id: drafter.id, email: 'clerk@example.jp', role: 'approver' }, id),
    ).rejects.toMatchObject({ code: 'forbidden' });
    const page = await approver.get(`/admin/drafts/${id}`);
    expect(page.html).toContain('承認して発行する');
    const approved = await approver.post(`/admin/drafts/${id}/approve`);
    expect(approved.status).toBe(303);
    const number = /\/admin\/sureties\/(\d{5}-\d{6})/.exec(approved.headers.get('location') ?? '')![1]!;
    // Approving twice publishes nothing more.
    expect((await approver.post(`/admin/drafts/${id}/approve`)).status).toBe(409);
    const api = await env.api('GET', `/api/v1/sureties/${number}`);
    expect(api.status).toBe(200);
    expect(api.json.current.certificate).toMatchObject({
      guaranteeAmount: 20_000_000,
      advanceAmount: 20_000_000,
      issuer: { name: 'テスト保証株式会社' },
    });
    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_type'])
      .where('contract_number', '=', number)
      .execute();
    expect(audit).toContainEqual({ action: 'surety.publish', actor_type: 'staff' });
    expect(audit.map((a) => a.action)).toContain('draft.published');
  });

  it('offers only allowed events, drafts a change with its diff, and shows hidden versions with why', async () => {
    const { contractNumber: n } = await publish(env);
    let detail = await clerk.get(`/admin/sureties/${n}`);
    expect(detail.html).toContain(`/admin/sureties/${n}/actions/change"`);
    expect(detail.html).toContain(`/admin/sureties/${n}/actions/correction"`);
    // 変更取消 needs a change to undo.
    expect(detail.html).not.toContain(`/actions/change_cancellation"`);
    expect((await clerk.get(`/admin/sureties/${n}/actions/change_cancellation`)).status).toBe(422);

    const form = await clerk.get(`/admin/sureties/${n}/actions/change`);
    const value = (name: string) =>
      new RegExp(`name="${name}" type="[a-z]+" value="([^"]*)"`).exec(form.html)?.[1] ?? '';
    const fields: Record<string, string> = {};
    for (const name of [
      'contractorName',
      'worksName',
      'contractDate',
      'worksFrom',
      'worksTo',
      'contractAmount',
      'depositBank',
      'guaranteeFrom',
      'guaranteeTo',
      'guaranteeDate',
      'contractorAddress',
      'contractorRepresentative',
      'worksNumber',
      'worksLocation',
    ]) {
      fields[name] = value(name);
    }
    const res = await clerk.post(`/admin/sureties/${n}/actions/change`, {
      ...fields,
      guaranteeAmount: '25000000',
      reason: '増額',
    });
    expect(res.status).toBe(303);
    await approver.post(`/admin/drafts/${await pendingId()}/approve`);
    detail = await approver.get(`/admin/sureties/${n}`);
    expect(detail.html).toMatch(
      /<th scope="row">保証金額<\/th><td class="diff-before">20,000,000円<\/td><td class="diff-after">25,000,000円<\/td>/,
    );
    expect(detail.html).toMatch(
      /<th scope="row">前払金額<\/th><td class="diff-before">20,000,000円<\/td><td class="diff-after">25,000,000円<\/td>/,
    );

    // 変更取消 of that change: both the change and the record are hidden, each saying why.
    expect(
      (await clerk.post(`/admin/sureties/${n}/actions/change_cancellation`, { reason: '誤りのため' })).status,
    ).toBe(303);
    await approver.post(`/admin/drafts/${await pendingId()}/approve`);
    detail = await approver.get(`/admin/sureties/${n}`);
    expect(detail.html).toContain('非表示：変更取消（内部連番 3）で取り消されました');
    expect(detail.html).toContain('非表示：変更取消の記録です');
    const api = await env.api('GET', `/api/v1/sureties/${n}`);
    expect(api.json.versions.map((v: { hidden: boolean }) => v.hidden)).toEqual([false, true, true]);
    expect(api.json.current.certificate.guaranteeAmount).toBe(20_000_000);

    // 取消 is terminal: afterwards no action is offered at all.
    await clerk.post(`/admin/sureties/${n}/actions/cancellation`, { reason: '契約解除' });
    const cancellation = await pendingId();
    // The server itself refuses a 取消 approved without the confirmation (a page's `required` is not enough).
    const unconfirmed = await approver.post(`/admin/drafts/${cancellation}/approve`);
    expect(unconfirmed.status).toBe(422);
    expect(unconfirmed.html).toContain(
      '「上記の保証を取り消すことを確認しました」にチェックを入れてから承認してください',
    );
    expect((await env.api('GET', `/api/v1/sureties/${n}`)).json.status).toBe('active');
    await approver.post(`/admin/drafts/${cancellation}/approve`, { confirmCancellation: 'yes' });
    detail = await clerk.get(`/admin/sureties/${n}`);
    expect(detail.html).toContain('この保証に追加できる手続きはありません');
    expect((await env.api('GET', `/api/v1/sureties/${n}`)).json.status).toBe('cancelled');
  });

  it('shows the key only on request (audited), and a reissued key replaces the old one once approved', async () => {
    const { contractNumber: n, authKey } = await publish(env);
    const detail = await approver.get(`/admin/sureties/${n}`);
    expect(detail.html).not.toContain(authKey);
    const shown = await approver.post(`/admin/sureties/${n}/key`);
    expect(shown.html).toContain(authKey);
    expect(shown.headers.get('cache-control')).toBe('no-store');
    // Four-eyes: the clerk's reissue is a request; the key changes when an approver approves it.
    const requested = await clerk.post(`/admin/sureties/${n}/reissue`, { reason: '請負者が認証キーを紛失したため' });
    expect(requested.headers.get('location')).toBe(`/admin/sureties/${n}?flash=reissue.requested`);
    expect((await env.api('POST', '/api/v1/verify', { contractNumber: n, authKey })).status).toBe(200);
    const approved = await approver.post(`/admin/drafts/${await pendingId()}/approve`);
    expect(approved.headers.get('location')).toBe(`/admin/sureties/${n}?flash=reissue.applied`);
    const reissued = await approver.post(`/admin/sureties/${n}/key`);
    const fresh = /class="key-box"[^>]*>([^<]+)</.exec(reissued.html)![1]!.trim();
    expect(fresh).not.toBe(authKey);
    expect((await env.api('POST', '/api/v1/verify', { contractNumber: n, authKey })).status).toBe(401);
    expect((await env.api('POST', '/api/v1/verify', { contractNumber: n, authKey: fresh })).status).toBe(200);
    const actions = await env.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('contract_number', '=', n)
      .execute();
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['surety.view_key', 'surety.reissue_key']));
  });

  it('searches the 保証契約一覧 by works name, product and status, with pages of 20', async () => {
    const list = await clerk.get('/admin/sureties?worksName=大場&product=advance_payment');
    expect(list.html).toContain('市道大場線道路改良工事');
    expect(list.html).toMatch(/全1ページ\(\d+件\)中の1ページ目/);
    const cancelled = await clerk.get('/admin/sureties?status=cancelled');
    expect(cancelled.html).toMatch(/全1ページ\(1件\)/);
    const none = await clerk.get('/admin/sureties?contractor=存在しない会社');
    expect(none.html).toContain('条件に合う保証はありません');
  });

  it('lets an admin edit obligee rules, manage tokens (shown once, revocable) and filter the audit log', async () => {
    const bad = await admin.post('/admin/obligees/new', {
      id: 'Bad Id',
      name: '',
      'rule0.products': 'contract',
      'rule0.basis': 'contract_date',
      'rule0.effectiveFrom': '2026-13-01',
    });
    expect(bad.status).toBe(422);
    expect(bad.html).toContain('id は英小文字・数字・ハイフン');
    const ok = await admin.post('/admin/obligees/new', {
      id: 'numazu-city',
      name: '沼津市',
      title: '沼津市長',
      'rule0.products': ['contract', 'advance_payment'],
      'rule0.basis': 'bid_date',
      'rule0.effectiveFrom': '2026-04-01',
    });
    expect(ok.status).toBe(303);
    // Four-eyes: the registration waits for an approver.
    expect((await env.api('GET', '/api/v1/obligees')).json.obligees.map((o: { id: string }) => o.id)).not.toContain(
      'numazu-city',
    );
    expect((await approver.post(`/admin/drafts/${await pendingId()}/approve`)).status).toBe(303);
    const pub = await env.api('GET', '/api/v1/obligees');
    expect(pub.json.obligees).toContainEqual({
      id: 'numazu-city',
      name: '沼津市',
      title: '沼津市長',
      rules: [{ products: ['contract', 'advance_payment'], basis: 'bid_date', effectiveFrom: '2026-04-01' }],
    });

    const created = await admin.post('/admin/tokens', { name: '基幹システム', scopes: ['read'] });
    const token = /class="secret">(esk_[^<]+)</.exec(created.html)![1]!;
    expect((await admin.get('/admin/tokens')).html).not.toContain(token);
    const auth = { authorization: `Bearer ${token}` };
    expect((await env.api('GET', '/api/v1/sureties/10001-000001', undefined, auth)).status).not.toBe(401);
    const id = (
      await env.ctx.db
        .selectFrom('api_tokens')
        .select('id')
        .where('name', '=', '基幹システム')
        .executeTakeFirstOrThrow()
    ).id;
    await admin.post(`/admin/tokens/${id}/revoke`);
    expect((await env.api('GET', '/api/v1/sureties/10001-000001', undefined, auth)).status).toBe(401);

    const audit = await admin.get('/admin/audit?action=token.');
    expect(audit.html).toContain('token.revoke');
    expect(audit.html).not.toContain('surety.publish');
  });
});

describeEachDatabase('bulk CSV import', (kind) => {
  let env: TestEnv;
  let clerk: Staff;
  let approver: Staff;
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    clerk = await loginAs(env, 'clerk@import.jp', 'clerk');
    approver = await loginAs(env, 'approver@import.jp', 'approver');
  });
  afterAll(async () => env?.close());

  const upload = (csv: string) => {
    const form = new FormData();
    form.set('_csrf', clerk.csrf);
    form.set('file', new File([csv], 'sureties.csv', { type: 'text/csv' }));
    return env.app.request('/admin/import', {
      method: 'POST',
      headers: { origin: 'http://localhost:3000', cookie: `__Host-esurety_staff=${clerk.cookie}` },
      body: form,
    });
  };

  it('reports every bad row with its row number, column and a Japanese reason, and writes nothing', async () => {
    const lines = fs.readFileSync('docs/import-example.csv', 'utf8').trimEnd().split('\n');
    const broken = [
      lines[0],
      lines[1],
      lines[2]!.replace(',5000000,', ',90000000,'),
      lines[3]!.replace('mishima-city', 'atami-city'),
    ].join('\n');
    const before = await snapshotCounts(env);
    const res = await upload(broken);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('2件の誤りがあります');
    expect(html).toMatch(
      /<td>3<\/td><td>保証金額（guaranteeAmount）<\/td><td>保証金額は請負代金額以下にしてください<\/td>/,
    );
    expect(html).toMatch(/<td>4<\/td><td>発注者（obligeeId）<\/td><td>登録されていない発注者です（atami-city）<\/td>/);
    expect(await snapshotCounts(env)).toEqual(before);
  });

  it('names the line a row starts on when a quoted value above it spans lines', async () => {
    const [header, advance, contract, jv] = fs.readFileSync('docs/import-example.csv', 'utf8').trimEnd().split('\n');
    // Lines 2–3: a works location written on two lines inside quotes (CRLF, as Excel saves it); line 4 is blank.
    const file = [
      header,
      advance!.replace(',静岡県三島市大場地内,', ',"静岡県三島市\r\n大場地内",'),
      '',
      contract!.replace(',5000000,', ',90000000,'),
      jv!.replace('mishima-city', 'atami-city'),
      '',
      '',
    ].join('\r\n');
    const res = await upload(file);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('2件の誤りがあります');
    expect(html).toMatch(
      /<td>5<\/td><td>保証金額（guaranteeAmount）<\/td><td>保証金額は請負代金額以下にしてください<\/td>/,
    );
    expect(html).toMatch(/<td>6<\/td><td>発注者（obligeeId）<\/td><td>登録されていない発注者です（atami-city）<\/td>/);
  });

  it('refuses a file whose quote is never closed, naming its line and column, and creates nothing', async () => {
    const lines = fs.readFileSync('docs/import-example.csv', 'utf8').trimEnd().split('\n');
    // The last cell (guaranteeDate, the 25th) opens a quote and the file ends.
    const file = `${[...lines.slice(0, 3), lines[3]!.replace(/,2026-05-11$/, ',"2026-05-11')].join('\n')}\n`;
    const drafts = async () => (await env.ctx.db.selectFrom('staff_drafts').select('id').execute()).length;
    const before = { counts: await snapshotCounts(env), drafts: await drafts() };
    const res = await upload(file);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('1件の誤りがあります');
    expect(html).toMatch(
      /<td>4<\/td><td>保証契約締結日（guaranteeDate）<\/td><td>「&quot;」で始まる値がファイルの終わりまで閉じられていません/,
    );
    expect({ counts: await snapshotCounts(env), drafts: await drafts() }).toEqual(before);
    // Before the header is read, the cell is named by its number.
    const header = await (await upload(`product,"obligeeId\n${lines[2]}\n`)).text();
    expect(header).toMatch(/<td>1<\/td><td>2列目<\/td><td>「&quot;」で始まる値が/);
  });

  it('publishes the example file after approval, and publishes nothing twice when it is imported again', async () => {
    const csv = fs.readFileSync('docs/import-example.csv', 'utf8');
    const res = await upload(csv);
    expect(res.status).toBe(303);
    const draftPath = res.headers.get('location')!.split('?')[0]!;
    expect((await approver.get(draftPath)).html).toContain('3件の新規保証');
    await approver.post(`${draftPath}/approve`);
    expect(await env.ctx.db.selectFrom('sureties').select('contract_number').execute()).toHaveLength(3);
    const again = await upload(csv);
    await approver.post(`${again.headers.get('location')!.split('?')[0]!}/approve`);
    expect(await env.ctx.db.selectFrom('sureties').select('contract_number').execute()).toHaveLength(3);
    // And through the CLI path (another actor): still nothing twice.
    const { rows } = await validateCsv(env.ctx, csv);
    const report = await importRows(env.ctx, { type: 'cli', id: 'ops' }, rows);
    expect(report).toMatchObject({ published: 0, skipped: 3 });
  });
});
