// The contractor hears of a reissued key (a single-use link to the new notice, never the key), and the issuer can
// change or remove the contractor's address after publication: validated, audited without the address, both the
// new and the old address told (without a link), and later mails going to the new one.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { listAudit } from '../../src/repositories/audit-log.js';
import { advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { text } from '../documents/poppler.js';
import { linkIn, startSink, type MailSink } from './mail-sink.js';
import { local, postForm, workerFor } from './support.js';

const CONTRACTOR = 'keiyaku@fujimi-kensetsu.example.jp';
const NEW_ADDRESS = 'soumu@fujimi-kensetsu.example.jp';
const NOTICE_LINK = 'http://localhost:3000/mail/notice/';

describeEachDatabase('contractor notifications: key reissue and address changes', (kind) => {
  let env: TestEnv;
  let sink: MailSink;
  beforeEach(async () => {
    [env, sink] = await Promise.all([setup(kind), startSink()]);
    await registerMishima(env);
  });
  afterEach(async () => {
    await Promise.all([env.close(), sink.close()]);
  });

  const outbox = () =>
    env.ctx.db.selectFrom('mail_outbox').select(['kind', 'recipient', 'state']).orderBy('seq').execute();
  const reissue = async (n: string) => {
    const res = await env.api('POST', `/api/v1/sureties/${n}/auth-key`);
    expect(res.status).toBe(200);
    return res.json.authKey as string;
  };
  const changeAddress = (n: string, body: unknown) => env.api('PUT', `/api/v1/sureties/${n}/contractor-email`, body);

  it('mails the contractor a single-use link to the new notice when the key is reissued, never a key', async () => {
    const { contractNumber: n, authKey: oldKey } = await publish(env, advanceBody({ contractorEmail: CONTRACTOR }));
    await workerFor(env, sink).tick();
    env.setNow('2026-11-25T01:00:00.000Z');
    const newKey = await reissue(n);
    // Written by the reissue's own transaction: there as soon as the API has answered.
    expect((await outbox()).map((m) => [m.kind, m.recipient])).toEqual([
      ['contractor_event', CONTRACTOR],
      ['key_reissued', CONTRACTOR],
    ]);
    expect(await workerFor(env, sink).tick()).toEqual({ sent: 1, retried: 0, dead: 0 });

    const mail = sink.received[1];
    if (!mail) throw new Error('no reissue mail');
    expect(mail.envelopeTo).toEqual([CONTRACTOR]);
    expect(mail.subject).toBe(`電子保証の認証キー再発行のお知らせ（保証契約番号 ${n}）`);
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain('富士見建設株式会社 御中');
      expect(body).toContain('これまでの認証キーは、再発行の時点から使用できません');
      expect(body).toContain('令和8年11月25日 10:00:00');
    }
    for (const part of [mail.raw, mail.subject, mail.text, mail.html]) {
      expect(part).not.toContain(newKey);
      expect(part).not.toContain(oldKey);
    }
    expect(mail.text).toContain('リンクの有効期限は令和8年12月2日 10:00:00までです。ダウンロードできるのは1回限りです');

    // The link opens the notice of the new key, once.
    const link = local(linkIn(mail.text, NOTICE_LINK));
    expect(link).not.toContain(newKey);
    const pdf = await postForm(env, link, {});
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect((await text(new Uint8Array(await pdf.arrayBuffer()))).stdout.replace(/\s+/g, '')).toContain(newKey);
    expect((await postForm(env, link, {})).status).toBe(410);

    // The publication mail's link was bound to the old key: outdated now.
    expect((await env.app.request(local(linkIn(sink.received[0]?.text ?? '', NOTICE_LINK)))).status).toBe(410);
    await reissue(n);
    const audit = (await listAudit(env.ctx.db, n)).filter((r) => r.action === 'surety.reissue_key');
    expect(audit.map((r) => JSON.parse(r.detail))).toEqual([
      { contractorMailed: true, subscriptionsEnded: 0 },
      { contractorMailed: true, subscriptionsEnded: 0 },
    ]);
  });

  it('reissues without any mail when the guarantee has no contractor address', async () => {
    const { contractNumber: n } = await publish(env, advanceBody());
    await reissue(n);
    expect(await outbox()).toEqual([]);
  });

  it('changes the address: both addresses told without a link, audited without the address, later mail to the new one', async () => {
    const { contractNumber: n } = await publish(env, advanceBody({ contractorEmail: CONTRACTOR }));
    await workerFor(env, sink).tick();

    const changed = await changeAddress(n, { contractorEmail: NEW_ADDRESS });
    expect(changed.status).toBe(200);
    expect(changed.json).toEqual({ contractNumber: n, contractorEmail: NEW_ADDRESS, changed: true });
    expect(changed.headers.get('cache-control')).toBe('no-store');
    await workerFor(env, sink).tick();
    const [toNew, toOld] = sink.received.slice(1);
    expect(toNew?.envelopeTo).toEqual([NEW_ADDRESS]);
    expect(toOld?.envelopeTo).toEqual([CONTRACTOR]);
    for (const mail of [toNew, toOld]) {
      expect(mail?.subject).toBe(`電子保証のお知らせ先メールアドレス変更のお知らせ（保証契約番号 ${n}）`);
      expect(mail?.text).not.toContain('/mail/notice/');
      expect(mail?.text).toContain('この変更に心当たりがない場合は、テスト保証株式会社にご連絡ください');
    }
    expect(toNew?.text).toContain('このメールアドレスに変更しました');
    expect(toOld?.text).toContain('別のメールアドレスに変更しました');
    expect(toOld?.text).not.toContain(NEW_ADDRESS);

    const [row] = (await listAudit(env.ctx.db, n)).filter((r) => r.action === 'surety.contractor_email');
    expect(row?.actor_type).toBe('api_token');
    expect(row?.detail).not.toContain('@');
    expect(JSON.parse(row?.detail ?? '{}')).toMatchObject({ mailed: true, from: expect.any(String) });

    // The same address again changes nothing and sends nothing.
    expect((await changeAddress(n, { contractorEmail: NEW_ADDRESS })).json.changed).toBe(false);
    expect(await outbox()).toHaveLength(3);

    // The next contractor mail goes to the new address.
    await reissue(n);
    expect((await outbox()).at(-1)).toMatchObject({ kind: 'key_reissued', recipient: NEW_ADDRESS });

    // Removed: the contractor gets no more mail, and the old address is told once.
    expect((await changeAddress(n, { contractorEmail: null })).json).toEqual({
      contractNumber: n,
      contractorEmail: null,
      changed: true,
    });
    const count = (await outbox()).length;
    expect((await outbox()).at(-1)).toMatchObject({ kind: 'contact_changed', recipient: NEW_ADDRESS });
    await reissue(n);
    expect(await outbox()).toHaveLength(count);
  });

  it('validates the request and answers in the §5 error shape', async () => {
    const { contractNumber: n } = await publish(env, advanceBody({ contractorEmail: CONTRACTOR }));
    const bad = await changeAddress(n, { contractorEmail: 'not-an-address' });
    expect(bad.status).toBe(422);
    expect(bad.json.error).toEqual({
      code: 'validation_failed',
      message: '入力内容に誤りがあります',
      issues: [{ path: 'contractorEmail', message: 'メールアドレスの形式が正しくありません' }],
    });
    expect((await changeAddress(n, { contractorEmail: NEW_ADDRESS, extra: 1 })).status).toBe(422);
    expect((await changeAddress(n, {})).status).toBe(422);
    expect((await changeAddress(n, '{"contractorEmail":')).json.error.code).toBe('bad_request');
    expect((await changeAddress('99999-999999', { contractorEmail: NEW_ADDRESS })).json.error.code).toBe('not_found');
    expect((await changeAddress('not-a-number', { contractorEmail: NEW_ADDRESS })).status).toBe(404);
    const anonymous = await env.app.request(`/api/v1/sureties/${n}/contractor-email`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contractorEmail: NEW_ADDRESS }),
    });
    expect(anonymous.status).toBe(401);
    // Nothing changed by any of these: no mail, no audit row.
    expect(await outbox()).toHaveLength(1);
    expect((await listAudit(env.ctx.db, n)).some((r) => r.action === 'surety.contractor_email')).toBe(false);
  });
});
