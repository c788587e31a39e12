// What a key reissue ends (issue 14): every mail subscription of the guarantee (its subscribers are told, without
// content) and every viewer grant made with the old key; the new key works at once, and subscribing again with it too.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { listAudit } from '../../src/repositories/audit-log.js';
import { addVersion, advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { linkIn, startSink, type MailSink } from '../notifications/mail-sink.js';
import { grantFor, local, page, postForm, workerFor } from '../notifications/support.js';

const CONTRACTOR = 'keiyaku@fujimi-kensetsu.example.jp';
const OFFICER = 'keiyaku-kensa@city.mishima.example.jp';
const PENDING = 'mikakunin@city.mishima.example.jp';

describeEachDatabase('a key reissue ends subscriptions and viewer grants', (kind) => {
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
  const subscribe = (email: string, cookie: string) =>
    postForm(env, `/certificates/${n}/subscriptions`, { email }, { cookie });
  const reissue = async () => {
    const res = await env.api('POST', `/api/v1/sureties/${n}/auth-key`);
    expect(res.status).toBe(200);
    return res.json.authKey as string;
  };

  it('tells every confirmed subscriber once, without content, and sends no later version', async () => {
    const grant = await grantFor(env, n, key);
    await subscribe(OFFICER, grant);
    await subscribe(PENDING, grant);
    await deliver();
    const confirmLink = local(
      linkIn(mailsTo(OFFICER)[0]?.text ?? '', 'http://localhost:3000/mail/subscriptions/confirm/'),
    );
    expect(await (await postForm(env, confirmLink, {})).text()).toContain('変更通知メールの登録が完了しました');
    const pendingLink = local(
      linkIn(mailsTo(PENDING)[0]?.text ?? '', 'http://localhost:3000/mail/subscriptions/confirm/'),
    );

    const newKey = await reissue();
    await deliver();
    const ended = mailsTo(OFFICER).slice(1);
    expect(ended).toHaveLength(1);
    expect(ended[0]?.subject).toBe(`電子保証の変更通知の登録終了のお知らせ（保証契約番号 ${n}）`);
    expect(ended[0]?.text).toContain('認証キーが再発行されたため');
    expect(ended[0]?.text).toContain('新しい認証キー');
    // Nothing of the certificate: no works, party, amount or period; neither key; no link that names the subscription.
    for (const content of ['富士見建設', '保証金額', '20,000,000', '保証期間', '工事名', key, newKey]) {
      for (const part of [ended[0]?.subject, ended[0]?.text, ended[0]?.html, ended[0]?.raw]) {
        expect(part).not.toContain(content);
      }
    }
    expect(ended[0]?.headers.get('list-unsubscribe')).toBeUndefined();
    // The unconfirmed address hears nothing more, and its confirmation link no longer confirms anything.
    expect(mailsTo(PENDING)).toHaveLength(1);
    expect(await (await postForm(env, pendingLink, {})).text()).not.toContain('登録が完了しました');
    expect(await env.ctx.db.selectFrom('mail_subscriptions').selectAll().execute()).toEqual([]);
    const audit = (await listAudit(env.ctx.db, n)).find((a) => a.action === 'surety.reissue_key');
    expect(JSON.parse(audit?.detail ?? '{}')).toMatchObject({ subscriptionsEnded: 2 });

    await addVersion(env, n, { event: 'change', changes: { guaranteePeriod: { to: '2027-06-30' } } });
    await deliver();
    expect(mailsTo(OFFICER)).toHaveLength(2);
    expect(mailsTo(PENDING)).toHaveLength(1);

    // With the new key the officer may subscribe again (double opt-in as before).
    const fresh = await grantFor(env, n, newKey);
    expect((await subscribe(OFFICER, fresh)).headers.get('location')).toBe(
      `/certificates/${n}?f=subscribe_sent#subscribe`,
    );
    await deliver();
    expect(mailsTo(OFFICER)[2]?.subject).toBe(`【要確認】電子保証の変更通知の登録（保証契約番号 ${n}）`);
  });

  it('ends every viewer grant made with the old key; the new key opens the certificate', async () => {
    const old = await grantFor(env, n, key);
    expect((await page(env, `/certificates/${n}`, old)).res.status).toBe(200);
    const newKey = await reissue();

    const shown = await page(env, `/certificates/${n}`, old);
    expect(shown.res.status).toBe(303);
    expect(shown.res.headers.get('location')).toBe('/');
    expect((await page(env, `/certificates/${n}/versions/1`, old)).res.status).toBe(303);
    expect((await page(env, `/certificates/${n}/certificate.pdf`, old)).res.headers.get('location')).toBe('/');
    // The form no longer lists it among the certificates this browser may open.
    expect((await page(env, '/', old)).html).not.toContain(`/certificates/${n}"`);
    // Nothing can be done under the certificate with the old grant either.
    const posts = [
      postForm(env, `/certificates/${n}/subscriptions`, { email: OFFICER }, { cookie: old }),
      postForm(env, `/certificates/${n}/receipt`, { seq: '1', department: '課', officerName: '名' }, { cookie: old }),
      postForm(env, `/certificates/${n}/verification-receipts`, { seq: '1' }, { cookie: old }),
    ];
    // The receipt confirmation is kept to be completed once a valid key is entered again (`?resume=receipt`).
    expect((await Promise.all(posts)).map((res) => res.headers.get('location'))).toEqual([
      '/',
      '/?resume=receipt',
      '/',
    ]);
    expect(await env.ctx.db.selectFrom('mail_subscriptions').selectAll().execute()).toEqual([]);
    expect(await env.ctx.db.selectFrom('receipt_confirmations').selectAll().execute()).toEqual([]);
    expect(await env.ctx.db.selectFrom('verification_receipts').selectAll().execute()).toEqual([]);

    // The old key itself is refused, the new one opens the certificate (even in the browser holding the old grant).
    expect((await postForm(env, '/verify', { contractNumber: n, authKey: key })).status).toBe(401);
    const fresh = await grantFor(env, n, newKey);
    expect((await page(env, `/certificates/${n}`, fresh)).res.status).toBe(200);
    expect((await page(env, `/certificates/${n}/certificate.pdf`, fresh)).res.status).toBe(200);
  });
});
