// Issue 14 (low): clerks and approvers could display any key without limit. One staff member's key displays (on
// screen and as the notice PDF) are capped per hour, and an unusual number raises an alert.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KEY_VIEW_LIMITS } from '../../src/services/staff/key-view-limit.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { loginAs, type Staff } from './support.js';

describeEachDatabase('the hourly cap on key displays per staff member', (kind) => {
  let env: TestEnv;
  let clerk: Staff;
  let approver: Staff;
  let contractNumber = '';
  let authKey = '';
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber, authKey } = await publish(env));
    clerk = await loginAs(env, 'clerk@keys.jp', 'clerk');
    approver = await loginAs(env, 'approver@keys.jp', 'approver');
  });
  afterAll(async () => env?.close());

  const alerts = () => env.ctx.db.selectFrom('alerts').selectAll().where('kind', '=', 'staff_key_views').execute();

  it('raises one alert at the unusual volume and refuses displays past the cap until the hour has passed', async () => {
    for (let i = 1; i <= KEY_VIEW_LIMITS.max; i++) {
      const res = await clerk.post(`/admin/sureties/${contractNumber}/key`);
      expect(res.status, `display ${i}`).toBe(200);
      expect(res.html).toContain(authKey);
      expect(await alerts(), `after display ${i}`).toHaveLength(i >= KEY_VIEW_LIMITS.alertAt ? 1 : 0);
    }
    const [alert] = await alerts();
    expect(JSON.parse(alert!.detail)).toMatchObject({ email: 'clerk@keys.jp', views: KEY_VIEW_LIMITS.alertAt });
    expect(alert!.detail).not.toContain(authKey);

    const refused = await clerk.post(`/admin/sureties/${contractNumber}/key`);
    expect(refused.status).toBe(429);
    expect(refused.html).toContain('認証キーの表示が1時間あたりの上限');
    expect(refused.html).not.toContain(authKey);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // The notice PDF carries the key too: the same cap.
    expect((await clerk.post(`/admin/sureties/${contractNumber}/notice.pdf`)).status).toBe(429);
    const views = await env.ctx.db
      .selectFrom('audit_log')
      .select('id')
      .where('action', 'in', ['surety.view_key', 'notice.print'])
      .execute();
    expect(views).toHaveLength(KEY_VIEW_LIMITS.max);

    // Per person: another staff member is not held up.
    expect((await approver.post(`/admin/sureties/${contractNumber}/key`)).status).toBe(200);
    env.setNow(new Date(env.now().getTime() + KEY_VIEW_LIMITS.windowMs + 1000).toISOString());
    // The session has idled out meanwhile: log in again.
    clerk = await loginAs(env, 'clerk@keys.jp', 'clerk', { secret: clerk.secret });
    expect((await clerk.post(`/admin/sureties/${contractNumber}/key`)).status).toBe(200);
  });
});
