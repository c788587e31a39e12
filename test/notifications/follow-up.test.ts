// Follow-up through the pages: the notice download, the contractor's status page, receipt confirmation and the
// obligee's mail alerts (double opt-in, alerts, one-click unsubscribe, the 30-day reminder).
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/config.js';
import { listAudit } from '../../src/repositories/audit-log.js';
import { addVersion, advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { linkIn, startSink, type MailSink } from './mail-sink.js';
import { grantFor, local, outboxStates, page, postForm, workerFor } from './support.js';

const CONTRACTOR = 'keiyaku@fujimi-kensetsu.example.jp';
const OFFICER = 'keiyaku-kensa@city.mishima.example.jp';

describeEachDatabase('contractor status, receipt confirmation and alerts', (kind) => {
  let env: TestEnv;
  let sink: MailSink;
  let n: string;
  let key: string;
  beforeEach(async () => {
    [env, sink] = await Promise.all([setup(kind), startSink()]);
    await registerMishima(env);
    ({ contractNumber: n, authKey: key } = await publish(env, advanceBody({ contractorEmail: CONTRACTOR })));
  });
  afterEach(async () => {
    await Promise.all([env.close(), sink.close()]);
  });

  const deliver = () => workerFor(env, sink).tick();
  const mailsTo = (address: string) => sink.received.filter((m) => m.envelopeTo.includes(address));
  const status = (authKey = key, client?: string) =>
    postForm(env, '/status', { contractNumber: n, authKey }, client ? { client } : {});

  it('downloads the key notice once through the mailed link, and the status page shows when', async () => {
    await deliver();
    const link = local(linkIn(mailsTo(CONTRACTOR)[0]?.text ?? '', 'http://localhost:3000/mail/notice/'));
    // Opening the link (as a mail scanner would) uses nothing.
    expect((await env.app.request(link)).status).toBe(200);
    expect((await env.app.request(link)).status).toBe(200);

    env.setNow('2026-11-24T03:15:00.000Z');
    const pdf = await postForm(env, link, {});
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toBe(`attachment; filename="notice-${n}.pdf"`);
    expect(pdf.headers.get('cache-control')).toBe('no-store');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');

    const again = await postForm(env, link, {});
    expect(again.status).toBe(410);
    const againHtml = await again.text();
    expect(againHtml).toContain('このリンクはすでに使用されています');
    expect(againHtml).toContain('令和8年11月24日 12:15:00');
    expect((await listAudit(env.ctx.db, n)).map((a) => a.action)).toContain('notice.download');

    const html = await (await status()).text();
    expect(html).toContain('令和8年11月24日 12:15:00　メールのリンクからダウンロードされました');
  });

  it('shows the contractor arrival, views and receipt, throttled like verification', async () => {
    env.setNow('2026-11-24T02:00:00.000Z');
    await addVersion(env, n, { event: 'change', changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 } });
    let res = await status();
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    let html = await res.text();
    expect(html).toContain('プラットフォームへの到着日時');
    expect(html).toContain('令和8年11月24日 10:00:00');
    expect(html).toContain('令和8年11月24日 11:00:00');
    expect(html).toContain('変更（増額）');
    expect(html).toContain('まだ閲覧されていません');
    expect(html).not.toContain(key);
    // The status check itself is not a view.
    await env.ctx.recorder.flush();
    expect(await (await status()).text()).toContain('まだ閲覧されていません');

    // The officer opens the certificate twice and confirms receipt of the current version.
    env.setNow('2026-11-25T00:30:00.000Z');
    const grant = await grantFor(env, n, key);
    await page(env, `/certificates/${n}`, grant);
    env.setNow('2026-11-25T00:45:00.000Z');
    await page(env, `/certificates/${n}`, grant);
    await postForm(
      env,
      `/certificates/${n}/receipt`,
      { seq: '2', view: 'current', department: '契約検査課', officerName: '三島 花子' },
      { cookie: grant },
    );
    await env.ctx.recorder.flush();
    html = await (await status()).text();
    expect(html).toContain('2回（最終閲覧：令和8年11月25日 9:45:00）');
    expect(html).toContain('受領確認済み（令和8年11月25日 9:45:00　契約検査課　三島 花子）');

    // Wrong key: one uniform answer; five failures for this number from this client, then 429 — shared with /verify.
    res = await status('WrongKey2345', '198.51.100.9');
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('保証契約番号または認証キーが正しくありません');
    for (let i = 0; i < 4; i++)
      await postForm(env, '/verify', { contractNumber: n, authKey: 'WrongKey2345' }, { client: '198.51.100.9' });
    res = await status(key, '198.51.100.9');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    const attempts = await env.ctx.db
      .selectFrom('access_events')
      .select('channel')
      .where('channel', '=', 'status')
      .execute();
    expect(attempts.length).toBeGreaterThan(0);
  });

  it('keeps every officer receipt confirmation, shows them on the certificate and status pages and mails the contractor', async () => {
    const grant = await grantFor(env, n, key);
    const confirm = (fields: Record<string, string>, cookie = grant) =>
      postForm(env, `/certificates/${n}/receipt`, { seq: '1', view: 'current', ...fields }, { cookie });

    let res = await confirm({ department: '　', officerName: '三島 花子' });
    expect(res.headers.get('location')).toBe(`/certificates/${n}?f=receipt_invalid#receipt`);
    res = await confirm({ department: '契約検査課', officerName: '三島　花子' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/certificates/${n}?f=receipt_recorded#receipt`);
    const { html } = await page(env, `/certificates/${n}?f=receipt_recorded`, grant);
    expect(html).toContain('受領確認を記録しました。請負者にお知らせします。');
    expect(html).toContain('契約検査課');
    expect(html).toContain('三島 花子');

    // Whoever confirmed first does not shut anybody out: the real officer's confirmation is kept beside it. The same
    // officer twice is one confirmation; control and format characters (bidi overrides, zero-width) are dropped.
    res = await confirm({ department: '管財課\u202e', officerName: '沼津\u200b 次郎\u0007' });
    expect(res.headers.get('location')).toBe(`/certificates/${n}?f=receipt_recorded#receipt`);
    res = await confirm({ department: '管財課', officerName: '沼津 次郎' });
    expect(res.headers.get('location')).toBe(`/certificates/${n}?f=receipt_already#receipt`);
    expect((await listAudit(env.ctx.db, n)).filter((a) => a.action === 'receipt.confirm')).toHaveLength(2);
    const shown = (await page(env, `/certificates/${n}`, grant)).html;
    for (const text of ['契約検査課', '三島 花子', '管財課', '沼津 次郎'])
      expect(shown).toContain(`<td lang="ja">${text}</td>`);
    for (const hidden of ['\u202e', '\u200b', '\u0007']) expect(shown).not.toContain(hidden);
    expect(shown).toContain('受領を確認する</button>');
    const statusPage = await (await status()).text();
    expect(statusPage).toContain('<li>受領確認済み（令和8年11月24日 10:00:00　契約検査課　三島 花子）</li>');
    expect(statusPage).toContain('<li>受領確認済み（令和8年11月24日 10:00:00　管財課　沼津 次郎）</li>');

    // One client keeps a few per version (a key holder cannot fill the list and shut the real officers out), and a
    // version keeps a bounded number in all (nobody can fill the contractor's page or mailbox).
    const { receiptConfirmationsPerVersion: perVersion, receiptConfirmationsPerVersionClient: perClient } =
      DEFAULT_LIMITS;
    for (let i = 3; i <= perClient; i++) {
      res = await confirm({ department: `課${i}`, officerName: `担当${i}` });
      expect(res.headers.get('location')).toBe(`/certificates/${n}?f=receipt_recorded#receipt`);
    }
    res = await confirm({ department: '上限課', officerName: '上限 太郎' });
    expect(res.headers.get('location')).toBe(`/certificates/${n}?f=receipt_limit#receipt`);
    const from = (client: string, i: number) =>
      postForm(
        env,
        `/certificates/${n}/receipt`,
        { seq: '1', view: 'current', department: `別課${i}`, officerName: `別担当${i}` },
        { cookie: grant, client },
      );
    for (let i = perClient + 1; i <= perVersion; i++) {
      res = await from(`198.51.100.${Math.ceil(i / perClient)}`, i);
      expect(res.headers.get('location')).toBe(`/certificates/${n}?f=receipt_recorded#receipt`);
    }
    res = await from('192.0.2.99', 0);
    expect(res.headers.get('location')).toBe(`/certificates/${n}?f=receipt_limit#receipt`);
    expect((await page(env, `/certificates/${n}?f=receipt_limit`, grant)).html).toContain(
      'この版に記録できる受領確認の上限（この端末から、またはこの版の合計）に達しています',
    );
    expect(await env.ctx.db.selectFrom('receipt_confirmations').selectAll().execute()).toHaveLength(perVersion);

    // Without the viewer grant the form records nothing (it asks for the key, then completes: test/e2e/officer-flow);
    // without an Origin the CSRF guard refuses it.
    expect((await confirm({ department: 'x', officerName: 'y' }, 'esurety_grant=forged')).headers.get('location')).toBe(
      '/?resume=receipt',
    );
    const noOrigin = await postForm(
      env,
      `/certificates/${n}/receipt`,
      { seq: '1', department: 'x', officerName: 'y' },
      { cookie: grant, origin: null },
    );
    expect(noOrigin.status).toBe(403);

    for (let i = 0; i < 3; i++) await deliver(); // one tick sends a batch
    const receiptMails = mailsTo(CONTRACTOR).filter((m) => m.subject.startsWith('発注者による'));
    expect(receiptMails).toHaveLength(perVersion);
    const [mail] = receiptMails;
    expect(mail?.subject).toBe(`発注者による電子保証の受領確認のお知らせ（保証契約番号 ${n}）`);
    for (const fact of [
      '確認した版：No.1 新規',
      '確認者の部署：契約検査課',
      '確認者の氏名：三島 花子',
      '受領確認日時：令和8年11月24日 10:00:00',
    ]) {
      expect(mail?.text).toContain(fact);
    }
    expect(mail?.raw).not.toContain(key);
  });

  it('alerts an officer only after double opt-in, on every later version, with one-click unsubscribe', async () => {
    const grant = await grantFor(env, n, key);
    let res = await postForm(env, `/certificates/${n}/subscriptions`, { email: 'not an address' }, { cookie: grant });
    expect(res.headers.get('location')).toBe(`/certificates/${n}?f=subscribe_invalid#subscribe`);
    res = await postForm(
      env,
      `/certificates/${n}/subscriptions`,
      { email: ` ${OFFICER.toUpperCase()} ` },
      { cookie: grant },
    );
    expect(res.headers.get('location')).toBe(`/certificates/${n}?f=subscribe_sent#subscribe`);
    expect((await page(env, `/certificates/${n}?f=subscribe_sent`, grant)).html).toContain(
      '確認のメールを送信しました',
    );

    // Not confirmed yet: a change reaches the contractor only.
    await addVersion(env, n, { event: 'change', changes: { guaranteePeriod: { to: '2027-06-30' } } });
    await deliver();
    const [confirmation] = mailsTo(OFFICER);
    expect(mailsTo(OFFICER)).toHaveLength(1);
    expect(confirmation?.subject).toBe(`【要確認】電子保証の変更通知の登録（保証契約番号 ${n}）`);
    expect(confirmation?.raw).not.toContain(key);
    const confirmLink = local(linkIn(confirmation?.text ?? '', 'http://localhost:3000/mail/subscriptions/confirm/'));

    // Opening the link shows a button and confirms nothing; pressing it confirms.
    const shown = await env.app.request(confirmLink);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain('登録を完了する');
    expect(await outboxStates(env)).not.toContain('pending');
    await addVersion(env, n, { event: 'change', changes: { guaranteePeriod: { to: '2027-07-31' } } });
    await deliver();
    expect(mailsTo(OFFICER)).toHaveLength(1);
    const done = await postForm(env, confirmLink, {});
    expect(await done.text()).toContain('変更通知メールの登録が完了しました');

    await addVersion(env, n, {
      event: 'change',
      changes: { guaranteeAmount: 18_000_000, advanceAmount: 18_000_000 },
      reason: '減額',
    });
    await deliver();
    const alert = mailsTo(OFFICER)[1];
    expect(alert?.subject).toBe(`電子保証の変更（減額）のお知らせ（保証契約番号 ${n}）`);
    expect(alert?.text).toContain('保証金額：18,000,000円');
    expect(alert?.text).toContain('請負者：富士見建設株式会社');
    expect(alert?.raw).not.toContain(key);
    const unsubscribe = alert?.headers.get('list-unsubscribe') ?? '';
    expect(unsubscribe).toMatch(/^<http:\/\/localhost:3000\/mail\/unsubscribe\/[\w.-]+>$/);
    expect(alert?.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(alert?.text).toContain(unsubscribe.slice(1, -1));

    // RFC 8058: the mail provider POSTs to the header's URL, without an Origin.
    const oneClick = await env.app.request(local(unsubscribe.slice(1, -1)), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    expect(await oneClick.text()).toContain('配信を停止しました');
    expect(await env.ctx.db.selectFrom('mail_subscriptions').selectAll().execute()).toEqual([]);
    // The address is gone from the record of mail sent to it as well.
    const toOfficer = await env.ctx.db
      .selectFrom('mail_outbox')
      .select('recipient')
      .where('kind', '=', 'subscriber_event')
      .execute();
    expect(toOfficer).toEqual([{ recipient: '' }]);
    await addVersion(env, n, { event: 'cancellation' });
    await deliver();
    expect(mailsTo(OFFICER)).toHaveLength(2);
    // A link of another purpose opens nothing here.
    expect((await env.app.request(confirmLink.replace('/mail/subscriptions/confirm', '/mail/notice'))).status).toBe(
      400,
    );
  });

  it('reminds confirmed subscribers once, 30 days before the guarantee period ends, and purges unconfirmed addresses', async () => {
    const grant = await grantFor(env, n, key);
    await postForm(env, `/certificates/${n}/subscriptions`, { email: OFFICER }, { cookie: grant });
    await postForm(
      env,
      `/certificates/${n}/subscriptions`,
      { email: 'someone-else@city.mishima.example.jp' },
      { cookie: grant },
    );
    await deliver();
    const link = linkIn(mailsTo(OFFICER)[0]?.text ?? '', 'http://localhost:3000/mail/subscriptions/confirm/');
    await postForm(env, local(link), {});
    const worker = workerFor(env, sink);

    // Eight days on, the unconfirmed address is gone: from the subscriptions and from the mail sent to it.
    env.setNow('2026-12-02T02:00:00.000Z');
    await worker.housekeeping();
    expect((await env.ctx.db.selectFrom('mail_subscriptions').select('email').execute()).map((r) => r.email)).toEqual([
      OFFICER,
    ]);
    const confirmations = await env.ctx.db
      .selectFrom('mail_outbox')
      .select('recipient')
      .where('kind', '=', 'subscription_confirm')
      .orderBy('seq')
      .execute();
    expect(confirmations.map((r) => r.recipient)).toEqual([OFFICER, '']);

    // The period ends 2027-04-30: nothing on 2027-03-30 (31 days before), one reminder on 2027-03-31, then no more.
    env.setNow('2027-03-29T15:30:00.000Z');
    expect(await worker.housekeeping()).toMatchObject({ reminders: 0 });
    env.setNow('2027-03-30T15:30:00.000Z');
    // A second instance at the same moment: one of them leads the housekeeping and queues the reminder once.
    const other = workerFor(env, sink);
    const [first, second] = await Promise.all([worker.housekeeping(), other.housekeeping()]);
    expect([first, second].filter((r) => r !== null)).toEqual([expect.objectContaining({ reminders: 1 })]);
    const leader = first ? worker : other;
    expect(await leader.housekeeping()).toMatchObject({ reminders: 0 });
    await worker.tick();
    const reminders = sink.received.filter((m) => m.subject.includes('保証期間が'));
    expect(reminders.map((m) => m.envelopeTo)).toEqual([[OFFICER]]);
    expect(reminders[0]?.subject).toBe(`電子保証の保証期間が令和9年4月30日に終了します（保証契約番号 ${n}）`);
    expect(reminders[0]?.text).toContain('あと30日');
    expect(reminders[0]?.headers.get('list-unsubscribe')).toBeTruthy();

    // A 保証期限変更 moves the end date: a new reminder becomes due for the new date only.
    await addVersion(env, n, { event: 'change', changes: { guaranteePeriod: { to: '2027-04-25' } } });
    expect(await leader.housekeeping()).toMatchObject({ reminders: 1 });
    expect(await leader.housekeeping()).toMatchObject({ reminders: 0 });
  });
});
