// Mail delivery through a real SMTP server: the contractor's mails and their content, the notice link, SMTP outages,
// permanent rejections, dead letters and their retry, and several workers sharing one database.
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { findOutbox, leaseOutbox } from '../../src/repositories/outbox.js';
import { listAudit } from '../../src/repositories/audit-log.js';
import { createSmtpTransport } from '../../src/mail/transport.js';
import { describeMailSetup, MailWorker } from '../../src/mail/worker.js';
import { openPlatform } from '../../src/platform.js';
import { addVersion, advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, PG_URL, setup, type TestEnv } from '../support/harness.js';
import { linkIn, startSink, type MailSink } from './mail-sink.js';
import { currentSchema, local, outboxStates, postForm, workerFor } from './support.js';

const CONTRACTOR = 'keiyaku@fujimi-kensetsu.example.jp';
const NOTICE_LINK = 'http://localhost:3000/mail/notice/';

describeEachDatabase('notification mail delivery', (kind) => {
  let env: TestEnv;
  let sink: MailSink;
  beforeEach(async () => {
    [env, sink] = await Promise.all([setup(kind), startSink()]);
    await registerMishima(env);
  });
  afterEach(async () => {
    await Promise.all([env.close(), sink.close()]);
  });

  const publishWithMail = (overrides: Record<string, unknown> = {}) =>
    publish(env, advanceBody({ contractorEmail: CONTRACTOR, ...overrides }));

  it('mails the contractor a Japanese 発行完了のお知らせ with what happened and a notice link, never the key', async () => {
    const { contractNumber: n, authKey: key } = await publishWithMail();
    expect(await workerFor(env, sink).tick()).toEqual({ sent: 1, retried: 0, dead: 0 });

    const [mail] = sink.received;
    if (!mail) throw new Error('no mail');
    expect(mail.envelopeTo).toEqual([CONTRACTOR]);
    expect(mail.subject).toBe(`電子保証（認証キー）発行完了のお知らせ（保証契約番号 ${n}）`);
    expect(mail.headers.get('from')).toBe('電子保証プラットフォーム <no-reply@localhost>');
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@localhost>$/);
    expect(mail.headers.get('content-type')).toMatch(/^multipart\/alternative/);
    for (const body of [mail.text, mail.html]) {
      for (const fact of [
        '富士見建設株式会社 御中',
        '新規発行',
        n,
        '前払金保証',
        '市道大場線道路改良工事',
        '三島市',
        '20,000,000円',
        '令和8年11月24日 10:00:00',
        'テスト保証株式会社',
      ]) {
        expect(body).toContain(fact);
      }
    }
    // The key never travels by mail: not in the subject, the headers, either body or the raw message.
    for (const part of [mail.raw, mail.subject, mail.text, mail.html]) expect(part).not.toContain(key);
    expect(mail.text).toContain('認証キーは、安全のためこのメールには記載していません');

    const link = linkIn(mail.text, NOTICE_LINK);
    expect(mail.html).toContain(`href="${link}"`);
    expect(mail.text).toContain('リンクの有効期限は令和8年12月1日 10:00:00までです');
    expect(mail.text).toContain('http://localhost:3000/status');
  });

  it('tells the contractor about every change, correction, change cancellation and cancellation', async () => {
    const { contractNumber: n } = await publishWithMail();
    const increase = { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 };
    expect((await addVersion(env, n, { event: 'change', changes: increase, reason: '請負代金額の増額' })).status).toBe(
      201,
    );
    expect(
      (await addVersion(env, n, { event: 'correction', target: 2, changes: { depositBank: '静岡中央銀行 本店' } }))
        .status,
    ).toBe(201);
    expect((await addVersion(env, n, { event: 'change_cancellation', target: 3 })).status).toBe(201);
    expect((await addVersion(env, n, { event: 'cancellation', reason: '契約解除' })).status).toBe(201);
    await workerFor(env, sink).tick();

    expect(sink.received.map((m) => m.subject)).toEqual(
      ['認証キー', '変更', '訂正', '変更取消', '取消'].map(
        (e) => `電子保証（${e}）発行完了のお知らせ（保証契約番号 ${n}）`,
      ),
    );
    const [, change, correction, undo, cancel] = sink.received.map((m) => m.text);
    expect(change).toContain('お知らせの内容：変更（増額）');
    expect(change).toContain('保証金額：22,000,000円');
    expect(change).toContain('理由：請負代金額の増額');
    // A 訂正 and a 変更取消 say which row they concern, by the No. of the history table.
    expect(correction).toContain('お知らせの内容：No.2 変更（増額）の記載を訂正');
    expect(undo).toContain('お知らせの内容：変更取消（No.2 変更（増額）を取り消し）');
    // A 変更取消 reports the restored state, not the cancelled change.
    expect(undo).toContain('変更前の状態に戻りました');
    expect(undo).toContain('保証金額：20,000,000円');
    expect(cancel).toContain('この電子保証は取り消されました');
    for (const text of sink.received.map((m) => m.text)) expect(text).toContain(NOTICE_LINK);
  });

  it('writes no mail for a publication without a contractor address, and none for a rejected request', async () => {
    await publish(env);
    const bad = await env.api(
      'POST',
      '/api/v1/sureties',
      advanceBody({ contractorEmail: CONTRACTOR, guaranteeAmount: -1 }),
    );
    expect(bad.status).toBe(422);
    expect(await outboxStates(env)).toEqual([]);
  });

  it('keeps mail while SMTP is down and delivers it exactly once, unchanged, when the server is back', async () => {
    const { port } = sink;
    await sink.close();
    const { contractNumber: n } = await publishWithMail();
    const worker = new MailWorker(env.ctx, {
      transport: createSmtpTransport(`smtp://127.0.0.1:${port}`),
      random: () => 0.5,
    });

    expect(await worker.tick()).toEqual({ sent: 0, retried: 1, dead: 0 });
    const row = await env.ctx.db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'pending', attempts: 1, contract_number: n, lease_owner: null });
    expect(row.last_error).toMatch(/ECONNREFUSED|ECONNECTION/);
    // Backoff: not due again at once.
    expect(await worker.tick()).toEqual({ sent: 0, retried: 0, dead: 0 });
    const firstTry = await worker.compose(row);

    sink = await startSink({ port });
    env.setNow('2026-11-24T01:05:00.000Z');
    expect(await worker.tick()).toEqual({ sent: 1, retried: 0, dead: 0 });
    expect(await worker.tick()).toEqual({ sent: 0, retried: 0, dead: 0 });
    expect(sink.received).toHaveLength(1);
    // The retry is the same mail: same Message-ID and the same (already signed) link and expiry.
    expect(sink.received[0]?.messageId).toBe(firstTry.messageId);
    expect(sink.received[0]?.text).toBe(firstTry.text);
    expect(await outboxStates(env)).toEqual(['sent']);
  });

  it('dead-letters a permanently rejected mail; staff see it through the API and can send it again', async () => {
    await sink.close();
    let rejecting = true;
    sink = await startSink({ rejectRecipient: () => (rejecting ? 550 : null) });
    const { contractNumber: n } = await publishWithMail();
    const worker = workerFor(env, sink);
    expect(await worker.tick()).toEqual({ sent: 0, retried: 0, dead: 1 });

    const dead = await env.api('GET', '/api/v1/outbox?state=dead');
    expect(dead.status).toBe(200);
    expect(dead.json.counts).toEqual({ pending: 0, dead: 1, sent: 0 });
    const [entry] = dead.json.mails;
    expect(entry).toMatchObject({
      kind: 'contractor_event',
      contractNumber: n,
      recipient: CONTRACTOR,
      state: 'dead',
      attempts: 1,
    });
    expect(entry.lastError).toContain('550');
    expect(entry).not.toHaveProperty('body_text');
    expect((await env.api('GET', '/api/v1/outbox?state=lost')).status).toBe(422);
    expect((await env.api('GET', '/api/v1/outbox', undefined, { authorization: 'Bearer nope' })).status).toBe(401);

    rejecting = false;
    const retried = await env.api('POST', `/api/v1/outbox/${entry.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.json.mail).toMatchObject({ id: entry.id, state: 'pending', attempts: 0 });
    expect((await listAudit(env.ctx.db, n)).map((a) => a.action)).toContain('mail.retry');
    expect(await worker.tick()).toEqual({ sent: 1, retried: 0, dead: 0 });
    expect(sink.received).toHaveLength(1);
    expect((await env.api('POST', `/api/v1/outbox/${entry.id}/retry`)).status).toBe(409);
    expect((await env.api('POST', '/api/v1/outbox/no-such-mail/retry')).status).toBe(404);
  });

  it('dead-letters a mail after too many failed attempts', async () => {
    const { port } = sink;
    await sink.close();
    await publishWithMail();
    const worker = new MailWorker(env.ctx, {
      transport: createSmtpTransport(`smtp://127.0.0.1:${port}`),
      maxAttempts: 2,
      random: () => 0.5,
    });
    expect(await worker.tick()).toMatchObject({ retried: 1 });
    env.setNow('2026-11-24T02:00:00.000Z');
    expect(await worker.tick()).toMatchObject({ dead: 1 });
    expect(await outboxStates(env)).toEqual(['dead']);
    sink = await startSink({ port });
  });

  it('never sends a mail twice with two workers on the same database, and takes over an expired lease', async () => {
    await sink.close();
    sink = await startSink({ delayMs: 10 });
    for (let i = 0; i < 6; i++) await publishWithMail();
    const second = await openPlatform(env.config, {
      clock: () => env.now(),
      connection:
        kind.name === 'postgres'
          ? { databaseUrl: PG_URL, pgSchema: await currentSchema(env), poolSize: 3 }
          : { sqliteFile: path.join(env.dataDir, 'esurety.sqlite') },
    });
    try {
      const a = workerFor(env, sink, { owner: 'instance-a' });
      const b = new MailWorker(second.ctx, { transport: createSmtpTransport(sink.url), owner: 'instance-b' });
      const first = await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
      expect(first.reduce((sum, r) => sum + r.sent, 0)).toBe(6);
      expect((await Promise.all([a.tick(), b.tick()])).map((r) => r.sent)).toEqual([0, 0]);
      expect(sink.received).toHaveLength(6);
      expect(new Set(sink.received.map((m) => m.messageId)).size).toBe(6);

      // A worker that died holding a lease: nobody sends that mail until the lease runs out, then one worker does.
      await publishWithMail();
      const id = (
        await env.ctx.db.selectFrom('mail_outbox').select('id').where('state', '=', 'pending').executeTakeFirstOrThrow()
      ).id;
      const now = env.now();
      expect(
        await leaseOutbox(
          env.ctx.db,
          id,
          'crashed',
          now.toISOString(),
          new Date(now.getTime() + 120_000).toISOString(),
        ),
      ).toBe(true);
      expect((await Promise.all([a.tick(), b.tick()])).map((r) => r.sent)).toEqual([0, 0]);
      env.setNow(new Date(now.getTime() + 121_000).toISOString());
      const after = await Promise.all([a.tick(), b.tick()]);
      expect(after.reduce((sum, r) => sum + r.sent, 0)).toBe(1);
      expect((await findOutbox(env.ctx.db, id))?.attempts).toBe(2);
      expect(sink.received).toHaveLength(7);
    } finally {
      await second.close();
    }
  });

  /** A second instance on the same database (its own connections), reading the clock it is given. */
  const secondInstance = async (clock: () => Date) =>
    openPlatform(env.config, {
      clock,
      connection:
        kind.name === 'postgres'
          ? { databaseUrl: PG_URL, pgSchema: await currentSchema(env), poolSize: 3 }
          : { sqliteFile: path.join(env.dataDir, 'esurety.sqlite') },
    });

  it('delivers every mail exactly once through a slow SMTP server, several at a time, with two instances and a short lease', async () => {
    await sink.close();
    // 3 s before the server answers each message, against a 1 s lease: the sends outlast their leases three times.
    sink = await startSink({ delayMs: 3_000 });
    // Six contractors (mails to one address go one after another, in order).
    for (let i = 0; i < 6; i++) await publishWithMail({ contractorEmail: `keiyaku${i}@fujimi-kensetsu.example.jp` });
    // Leases need a clock that moves: the instants are the test's, the pace is real.
    const base = env.now().getTime();
    const started = Date.now();
    const clock = () => new Date(base + (Date.now() - started));
    const second = await secondInstance(clock);
    const options = { leaseMs: 1_000, pollMs: 100, concurrency: 3, random: () => 0.5 };
    const workers = [
      new MailWorker(
        { ...env.ctx, clock },
        { transport: createSmtpTransport(sink.url), owner: 'instance-a', ...options },
      ),
      new MailWorker(second.ctx, { transport: createSmtpTransport(sink.url), owner: 'instance-b', ...options }),
    ];
    try {
      for (const w of workers) w.start();
      for (let i = 0; i < 600 && (await outboxStates(env)).some((s) => s !== 'sent'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const allSentAfterMs = Date.now() - started;
      // Stopping waits for sends still in progress: a duplicate on its way would arrive before the count below.
      await Promise.all(workers.map((w) => w.stop()));
      const ids = sink.received.map((m) => m.messageId);
      if (process.env.ESURETY_REPORT_FIGURES) {
        console.info(
          `[${kind.name}] 6 mails at 3 s each: ${new Set(ids).size} distinct delivered, ${ids.length - new Set(ids).size} duplicated, all sent after ${allSentAfterMs} ms`,
        );
      }
      expect(await outboxStates(env)).toEqual(Array(6).fill('sent'));
      expect(ids).toHaveLength(6);
      expect(new Set(ids).size).toBe(6);
      // Each mail was claimed once: no instance took over a lease that was still being sent under.
      const rows = await env.ctx.db.selectFrom('mail_outbox').select(['attempts', 'lease_owner']).execute();
      expect(rows).toEqual(Array(6).fill({ attempts: 1, lease_owner: null }));
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await second.close();
    }
  }, 90_000);

  it('lets one instance at a time run the housekeeping; another takes over when the leader stops or goes silent', async () => {
    const second = await secondInstance(() => env.now());
    try {
      const a = workerFor(env, sink, { owner: 'instance-a', housekeepingMs: 60_000 });
      const b = new MailWorker(second.ctx, { transport: null, owner: 'instance-b', housekeepingMs: 60_000 });
      const runs = await Promise.all([a.housekeeping(), b.housekeeping(), a.housekeeping(), b.housekeeping()]);
      // Whichever asked first leads; the other does nothing while the leader is alive.
      const [leader, follower] = runs[0] ? [a, b] : [b, a];
      expect(runs.map((r) => r !== null)).toEqual(runs[0] ? [true, false, true, false] : [false, true, false, true]);
      expect(await follower.housekeeping()).toBeNull();
      const leases = await env.ctx.db.selectFrom('job_leases').select(['name', 'holder']).execute();
      expect(leases).toEqual([{ name: 'mail-housekeeping', holder: leader === a ? 'instance-a' : 'instance-b' }]);

      // A graceful stop hands the job over at once.
      await leader.stop();
      expect(await follower.housekeeping()).toEqual({ reminders: 0, purged: 0 });
      expect(await leader.housekeeping()).toBeNull();
      // A leader that goes silent (died) is replaced once three of its intervals have passed, not before.
      env.setNow(new Date(env.now().getTime() + 179_000).toISOString());
      expect(await leader.housekeeping()).toBeNull();
      env.setNow(new Date(env.now().getTime() + 2_000).toISOString());
      expect(await leader.housekeeping()).toEqual({ reminders: 0, purged: 0 });
      expect(await follower.housekeeping()).toBeNull();
    } finally {
      await second.close();
    }
  });

  it('keeps the mail in the outbox without SMTP_URL and says so', async () => {
    await publishWithMail();
    const worker = new MailWorker(env.ctx, { transport: null });
    expect(await worker.tick()).toEqual({ sent: 0, retried: 0, dead: 0 });
    expect(await outboxStates(env)).toEqual(['pending']);
    expect(await describeMailSetup(env.ctx)).toBe(
      'mail: SMTP_URL is not set — notification mail is kept in the outbox (1 pending, 0 dead-lettered) and sent once SMTP_URL is configured',
    );
  });

  it('refuses expired, altered, misused and outdated notice links with a page that says what to do', async () => {
    const { contractNumber: n } = await publishWithMail();
    await workerFor(env, sink).tick();
    const link = local(linkIn(sink.received[0]?.text ?? '', NOTICE_LINK));
    const token = link.split('/').at(-1) ?? '';

    const open = await env.app.request(link);
    expect(open.status).toBe(200);
    const openHtml = await open.text();
    expect(openHtml).toContain('「認証キー」のお知らせ（PDF）のダウンロード');
    expect(openHtml).toContain(n);
    expect(openHtml).toContain('令和8年12月1日 10:00:00');
    expect(open.headers.get('cache-control')).toBe('no-store');
    // The page's language switch keeps the link (the token is a path segment).
    expect(await (await env.app.request(`${link}?lang=en`)).text()).toContain('Download the key notice (PDF)');

    // One changed character of the signature.
    const flipped = token.slice(0, -3) + (token.at(-3) === 'A' ? 'B' : 'A') + token.slice(-2);
    const altered = await env.app.request(`/mail/notice/${flipped}`);
    expect(altered.status).toBe(400);
    expect(await altered.text()).toContain('このリンクは無効です');
    const posted = await postForm(env, `/mail/notice/${flipped}`, {});
    expect(posted.status).toBe(400);
    expect(posted.headers.get('content-type')).toMatch(/text\/html/);
    expect((await env.app.request('/mail/notice/not-a-token')).status).toBe(400);
    expect((await env.app.request(`/mail/notice/${'x'.repeat(5000)}`)).status).toBe(400);

    // Genuine but 8 days old.
    env.setNow('2026-12-02T01:00:01.000Z');
    const expired = await env.app.request(link);
    expect(expired.status).toBe(410);
    const expiredHtml = await expired.text();
    expect(expiredHtml).toContain('リンクの有効期限が切れています');
    expect(expiredHtml).toContain('テスト保証株式会社にお知らせの再交付をご依頼ください');
    expect((await postForm(env, link, {})).status).toBe(410);

    // Within its 7 days, but the key was reissued since the mail was written.
    env.setNow('2026-11-25T01:00:00.000Z');
    expect((await env.api('POST', `/api/v1/sureties/${n}/auth-key`)).status).toBe(200);
    const reissued = await env.app.request(link);
    expect(reissued.status).toBe(410);
    expect(await reissued.text()).toContain('認証キーが再発行されたため、このリンクは使えません');
    expect((await postForm(env, link, {})).status).toBe(410);
    expect(await env.ctx.db.selectFrom('mail_links').select('used_at').executeTakeFirst()).toEqual({ used_at: null });
  });
});
