// The management side of the staff portal through the real routes: the mail screen (メール送信状況) with 再送, the
// four-eyes requests for obligee rules and key reissue on the one approval screen, and the read-only settings.
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listAudit } from '../../src/repositories/audit-log.js';
import { leaseOutbox } from '../../src/repositories/outbox.js';
import type { Actor } from '../../src/services/context.js';
import { approveApplication, requestKeyReissue, requestObligeeChange } from '../../src/services/staff/requests.js';
import { recordBackup } from '../../src/services/record-backup.js';
import type { BackupReport } from '../../src/services/backup-database.js';
import { advanceBody, MISHIMA, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { startSink, type MailSink } from '../notifications/mail-sink.js';
import { workerFor } from '../notifications/support.js';
import { loginAs, type Staff } from './support.js';

const CONTRACTOR = 'keiyaku@fujimi-kensetsu.example.jp';

const auditActions = async (env: TestEnv, n?: string) => (await listAudit(env.ctx.db, n)).map((a) => a.action);

describeEachDatabase('staff mail screen (メール送信状況)', (kind) => {
  let env: TestEnv;
  let sink: MailSink;
  let admin: Staff;
  let clerk: Staff;
  let approver: Staff;
  let dead: { contractNumber: string; authKey: string };
  beforeAll(async () => {
    [env, sink] = await Promise.all([setup(kind), startSink({ rejectRecipient: () => 550 })]);
    await registerMishima(env);
    dead = await publish(env, advanceBody({ contractorEmail: CONTRACTOR }));
    expect(await workerFor(env, sink).tick()).toMatchObject({ dead: 1 });
    admin = await loginAs(env, 'admin@mail.jp', 'admin');
    clerk = await loginAs(env, 'clerk@mail.jp', 'clerk');
    approver = await loginAs(env, 'approver@mail.jp', 'approver');
  });
  afterAll(async () => Promise.all([env?.close(), sink?.close()]));

  const deadRow = () =>
    env.ctx.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('contract_number', '=', dead.contractNumber)
      .executeTakeFirstOrThrow();

  it('lists a dead letter with a masked address, the reason in plain Japanese and a 再送 button — never a body, link or key', async () => {
    const row = await deadRow();
    const page = await admin.get('/admin/outbox');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    // Opens on the dead letters when there are any.
    expect(page.html).toMatch(/aria-current="page"[^>]*>送信失敗（停止中）（1件）/);
    expect(page.html).toContain('ke***@fujimi-kensetsu.example.jp');
    expect(page.html).not.toContain(CONTRACTOR);
    expect(page.html).toContain(row.subject);
    expect(page.html).toContain('宛先のメールアドレスが存在しないか、受け取りを拒否されました');
    expect(page.html).toMatch(/サーバーの応答：<span class="kid">[^<]*550/);
    expect(page.html).toContain(`action="/admin/outbox/${row.id}/retry"`);
    // Every kind of mail the outbox holds can be filtered by its own name.
    expect(page.html).toContain('<option value="key_reissued">認証キー再発行のお知らせ</option>');
    expect(page.html).toContain('<option value="contact_changed">お知らせ先メールアドレス変更のお知らせ</option>');
    expect(page.html).toMatch(/name="_csrf" value="[^"]+"/);
    for (const secret of [dead.authKey, '/mail/notice/', 'esurety-link']) {
      expect(page.html).not.toContain(secret);
    }
  });

  it('puts the dead-letter count on the dashboard of the roles that can act on it, and the screen in their menu', async () => {
    for (const s of [admin, clerk]) {
      const home = await s.get('/admin');
      expect(home.html).toContain('送信に失敗して止まっているメールが1件あります。');
      expect(home.html).toContain('href="/admin/outbox?state=dead"');
      expect(home.html).toContain('href="/admin/outbox"');
    }
    const home = await approver.get('/admin');
    expect(home.html).not.toContain('送信に失敗して止まっているメール');
    expect(home.html).not.toContain('href="/admin/outbox"');
    expect((await approver.get('/admin/outbox')).status).toBe(403);
    expect((await approver.post(`/admin/outbox/${(await deadRow()).id}/retry`)).status).toBe(403);
  });

  it('filters by state, contract number and kind', async () => {
    const other = await publish(env, advanceBody({ contractorEmail: 'other@example.jp' }));
    const pending = await clerk.get(`/admin/outbox?state=pending&contractNumber=${other.contractNumber}`);
    expect(pending.html).toContain(other.contractNumber);
    expect(pending.html).not.toContain(`>${dead.contractNumber}<`);
    // Full-width digits and another dash are the same number (DESIGN §2).
    const wide = other.contractNumber.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))).replace('-', 'ー');
    expect((await clerk.get(`/admin/outbox?state=pending&contractNumber=${encodeURIComponent(wide)}`)).html).toContain(
      `>${other.contractNumber}<`,
    );
    expect((await clerk.get('/admin/outbox?state=pending&kind=expiry_reminder')).html).toContain(
      'この条件に合うメールはありません。',
    );
    expect((await clerk.get('/admin/outbox?state=dead&contractNumber=nonsense')).html).toContain(
      'この条件に合うメールはありません。',
    );
  });

  it('sends a dead letter again with its audit row, once delivery works it is sent, and a sent mail cannot be retried', async () => {
    const row = await deadRow();
    const res = await clerk.post(`/admin/outbox/${row.id}/retry`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/admin\/outbox\?state=pending&flash=mail\.retried/);
    expect(await deadRow()).toMatchObject({ state: 'pending', attempts: 0 });
    const audit = (await listAudit(env.ctx.db, dead.contractNumber)).filter((a) => a.action === 'mail.retry');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'staff' });
    expect(audit[0]?.detail).toContain('"previousState":"dead"');
    const after = await clerk.get('/admin/outbox?state=pending&flash=mail.retried');
    expect(after.html).toContain('再送の手配をしました。');

    await sink.close();
    sink = await startSink();
    await workerFor(env, sink).tick();
    expect((await deadRow()).state).toBe('sent');
    const sent = await admin.get(`/admin/outbox?state=sent&contractNumber=${dead.contractNumber}`);
    expect(sent.html).toContain(dead.contractNumber);
    expect(sent.html).not.toContain(`/admin/outbox/${row.id}/retry`);
    const again = await admin.post(`/admin/outbox/${row.id}/retry`);
    expect(again.status).toBe(409);
    expect(again.html).toContain('このメールは送信済みです');
  });

  it('refuses to retry a mail a worker is sending right now, and writes nothing', async () => {
    const { contractNumber: n } = await publish(env, advanceBody({ contractorEmail: 'busy@example.jp' }));
    const row = await env.ctx.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('contract_number', '=', n)
      .executeTakeFirstOrThrow();
    const now = env.now();
    expect(
      await leaseOutbox(
        env.ctx.db,
        row.id,
        'worker-x',
        now.toISOString(),
        new Date(now.getTime() + 60_000).toISOString(),
      ),
    ).toBe(true);
    expect((await admin.get(`/admin/outbox?state=pending&contractNumber=${n}`)).html).toContain('送信中');
    const res = await admin.post(`/admin/outbox/${row.id}/retry`);
    expect(res.status).toBe(409);
    expect(res.html).toContain('送信処理中です');
    expect(await auditActions(env, n)).not.toContain('mail.retry');
    expect((await admin.post('/admin/outbox/no-such-mail/retry')).status).toBe(404);
  });

  it('has an English version', async () => {
    const page = await admin.get('/admin/outbox?state=sent&lang=en');
    expect(page.html).toContain('<h1>Mail</h1>');
    expect(page.html).toContain('Sent (');
    expect(page.html).not.toContain('undefined');
  });
});

describeEachDatabase('four-eyes for obligee rules and key reissue', (kind) => {
  let env: TestEnv;
  let admin: Staff;
  let admin2: Staff;
  let clerk: Staff;
  let approver: Staff;
  let approver2: Staff;
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    admin = await loginAs(env, 'admin@fe.jp', 'admin');
    admin2 = await loginAs(env, 'admin2@fe.jp', 'admin');
    clerk = await loginAs(env, 'clerk@fe.jp', 'clerk');
    approver = await loginAs(env, 'approver@fe.jp', 'approver');
    approver2 = await loginAs(env, 'approver2@fe.jp', 'approver');
  });
  afterAll(async () => env?.close());

  const rulesOf = async () =>
    (await env.api('GET', '/api/v1/obligees')).json.obligees.find((o: { id: string }) => o.id === 'mishima-city')
      ?.rules;
  const editMishima = (effectiveFrom: string) =>
    admin.post('/admin/obligees/mishima-city', {
      name: '三島市',
      title: '三島市長',
      'rule0.products': ['advance_payment', 'contract'],
      'rule0.basis': 'contract_date',
      'rule0.effectiveFrom': effectiveFrom,
    });
  const requestId = (location: string | null) => /\/admin\/drafts\/([0-9a-f-]{36})/.exec(location ?? '')![1]!;

  it('applies an obligee rule change only when an approver approves it, with both audit rows', async () => {
    const res = await editMishima('2026-04-01');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/\/admin\/drafts\/[0-9a-f-]{36}\?flash=request\.created$/);
    const id = requestId(res.headers.get('location'));
    expect(await rulesOf()).toEqual(MISHIMA.rules);
    expect((await admin.get('/admin/obligees')).html).toContain(`href="/admin/drafts/${id}"`);

    // The approval screen lists it and shows 変更前 → 変更後.
    expect((await approver.get('/admin/drafts')).html).toContain('発注者の登録・変更');
    const page = await approver.get(`/admin/drafts/${id}`);
    expect(page.html).toContain('発注者の登録内容の変更');
    // Each date inside its own cell (lazy up to the cell's end, not across the page).
    expect(page.html).toMatch(/<td class="diff-before">(?:(?!<\/td>).)*令和8年1月1日(?:(?!<\/td>).)*<\/td>/s);
    expect(page.html).toMatch(/<td class="diff-after">(?:(?!<\/td>).)*令和8年4月1日(?:(?!<\/td>).)*<\/td>/s);
    expect(page.html).toContain('承認して適用する');
    // Neither the requesting admin nor a clerk may approve.
    expect((await admin.post(`/admin/drafts/${id}/approve`)).status).toBe(403);
    expect((await clerk.post(`/admin/drafts/${id}/approve`)).status).toBe(403);
    // A second change of the same obligee waits until this one is decided.
    const twice = await editMishima('2026-05-01');
    expect(twice.status).toBe(409);
    expect(twice.html).toContain('承認待ちの変更申請があります');

    const approved = await approver.post(`/admin/drafts/${id}/approve`);
    expect(approved.headers.get('location')).toBe(`/admin/drafts/${id}?flash=request.applied`);
    expect(await rulesOf()).toEqual([
      { products: ['advance_payment', 'contract'], basis: 'contract_date', effectiveFrom: '2026-04-01' },
    ]);
    const actions = await auditActions(env);
    expect(actions.slice(-2)).toEqual(['obligee.replace', 'draft.approve']);
    expect(actions).toContain('draft.create');
    const shown = await approver.get(`/admin/drafts/${id}`);
    expect(shown.html).toContain('適用済み');
    expect(shown.html).not.toContain('承認して適用する');
    expect((await approver.post(`/admin/drafts/${id}/approve`)).status).toBe(409);
  });

  it('refuses an approval by the requester, and one whose obligee changed after the request', async () => {
    const res = await editMishima('2026-06-01');
    const id = requestId(res.headers.get('location'));
    const requester = await env.ctx.db
      .selectFrom('staff_users')
      .select('id')
      .where('email', '=', 'admin@fe.jp')
      .executeTakeFirstOrThrow();
    await expect(
      approveApplication(env.ctx, { type: 'staff', id: requester.id, email: 'admin@fe.jp', role: 'approver' }, id),
    ).rejects.toMatchObject({ code: 'forbidden' });

    // The issuer API replaces the rules meanwhile: what the approver would compare against is gone.
    expect((await env.api('PUT', '/api/v1/obligees/mishima-city', MISHIMA)).status).toBe(200);
    expect((await approver.get(`/admin/drafts/${id}`)).html).toContain(
      '申請のあとで発注者の登録内容が変更されています',
    );
    const stale = await approver.post(`/admin/drafts/${id}/approve`);
    expect(stale.status).toBe(409);
    expect(stale.html).toContain('この申請は適用できません');
    expect(await rulesOf()).toEqual(MISHIMA.rules);
    const row = await env.ctx.db
      .selectFrom('staff_drafts')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');

    // Only its author takes it back.
    expect((await admin2.post(`/admin/drafts/${id}/withdraw`)).status).toBe(403);
    expect((await admin.post(`/admin/drafts/${id}/withdraw`)).headers.get('location')).toBe(
      '/admin/drafts?flash=draft.withdrawn',
    );
  });

  it('registers a new obligee through a request, refusing an id that exists', async () => {
    const taken = await admin.post('/admin/obligees/new', {
      id: 'mishima-city',
      name: '三島市',
      'rule0.products': 'contract',
      'rule0.basis': 'contract_date',
      'rule0.effectiveFrom': '2026-01-01',
    });
    expect(taken.status).toBe(422);
    expect(taken.html).toContain('ID mishima-city の発注者はすでに登録されています');
    const unchanged = await admin.post('/admin/obligees/mishima-city', {
      name: MISHIMA.name,
      title: MISHIMA.title,
      'rule0.products': MISHIMA.rules[0]!.products,
      'rule0.basis': 'contract_date',
      'rule0.effectiveFrom': '2026-01-01',
    });
    expect(unchanged.status).toBe(422);
    expect(unchanged.html).toContain('変更された項目がありません');
    const res = await admin.post('/admin/obligees/new', {
      id: 'susono-city',
      name: '裾野市',
      'rule0.products': 'contract',
      'rule0.basis': 'bid_date',
      'rule0.effectiveFrom': '2026-07-01',
    });
    const id = requestId(res.headers.get('location'));
    expect((await approver.get(`/admin/drafts/${id}`)).html).toContain('発注者の新規登録');
    await approver.post(`/admin/drafts/${id}/approve`);
    expect(await auditActions(env)).toContain('obligee.create');
    const pub = await env.api('GET', '/api/v1/obligees');
    expect(pub.json.obligees.map((o: { id: string }) => o.id)).toContain('susono-city');
  });

  it('reissues a key only when an approver approves the clerk’s request; a rejected request changes nothing', async () => {
    const { contractNumber: n, authKey } = await publish(env);
    const verify = (key: string) => env.api('POST', '/api/v1/verify', { contractNumber: n, authKey: key });
    const detail = await clerk.get(`/admin/sureties/${n}`);
    expect(detail.html).toContain('認証キーの再発行を申請する');

    const first = await clerk.post(`/admin/sureties/${n}/reissue`, { reason: '請負者が紛失' });
    expect(first.headers.get('location')).toBe(`/admin/sureties/${n}?flash=reissue.requested`);
    // A reissue needs a reason: without one nothing is filed.
    const noReason = await clerk.post(`/admin/sureties/${n}/reissue`, { reason: '  ' });
    expect(noReason.status).toBe(422);
    expect(noReason.html).toContain('認証キーを再発行する理由を入力してください');
    expect((await clerk.post(`/admin/sureties/${n}/reissue`, { reason: '二重の申請' })).status).toBe(409);
    const pending = await env.ctx.db
      .selectFrom('staff_drafts')
      .selectAll()
      .where('contract_number', '=', n)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    expect(pending).toMatchObject({ kind: 'reissue_key' });
    expect(JSON.parse(pending.body)).toEqual({ reason: '請負者が紛失' });
    const page = await approver.get(`/admin/drafts/${pending.id}`);
    expect(page.html).toContain('認証キーの再発行');
    expect(page.html).toContain('請負者が紛失');
    expect((await clerk.post(`/admin/drafts/${pending.id}/approve`)).status).toBe(403);

    await approver.post(`/admin/drafts/${pending.id}/reject`, { reason: '本人確認ができていません' });
    expect((await verify(authKey)).status).toBe(200);
    expect(await auditActions(env, n)).not.toContain('surety.reissue_key');

    await clerk.post(`/admin/sureties/${n}/reissue`, { reason: '本人確認済み' });
    const second = await env.ctx.db
      .selectFrom('staff_drafts')
      .select('id')
      .where('contract_number', '=', n)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    // Two approvers (two accounts, two sessions) approve at once: exactly one reissue.
    const answers = await Promise.all([
      approver.post(`/admin/drafts/${second.id}/approve`),
      approver2.post(`/admin/drafts/${second.id}/approve`),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([303, 409]);
    expect((await verify(authKey)).status).toBe(401);
    // The reason travels with the reissue into its audit rows (request, approval, the reissue itself).
    const reasons = await env.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'detail'])
      .where('contract_number', '=', n)
      .where('action', 'in', ['draft.create', 'draft.approve', 'surety.reissue_key'])
      .orderBy('id')
      .execute();
    const withReason = reasons.filter((r) => (JSON.parse(r.detail) as { reason?: string }).reason === '本人確認済み');
    expect(withReason.map((r) => r.action).sort()).toEqual(['draft.approve', 'draft.create', 'surety.reissue_key']);
    const actions = await auditActions(env, n);
    expect(actions.filter((a) => a === 'surety.reissue_key')).toHaveLength(1);
    expect(actions.slice(-2)).toEqual(['surety.reissue_key', 'draft.approve']);
    const shown = await approver.post(`/admin/sureties/${n}/key`);
    const fresh = /class="key-box"[^>]*>([^<]+)</.exec(shown.html)![1]!.trim();
    expect((await verify(fresh)).status).toBe(200);
    // The key is never stored with the request nor shown on the approval screen.
    const rows = await env.ctx.db.selectFrom('staff_drafts').select(['body', 'result']).execute();
    expect(JSON.stringify(rows)).not.toContain(fresh);
    expect((await approver.get(`/admin/drafts/${second.id}`)).html).not.toContain(fresh);
    expect(JSON.stringify(await listAudit(env.ctx.db))).not.toContain(fresh);
  });
  it('files exactly one request when identical ones arrive at once', async () => {
    const actorOf = async (email: string): Promise<Actor> => {
      const row = await env.ctx.db
        .selectFrom('staff_users')
        .select(['id', 'role'])
        .where('email', '=', email)
        .executeTakeFirstOrThrow();
      return { type: 'staff', id: row.id, email, role: row.role as 'admin' | 'clerk' | 'approver' };
    };
    const pendingOf = (kindOf: string, filter: (body: string, n: string | null) => boolean) =>
      env.ctx.db
        .selectFrom('staff_drafts')
        .select(['body', 'contract_number'])
        .where('status', '=', 'pending')
        .where('kind', '=', kindOf)
        .execute()
        .then((rows) => rows.filter((r) => filter(r.body, r.contract_number)));
    const settledCodes = (all: PromiseSettledResult<string>[]) =>
      all.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code?: string }).code)).sort();

    const { contractNumber: n } = await publish(env);
    const clerkActor = await actorOf('clerk@fe.jp');
    const reissues = await Promise.allSettled(
      Array.from({ length: 4 }, () => requestKeyReissue(env.ctx, clerkActor, n, '同時の申請')),
    );
    expect(settledCodes(reissues)).toEqual(['conflict', 'conflict', 'conflict', 'ok']);
    expect(await pendingOf('reissue_key', (_, c) => c === n)).toHaveLength(1);

    const adminActor = await actorOf('admin@fe.jp');
    const body = {
      name: '沼津市',
      rules: [{ products: ['contract'], basis: 'contract_date', effectiveFrom: '2026-08-01' }],
    };
    const obligees = await Promise.allSettled(
      Array.from({ length: 4 }, () => requestObligeeChange(env.ctx, adminActor, 'numazu-city', body, true)),
    );
    expect(settledCodes(obligees)).toEqual(['conflict', 'conflict', 'conflict', 'ok']);
    expect(
      await pendingOf('obligee', (b) => (JSON.parse(b) as { obligeeId: string }).obligeeId === 'numazu-city'),
    ).toHaveLength(1);
  });
});

describeEachDatabase('settings screen (設定)', (kind) => {
  let env: TestEnv;
  let admin: Staff;
  const SMTP = 'smtp://mailer:s3cret-Passw0rd@127.0.0.1:2525';
  beforeAll(async () => {
    env = await setup(kind, { env: { SMTP_URL: SMTP } });
    admin = await loginAs(env, 'admin@settings.jp', 'admin');
  });
  afterAll(async () => env?.close());

  it('shows the effective configuration with secrets only as set / not set, the keys and the status', async () => {
    const page = await admin.get('/admin/settings');
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h1>設定</h1>');
    expect(page.html).toContain('テスト保証株式会社');
    expect(page.html).toContain('http://localhost:3000');
    expect(page.html).toMatch(/SMTP_URL<\/th><td>設定あり（値は表示しません）/);
    expect(page.html).toMatch(/DATABASE_URL<\/th><td>未設定/);
    // No secret in the page: not the SMTP password, nor any value of the secrets file.
    expect(page.html).not.toContain('s3cret-Passw0rd');
    expect(page.html).not.toContain(SMTP);
    const secrets = JSON.parse(fs.readFileSync(env.config.secretsFile, 'utf8')) as Record<string, unknown>;
    const values: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string' && v.length >= 16) values.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(secrets);
    const kids = new Set((await env.ctx.db.selectFrom('signing_keys').select('kid').execute()).map((k) => k.kid));
    for (const v of values.filter((x) => !kids.has(x))) expect(page.html).not.toContain(v);
    // Signing keys with the JWKS link.
    expect(page.html).toContain(env.ctx.keyring.activeKid);
    expect(page.html).toContain('署名に使用中');
    expect(page.html).toContain('署名に使用中の鍵の秘密鍵は、秘密情報ファイルにあります。');
    expect(page.html).toContain('href="/.well-known/jwks.json"');
    expect(page.html).toContain(kind.name === 'postgres' ? 'PostgreSQL' : 'SQLite');
    expect(page.html).toContain('最新（マイグレーション');
    // The SQLite WAL's size beside the database's (a WAL that outgrows the database is what fills a disk).
    if (kind.name === 'sqlite') expect(page.html).toMatch(/先行書き込みログ（WAL[^<]*<\/dt>\s*<dd>[\d.,]+ MiB/);
    else expect(page.html).not.toContain('先行書き込みログ');
    expect(page.html).toContain('送信待ち 0件・送信失敗 0件・送信済み 0件');
    expect(page.html).toContain('記録がありません');
  });

  it('shows the last verified backup once one is recorded', async () => {
    const report = {
      file: '/backups/secret-dir/esurety-2026-11-24.sqlite',
      bytes: 4096,
      ms: 12.4,
      audit: { versions: 3 },
    };
    await recordBackup(env.ctx, { type: 'cli', id: 'ops' }, report as unknown as BackupReport);
    const page = await admin.get('/admin/settings');
    expect(page.html).toContain('esurety-2026-11-24.sqlite、3版を検証');
    expect(page.html).not.toContain('secret-dir');
  });

  it('is for administrators only, and has an English version', async () => {
    const clerk = await loginAs(env, 'clerk@settings.jp', 'clerk');
    expect((await clerk.get('/admin/settings')).status).toBe(403);
    expect((await clerk.get('/admin')).html).not.toContain('href="/admin/settings"');
    expect((await admin.get('/admin')).html).toContain('href="/admin/settings"');
    const en = await admin.get('/admin/settings?lang=en');
    expect(en.html).toContain('<h1>Settings</h1>');
    expect(en.html).toContain('Set (value not shown)');
    expect(en.html).not.toContain('undefined');
    // Every message's placeholders were filled in (an unfilled one shows as {name}).
    expect(en.html).not.toMatch(/\{[A-Za-z]+\}/);
  });
});
