// What changed, for the officer and the contractor: the certificate page and the alert mail compare the current
// version with the one the obligee confirmed (or viewed before), a 訂正 and a 変更取消 say which row they concern, a
// receipt confirmation survives a 訂正 on /status, and the signature line cannot be read as the guarantee's status.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { insertSubscription } from '../../src/repositories/follow-up.js';
import { addVersion, advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { grantFor, page, postForm } from '../notifications/support.js';

const OFFICER = { department: '三島市 契約検査課', officerName: '髙橋 花子' };
const increase = { event: 'change', changes: { guaranteeAmount: 30_000_000, advanceAmount: 30_000_000 } };

describeEachDatabase('what changed since the officer last relied on a version', (kind) => {
  let env: TestEnv;
  let n: string;
  let key: string;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber: n, authKey: key } = await publish(env, advanceBody({ contractorEmail: 'k@fujimi.example.jp' })));
  });
  afterEach(async () => env.close());

  const confirm = async (seq: number) => {
    const grant = await grantFor(env, n, key);
    const res = await postForm(env, `/certificates/${n}/receipt`, { seq: String(seq), ...OFFICER }, { cookie: grant });
    expect(res.headers.get('location')).toContain('f=receipt_recorded');
  };
  const certificatePage = async () => (await page(env, `/certificates/${n}`, await grantFor(env, n, key))).html;
  /** The text of the 前回の確認からの変更 panel, tags removed. */
  const panel = (html: string) =>
    (/<section class="panel what-changed"[^>]*>(.*?)<\/section>/s.exec(html)?.[1] ?? '')
      .replace(/<[^>]+>/g, '|')
      .replace(/\|+/g, '|');
  const historyKinds = (html: string) =>
    [...(/<table class="history-table".*?<\/table>/s.exec(html)?.[0] ?? '').matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)]
      .slice(1)
      .map((m) => m[1]!.replace(/<[^>]+>/g, '|').replace(/\|+/g, '|'));

  it('shows no panel before anyone confirmed or viewed the guarantee', async () => {
    expect(await certificatePage()).not.toContain('前回の確認からの変更');
  });

  it('lists field by field what changed since the version the officer confirmed', async () => {
    await confirm(1);
    env.setNow('2026-11-25T01:00:00.000Z');
    expect((await addVersion(env, n, { ...increase, reason: '請負代金額の増額' })).status).toBe(201);
    const html = await certificatePage();
    const text = panel(html);
    expect(text).toContain(
      '令和8年11月24日 10:00:00に三島市 契約検査課の髙橋 花子さんが受領確認した版（No.1 新規）から、現在の版までに次の履歴が追加されました。',
    );
    expect(text).toContain('No.2 変更（増額）（令和8年11月25日 10:00:00）');
    expect(text).toContain('|保証金額|20,000,000円|30,000,000円|');
    expect(text).toContain('|前払金額|20,000,000円|30,000,000円|');
    // Only what differs: the works name did not change.
    expect(text).not.toContain('市道大場線道路改良工事');

    // Once the officer confirms the current version, there is nothing new to show.
    await confirm(2);
    expect(await certificatePage()).not.toContain('前回の確認からの変更');
  });

  it('explains a 訂正 by the row it corrected, in the history and in the panel', async () => {
    await addVersion(env, n, increase);
    await confirm(2);
    env.setNow('2026-11-25T01:00:00.000Z');
    const fixed = await addVersion(env, n, {
      event: 'correction',
      target: 2,
      changes: { guaranteeAmount: 25_000_000, advanceAmount: 25_000_000 },
    });
    expect(fixed.status).toBe(201);
    const html = await certificatePage();
    expect(historyKinds(html)[1]).toContain('|No.2 変更（増額）の記載を訂正|');
    const text = panel(html);
    expect(text).toContain('受領確認した版（No.2 変更（増額））');
    expect(text).toContain('No.2 変更（増額）の記載を訂正（令和8年11月25日 10:00:00）');
    expect(text).toContain('|保証金額|30,000,000円|25,000,000円|');
  });

  it('says which change a 変更取消 undid, by the No. the officer saw', async () => {
    await confirm(1);
    await addVersion(env, n, increase);
    await addVersion(env, n, {
      event: 'change',
      changes: { guaranteePeriod: { from: '2026-04-02', to: '2027-06-30' } },
    });
    const undo = await addVersion(env, n, { event: 'change_cancellation', target: 3 });
    expect(undo.status).toBe(201);
    const text = panel(await certificatePage());
    expect(text).toContain('No.3 変更（保証期限変更）');
    expect(text).toContain('変更取消（No.3 変更（保証期限変更）を取り消し）');
    // Against the confirmed version only the increase remains; the undone period change is not a difference.
    expect(text).toContain('|保証金額|20,000,000円|30,000,000円|');
    expect(text).not.toContain('|保証期間|');
  });

  it('compares with the version this client viewed in an earlier session when nobody confirmed', async () => {
    await page(env, `/certificates/${n}`, await grantFor(env, n, key));
    await env.ctx.recorder.flush();
    env.setNow('2026-11-24T05:00:00.000Z');
    await addVersion(env, n, increase);
    env.setNow('2026-11-24T06:00:00.000Z');
    const text = panel(await certificatePage());
    expect(text).toContain('令和8年11月24日 10:00:00にこの接続元から表示した版（No.1 新規）から');
    expect(text).toContain('|前回表示した版|現在の版|');
    expect(text).toContain('|保証金額|20,000,000円|30,000,000円|');
  });

  it('puts the 訂正 in words and the changed fields into the alert mail', async () => {
    await insertSubscription(env.ctx.db, {
      id: 'sub-1',
      contract_number: n,
      email: 'keiyaku-kensa@city.mishima.example.jp',
      state: 'active',
      created_at: env.now().toISOString(),
      confirm_sent_at: env.now().toISOString(),
      confirmed_at: env.now().toISOString(),
      guarantee_end: '2027-04-30',
      reminded_for: null,
    });
    await addVersion(env, n, increase);
    await confirm(2);
    await addVersion(env, n, { event: 'correction', target: 2, changes: { depositBank: '三島信用金庫 本店' } });
    const mails = await env.ctx.db
      .selectFrom('mail_outbox')
      .select(['subject', 'body_text'])
      .where('kind', '=', 'subscriber_event')
      .orderBy('seq')
      .execute();
    const last = mails.at(-1)?.body_text ?? '';
    expect(last).toContain('新しい履歴（No.2 変更（増額）の記載を訂正）が追加されました。');
    expect(last).toContain('比べた版：受領確認済みの版（No.2 変更（増額））');
    expect(last).toContain('預託金融機関：静岡中央銀行 三島支店 → 三島信用金庫 本店');
    // The first alert compares with the version just before it (nothing was confirmed yet).
    expect(mails[0]?.body_text).toContain('比べた版：この履歴の直前の版（No.1 新規）');
    expect(mails[0]?.body_text).toContain('保証金額：20,000,000円 → 30,000,000円');
  });
});

describeEachDatabase('nothing the contractor relies on flips after a 訂正', (kind) => {
  let env: TestEnv;
  let n: string;
  let key: string;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber: n, authKey: key } = await publish(env));
  });
  afterEach(async () => env.close());

  const status = async () => (await postForm(env, '/status', { contractNumber: n, authKey: key })).text();
  const statusReceipt = (html: string) =>
    (/<dt>受領確認<\/dt>\s*<dd>(.*?)<\/dd>/s.exec(html)?.[1] ?? '').replace(/<[^>]+>/g, '');

  it('keeps the receipt confirmation of a version after a 訂正 replaces it', async () => {
    env.setNow('2026-11-24T02:00:00.000Z');
    await addVersion(env, n, increase);
    const grant = await grantFor(env, n, key);
    await postForm(env, `/certificates/${n}/receipt`, { seq: '2', ...OFFICER }, { cookie: grant });
    expect(statusReceipt(await status())).toContain('受領確認済み');

    env.setNow('2026-11-24T03:00:00.000Z');
    expect(
      (await addVersion(env, n, { event: 'correction', target: 2, changes: { depositBank: '三島信用金庫' } })).status,
    ).toBe(201);
    const html = await status();
    expect(statusReceipt(html)).not.toContain('未確認');
    expect(statusReceipt(html)).toContain('受領確認済み');
    expect(statusReceipt(html)).toContain('三島市 契約検査課');
    expect(statusReceipt(html)).toContain('（訂正前の版に対する受領確認）');
    // The officer's page agrees: the corrected row is shown as confirmed.
    const officerPage = (await page(env, `/certificates/${n}`, await grantFor(env, n, key))).html;
    expect(officerPage).toContain('この版は受領確認済みです。');
  });

  it('shows in the history the arrival time /status gives after the first version was corrected', async () => {
    env.setNow('2026-11-24T04:00:00.000Z');
    expect(
      (await addVersion(env, n, { event: 'correction', target: 1, changes: { depositBank: '三島信用金庫' } })).status,
    ).toBe(201);
    const html = await status();
    const arrived = (/<dt>プラットフォームへの到着日時<\/dt>\s*<dd>(.*?)<\/dd>/s.exec(html)?.[1] ?? '').trim();
    expect(arrived).toBe('令和8年11月24日 10:00:00');
    const rows = [...html.matchAll(/<tr>(.*?)<\/tr>/gs)].map((m) => m[1]!.replace(/<[^>]+>/g, '|'));
    const first = rows.find((r) => r.startsWith('|1|')) ?? '';
    expect(first).toContain('令和8年11月24日 13:00:00');
    expect(first).toContain(`（訂正前の版の到着：${arrived}）`);
    expect(first).toContain('No.1 新規の記載を訂正');
  });
});

describeEachDatabase('the signature line on a cancelled guarantee', (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
  });
  afterEach(async () => env.close());

  it('says the content is unaltered and names the status, in Japanese and English', async () => {
    const { contractNumber: n, authKey: key } = await publish(env);
    await addVersion(env, n, { event: 'cancellation' });
    const grant = await grantFor(env, n, key);
    const ja = (await page(env, `/certificates/${n}`, grant)).html;
    expect(ja).toContain('この保証は取り消されています。');
    expect(ja).toContain('署名検証: 改ざんなし');
    expect(ja).toContain('記載内容は発行時から改ざんされていません（保証の状態は上記のとおり取消）');
    expect(ja).not.toMatch(/署名検証: 有効/);
    const en = (await page(env, `/certificates/${n}?lang=en`, grant)).html;
    expect(en).toContain('Signature check: not altered');
    expect(en).toContain('(the guarantee is cancelled, as shown above)');
  });
});
