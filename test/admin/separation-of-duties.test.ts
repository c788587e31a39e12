// Separation of duties (issue 14): issuer API tokens carry scopes, a token that could get past four-eyes needs a
// second administrator, and a role × action matrix — every staff route of the route table and every issuer API
// route with the scope it names — generated from the code, plus the property that no single account takes a
// guarantee from draft to published.
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as addScopes from '../../db/migrations/20261205030000_add_api_tokens_scopes.js';
import { API_SCOPES, FOUR_EYES_SCOPES, type ApiScope } from '../../src/domain/api-scopes.js';
import { scopeOf } from '../../src/routes/api-scope-guard.js';
import { ISSUER_ROUTES } from '../../src/routes/api-routes.js';
import { ROUTES } from '../../src/routes/admin/route-table.js';
import { advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { linkIn, startSink, type MailSink } from '../notifications/mail-sink.js';
import { local, workerFor } from '../notifications/support.js';
import { totpAt } from '../../src/security/totp.js';
import { csrfOf, loginAs, PASSWORD, request, type Staff } from './support.js';

const ROLES = ['admin', 'clerk', 'approver'] as const;
type Role = (typeof ROLES)[number];

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

const shownToken = (html: string) => /class="secret">(esk_[A-Za-z0-9_-]+)</.exec(html)?.[1];

async function tokenId(env: TestEnv, name: string): Promise<string> {
  const row = await env.ctx.db.selectFrom('api_tokens').select('id').where('name', '=', name).executeTakeFirstOrThrow();
  return row.id;
}

async function countSureties(env: TestEnv): Promise<number> {
  const row = await env.ctx.db
    .selectFrom('sureties')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describeEachDatabase('API token scopes and the second administrator', (kind) => {
  let env: TestEnv;
  let admin: Staff;
  let second: Staff;
  let contractNumber = '';
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber } = await publish(env));
    admin = await loginAs(env, 'admin@duties.jp', 'admin');
    second = await loginAs(env, 'second-admin@duties.jp', 'admin');
  });
  afterAll(async () => env?.close());

  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  it('a publishing token made in the portal works only once a different administrator approves it', async () => {
    const made = await admin.post('/admin/tokens', { name: 'erp-publish', scopes: ['publish'] });
    expect(made.status).toBe(200);
    expect(made.html).toContain('別の管理者が承認するまで使えません');
    const token = shownToken(made.html)!;
    expect(token).toBeDefined();
    const before = await countSureties(env);
    const refused = await env.api('POST', '/api/v1/sureties', advanceBody(), as(token));
    expect(refused.status).toBe(401);
    expect(await countSureties(env)).toBe(before);

    const id = await tokenId(env, 'erp-publish');
    // Its maker sees no approve button and is refused if they post anyway.
    expect((await admin.get('/admin/tokens')).html).not.toContain(`/admin/tokens/${id}/approve`);
    const self = await admin.post(`/admin/tokens/${id}/approve`);
    expect(self.status).toBe(403);
    expect(self.html).toContain('自分が作成したトークンは承認できません');
    expect((await env.api('POST', '/api/v1/sureties', advanceBody(), as(token))).status).toBe(401);

    expect((await second.get('/admin/tokens')).html).toContain(`/admin/tokens/${id}/approve`);
    const approved = await second.post(`/admin/tokens/${id}/approve`);
    expect(approved.status).toBe(303);
    const published = await env.api('POST', '/api/v1/sureties', advanceBody(), as(token));
    expect(published.status).toBe(201);
    // publish alone reads no key notice and reissues no key.
    const notice = await env.api('GET', `/api/v1/sureties/${contractNumber}/notice.pdf`, undefined, as(token));
    expect(notice.status).toBe(403);
    expect(notice.json.error.code).toBe('forbidden');
    expect((await env.api('POST', `/api/v1/sureties/${contractNumber}/auth-key`, '', as(token))).status).toBe(403);

    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'detail'])
      .where('action', 'in', ['token.create', 'token.approve'])
      .where('detail', 'like', `%${id}%`)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['token.create', 'token.approve']);
    expect(audit[0]!.detail).not.toContain(token);
  });

  it('a read-only token needs no second administrator and is refused everything else with 403 forbidden', async () => {
    const made = await admin.post('/admin/tokens', { name: 'reader', scopes: ['read'] });
    expect(made.html).not.toContain('別の管理者が承認するまで使えません');
    const token = shownToken(made.html)!;
    expect((await env.api('GET', `/api/v1/sureties/${contractNumber}`, undefined, as(token))).status).toBe(200);
    const before = await countSureties(env);
    const post = await env.api('POST', '/api/v1/sureties', advanceBody(), as(token));
    expect(post.status).toBe(403);
    expect(post.json.error.message).toContain('publish');
    expect(await countSureties(env)).toBe(before);
  });

  it('refuses a portal token without any scope, and changes nothing', async () => {
    const res = await admin.post('/admin/tokens', { name: 'nothing' });
    expect(res.status).toBe(422);
    expect(res.html).toContain('権限（スコープ）を1つ以上選んでください');
    expect(await env.ctx.db.selectFrom('api_tokens').select('id').where('name', '=', 'nothing').execute()).toEqual([]);
  });

  it('gives every token made before scopes existed all scopes, approved, so integrators keep working', async () => {
    // The database as it was before the migration, with the integrator's token in it.
    await addScopes.down(env.ctx.db as never);
    await addScopes.up(env.ctx.db as never);
    const rows = await env.ctx.db.selectFrom('api_tokens').select(['scopes', 'approved_at', 'created_at']).execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.scopes).toBe('*');
      expect(row.approved_at).toBe(row.created_at);
    }
    expect((await env.api('POST', `/api/v1/sureties/${contractNumber}/auth-key`, '')).status).toBe(200);
  });

  it("keeps the command line's tokens (token:create, the break-glass path) working with every scope", async () => {
    const row = await env.ctx.db
      .selectFrom('api_tokens')
      .select(['scopes', 'approved_at'])
      .where('name', '=', 'test token')
      .executeTakeFirstOrThrow();
    expect(row.scopes).toBe('*');
    expect(row.approved_at).not.toBeNull();
    expect((await env.api('GET', `/api/v1/sureties/${contractNumber}/notice.pdf`)).status).toBe(200);
  });
});

describeEachDatabase('a new account enrols its own second factor through a link to its own address', (kind) => {
  let env: TestEnv;
  let sink: MailSink;
  let admin: Staff;
  let second: Staff;
  beforeAll(async () => {
    [env, sink] = await Promise.all([setup(kind), startSink()]);
    admin = await loginAs(env, 'admin@enrol.jp', 'admin');
    second = await loginAs(env, 'second-admin@enrol.jp', 'admin');
  });
  afterAll(async () => {
    await env?.close();
    await sink?.close();
  });

  it('an administrator who makes an approver and knows its password cannot pass its second factor', async () => {
    const made = await admin.post('/admin/users', { email: 'approver@enrol.jp', role: 'approver', password: PASSWORD });
    expect(made.status).toBe(200);
    expect(made.html).toContain('別の管理者がこの利用者を承認したときに本人のアドレスへ送ります');
    expect(made.html).not.toContain('/admin/enrol/');
    const { id } = await env.ctx.db
      .selectFrom('staff_users')
      .select('id')
      .where('email', '=', 'approver@enrol.jp')
      .executeTakeFirstOrThrow();

    // The maker logs in with the password they chose: the second factor cannot be set up in that session.
    const login = await request(env, 'POST', '/admin/login', null, { email: 'approver@enrol.jp', password: PASSWORD });
    expect(login.status).toBe(303);
    const mfa = await request(env, 'GET', '/admin/mfa', login.cookie);
    expect(mfa.status).toBe(403);
    expect(mfa.html).toContain('設定用リンクからのみ設定できます');
    expect(mfa.html).not.toContain('class="secret"');
    expect((await request(env, 'GET', '/admin/drafts', login.cookie)).status).toBe(303);

    // Its maker chose the address, so nothing is mailed until a different administrator approves the account.
    expect((await workerFor(env, sink).tick()).sent).toBe(0);
    expect((await admin.get('/admin/users')).html).not.toContain(`/admin/users/${id}/approve`);
    const self = await admin.post(`/admin/users/${id}/approve`);
    expect(self.status).toBe(403);
    expect(self.html).toContain('自分が作成した利用者は承認できません');
    expect((await workerFor(env, sink).tick()).sent).toBe(0);
    expect((await second.post(`/admin/users/${id}/approve`)).status).toBe(303);

    // The link reaches the account's own mailbox only, and works once.
    expect((await workerFor(env, sink).tick()).sent).toBe(1);
    const mail = sink.received.find((m) => m.envelopeTo.includes('approver@enrol.jp'))!;
    expect(mail.subject).toContain('二要素認証の設定');
    expect(mail.text).not.toContain(PASSWORD);
    const link = local(linkIn(mail.text, 'http://localhost:3000/admin/enrol/'));
    expect((await request(env, 'GET', link, null)).status).toBe(200);
    const used = await request(env, 'POST', link, null, {});
    expect(used.status).toBe(303);
    expect(used.headers.get('location')).toBe('/admin/mfa');
    const enrol = await request(env, 'GET', '/admin/mfa', used.cookie);
    const secret = /class="secret">([A-Z2-7]+)</.exec(enrol.html)?.[1];
    expect(secret).toBeDefined();
    env.setNow(new Date(env.now().getTime() + 30_000).toISOString());
    const done = await request(env, 'POST', '/admin/mfa', used.cookie, {
      code: totpAt(secret!, env.now().getTime()),
      _csrf: csrfOf(enrol.html),
    });
    expect(done.status).toBe(200);
    expect(done.html).toContain('リカバリーコード');
    const again = await request(env, 'POST', link, null, {});
    expect(again.status).toBe(409);
    expect(again.html).toContain('このリンクはすでに使われています');
    const audit = await env.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', 'in', ['staff.create', 'staff.approve', 'staff.enrolment_link_used', 'staff.mfa_enrolled'])
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action).slice(-4)).toEqual([
      'staff.create',
      'staff.approve',
      'staff.enrolment_link_used',
      'staff.mfa_enrolled',
    ]);
  });

  it('refuses a tampered link and changes nothing', async () => {
    const res = await request(env, 'POST', '/admin/enrol/eyJhbGciOiJIUzI1NiJ9.e30.AAAA', null, {});
    expect(res.status).toBe(404);
    expect(res.html).toContain('このリンクは正しくありません');
  });
});

describeEachDatabase('role × action matrix: staff routes and API scopes (generated)', (kind) => {
  let env: TestEnv;
  const staff: Partial<Record<Role, Staff>> = {};
  /** The tokens each role can make alone in the portal, one per scope it got. */
  const alone: Record<Role, Partial<Record<ApiScope, string>>> = { admin: {}, clerk: {}, approver: {} };
  let contractNumber = '';
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber } = await publish(env));
    for (const role of ROLES) {
      const member = await loginAs(env, `${role}@matrix-duties.jp`, role);
      staff[role] = member;
      for (const scope of API_SCOPES) {
        const res = await member.post('/admin/tokens', { name: `${role}-${scope}`, scopes: [scope] });
        const token = res.status === 200 ? shownToken(res.html) : undefined;
        if (token) alone[role][scope] = token;
      }
    }
  });
  afterAll(async () => env?.close());

  // Expected: the route table for staff routes; for API routes, a role reaches a route alone only with a token it
  // can make alone — an administrator's token without a four-eyes scope.
  const tokenRoute = ROUTES.find((r) => r.id === 'tokens.create')!;
  const expectedApi = (role: Role, scope: ApiScope) =>
    (tokenRoute.access as readonly string[]).includes(role) && !FOUR_EYES_SCOPES.includes(scope);

  const fill = (path: string) =>
    path
      .replace('{contractNumber}', contractNumber)
      .replace('{id}', 'mishima-city')
      .replace(/^\/\{contractNumber\}/, `/sureties/${contractNumber}`);

  for (const route of ISSUER_ROUTES) {
    const scope = scopeOf(route);
    for (const role of ROLES) {
      const allowed = expectedApi(role, scope);
      it(`${role} × ${route.method.toUpperCase()} /api/v1${route.path} (${scope}): ${allowed ? 'allowed' : 'refused'}`, async () => {
        const token = alone[role][scope];
        if (!allowed) {
          // Either the role cannot make such a token alone, or the token it made does not authenticate yet.
          if (token) {
            const path = route.path.startsWith('/{contractNumber}/contractor-email')
              ? `/api/v1/sureties/${contractNumber}/contractor-email`
              : `/api/v1${fill(route.path)}`;
            const res = await env.api(route.method.toUpperCase(), path, route.method === 'get' ? undefined : {}, {
              authorization: `Bearer ${token}`,
            });
            expect([401, 403], `${res.status} ${res.text}`).toContain(res.status);
          }
          return;
        }
        expect(token, `${role} should be able to make a ${scope} token alone`).toBeDefined();
        // With each of the role's other tokens the route is refused (403), with the right one it is not.
        for (const [other, otherToken] of Object.entries(alone[role])) {
          const path = route.path.startsWith('/{contractNumber}/contractor-email')
            ? `/api/v1/sureties/${contractNumber}/contractor-email`
            : `/api/v1${fill(route.path)}`;
          const res = await env.api(route.method.toUpperCase(), path, route.method === 'get' ? undefined : {}, {
            authorization: `Bearer ${otherToken}`,
          });
          if (other === scope) expect([401, 403], `${res.status} ${res.text}`).not.toContain(res.status);
          // A four-eyes token made alone does not authenticate at all (401); another scope's token is refused (403).
          else
            expect(res.status, `${other} token on ${scope} route`).toBe(
              FOUR_EYES_SCOPES.includes(other as ApiScope) ? 401 : 403,
            );
        }
      });
    }
  }

  it('no single account, with any token it can make alone, takes a guarantee from draft to published', async () => {
    const before = await countSureties(env);
    for (const role of ROLES) {
      const member = staff[role]!;
      // Through the API, with every token the role could make alone.
      for (const token of Object.values(alone[role])) {
        const res = await env.api('POST', '/api/v1/sureties', advanceBody(), { authorization: `Bearer ${token}` });
        expect([401, 403], `${role}: ${res.status}`).toContain(res.status);
      }
      // Through the portal: whatever it may draft, it cannot approve itself.
      await member.post('/admin/drafts/new?product=advance_payment', ADVANCE_FORM);
      const mine = await env.ctx.db
        .selectFrom('staff_drafts')
        .innerJoin('staff_users', 'staff_users.id', 'staff_drafts.drafted_by')
        .select('staff_drafts.id')
        .where('staff_users.email', '=', `${role}@matrix-duties.jp`)
        .where('staff_drafts.status', '=', 'pending')
        .execute();
      for (const d of mine) expect((await member.post(`/admin/drafts/${d.id}/approve`)).status).toBe(403);
    }
    expect(await countSureties(env)).toBe(before);
  });
});
