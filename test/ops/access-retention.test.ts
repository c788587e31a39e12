// Access records cannot be used to fill the disk: a throttled client is recorded once per window however many
// requests it sends, and failed or throttled attempts are purged after ESURETY_ACCESS_RETENTION_DAYS, while
// successful verifications and views (the contractor's evidence that the certificate was seen) stay.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';

describeEachDatabase('access records', (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await setup(kind, { env: { ESURETY_ACCESS_RETENTION_DAYS: '30' } });
    await registerMishima(env);
  });
  afterEach(async () => env.close());

  const outcomes = async () => {
    await env.ctx.recorder.flush();
    const rows = await env.ctx.db.selectFrom('access_events').select(['outcome', 'at']).orderBy('id').execute();
    const count: Record<string, number> = {};
    for (const r of rows) count[r.outcome] = (count[r.outcome] ?? 0) + 1;
    return count;
  };

  it('records a throttled client once per window, not once per refused request', async () => {
    const limit = env.config.throttle.clientLimit;
    for (let i = 0; i < limit + 50; i++) {
      // A different number each time: only the per-client limit applies.
      const contractNumber = `10001-${String(900_000 + i).padStart(6, '0')}`;
      const res = await env.api('POST', '/api/v1/verify', { contractNumber, authKey: 'AAAAAAAAAAAA' });
      expect(res.status).toBe(i < limit ? 401 : 429);
    }
    expect(await outcomes()).toEqual({ no_match: limit, throttled: 1 });
    // Once the window has passed, the next refusal is a new row.
    env.setNow(new Date(env.now().getTime() + env.config.throttle.clientWindowMs + 1000).toISOString());
    for (let i = 0; i < limit + 3; i++) {
      await env.api('POST', '/api/v1/verify', { contractNumber: `10001-${800_000 + i}`, authKey: 'AAAAAAAAAAAA' });
    }
    expect(await outcomes()).toEqual({ no_match: 2 * limit, throttled: 2 });
  });

  it('purges failed and throttled attempts after the retention period and keeps successful ones', async () => {
    const { contractNumber, authKey } = await publish(env);
    const start = env.now().getTime();
    expect((await env.api('POST', '/api/v1/verify', { contractNumber, authKey })).status).toBe(200);
    expect((await env.api('POST', '/api/v1/verify', { contractNumber, authKey: 'AAAAAAAAAAAA' })).status).toBe(401);
    expect(await outcomes()).toEqual({ ok: 1, no_match: 1 });
    // 29 days later: a new failure; nothing is old enough yet.
    env.setNow(new Date(start + 29 * 86_400_000).toISOString());
    expect((await env.api('POST', '/api/v1/verify', { contractNumber, authKey: 'BBBBBBBBBBBB' })).status).toBe(401);
    expect(await outcomes()).toEqual({ ok: 1, no_match: 2 });
    // 31 days after the first: the first failure goes (purges run at most once a minute), the success stays.
    env.setNow(new Date(start + 31 * 86_400_000).toISOString());
    expect(await outcomes()).toEqual({ ok: 1, no_match: 1 });
  });

  it('refuses a retention period that is not a whole number of days', () => {
    expect(() => loadConfig({ ESURETY_ACCESS_RETENTION_DAYS: 'forever' })).toThrow(/ESURETY_ACCESS_RETENTION_DAYS/);
    expect(() => loadConfig({ ESURETY_ACCESS_RETENTION_DAYS: '0' })).toThrow(/ESURETY_ACCESS_RETENTION_DAYS/);
    expect(loadConfig({}).accessRetentionDays).toBe(90);
  });
});
