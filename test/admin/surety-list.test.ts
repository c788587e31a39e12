// 保証契約一覧 search through the real staff route: the status filter (有効 / 保証期間満了 / 取消, expiry decided in JST
// from the current version's guarantee period), exact counts and pages, and the date range on JST day boundaries.
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fillGuaranteeEnd } from '../../db/migrations/20261125010000_add_sureties_guarantee_end.js';
import { addVersion, advanceBody, contractBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { loginAs, type Staff } from './support.js';

/** The contract numbers listed on a page, in order. */
const numbersOf = (html: string) =>
  [...html.matchAll(/<td class="contract-number">(\d{5}-\d{6})<\/td>/g)].map((m) => m[1]);
const countOf = (html: string) => {
  const m = /全(\d+)ページ\((\d+)件\)中の(\d+)ページ目/.exec(html);
  return m ? { pages: Number(m[1]), total: Number(m[2]), page: Number(m[3]) } : null;
};
const period = (to: string) => ({ guaranteePeriod: { from: '2026-04-02', to } });

describeEachDatabase('保証契約一覧: status and date filters', (kind) => {
  let env: TestEnv;
  let clerk: Staff;
  const active: string[] = [];
  const expired: string[] = [];
  let cancelled = '';
  let revived = '';
  let restored = '';
  let lastDay = '';

  beforeAll(async () => {
    // 2026-11-24 10:00 JST.
    env = await setup(kind, { now: '2026-11-24T01:00:00.000Z' });
    await registerMishima(env);
    clerk = await loginAs(env, 'clerk@list.jp', 'clerk');
    // 23 active guarantees (more than one page of 20), 3 expired, 1 cancelled (its period still running).
    for (let i = 0; i < 23; i++) active.push((await publish(env, advanceBody(period('2027-04-30')))).contractNumber);
    for (let i = 0; i < 3; i++) expired.push((await publish(env, contractBody(period('2026-10-31')))).contractNumber);
    cancelled = (await publish(env, advanceBody(period('2027-04-30')))).contractNumber;
    expect((await addVersion(env, cancelled, { event: 'cancellation' })).status).toBe(201);
    // Expired, then a late 保証期限変更 makes it active again (the lookup follows the current version) …
    revived = (await publish(env, advanceBody(period('2026-09-30')))).contractNumber;
    expect((await addVersion(env, revived, { event: 'change', changes: period('2027-03-31') })).status).toBe(201);
    active.push(revived);
    // … and a 変更取消 falls back to the restored, expired period.
    restored = (await publish(env, advanceBody(period('2026-09-30')))).contractNumber;
    expect((await addVersion(env, restored, { event: 'change', changes: period('2027-03-31') })).status).toBe(201);
    expect((await addVersion(env, restored, { event: 'change_cancellation', target: 2 })).status).toBe(201);
    expired.push(restored);
    // Its period ends today (JST): still active today, expired from tomorrow 00:00 JST.
    lastDay = (await publish(env, advanceBody(period('2026-11-24')))).contractNumber;
    active.push(lastDay);
  });
  afterAll(async () => env?.close());

  /** Moves the clock, logging in again there (sessions end after 30 idle minutes; log-in itself takes 30 s). */
  async function clerkAt(iso: string): Promise<Staff> {
    env.setNow(new Date(Date.parse(iso) - 60_000).toISOString());
    const fresh = await loginAs(env, 'clerk@list.jp', 'clerk', { secret: clerk.secret });
    env.setNow(iso);
    return fresh;
  }

  it('counts and pages the 有効 guarantees exactly, 20 to a page', async () => {
    const first = await clerk.get('/admin/sureties?status=active');
    expect(countOf(first.html)).toEqual({ pages: 2, total: 25, page: 1 });
    expect(numbersOf(first.html)).toHaveLength(20);
    expect(first.html).toContain('次のページ');
    const second = await clerk.get('/admin/sureties?status=active&page=2');
    expect(countOf(second.html)).toEqual({ pages: 2, total: 25, page: 2 });
    expect(numbersOf(second.html)).toHaveLength(5);
    expect([...numbersOf(first.html), ...numbersOf(second.html)].sort()).toEqual([...active].sort());
    // Every row on the page says 有効 (none is padded with or replaced by another status).
    expect(second.html.match(/<td>有効<\/td>/g)).toHaveLength(5);
  });

  it('lists only the 保証期間満了 ones under expired, and only the 取消 one under cancelled', async () => {
    const exp = await clerk.get('/admin/sureties?status=expired');
    expect(countOf(exp.html)).toEqual({ pages: 1, total: 4, page: 1 });
    expect(numbersOf(exp.html).sort()).toEqual([...expired].sort());
    expect(exp.html.match(/<td>保証期間満了<\/td>/g)).toHaveLength(4);
    const can = await clerk.get('/admin/sureties?status=cancelled');
    expect(numbersOf(can.html)).toEqual([cancelled]);
    const all = await clerk.get('/admin/sureties');
    expect(countOf(all.html)?.total).toBe(30);
  });

  it('decides expiry on the JST calendar day, not the UTC one', async () => {
    // 2026-11-24 23:59:59 JST (14:59:59 UTC): the period ending on the 24th is still running.
    const late = await clerkAt('2026-11-24T14:59:59.000Z');
    expect(numbersOf((await late.get('/admin/sureties?status=active')).html)).toContain(lastDay);
    // 2026-11-25 00:00 JST is still the 24th in UTC: now it has expired.
    env.setNow('2026-11-24T15:00:00.000Z');
    const exp = await late.get('/admin/sureties?status=expired');
    expect(numbersOf(exp.html)).toContain(lastDay);
    expect(numbersOf((await late.get('/admin/sureties?status=active')).html)).not.toContain(lastDay);
  });

  it('filters the publication date on JST day boundaries, both ends inclusive', async () => {
    // 2026-12-01 23:30 JST and 2026-12-02 00:30 JST: the same UTC day (1 December), different JST days.
    env.setNow('2026-12-01T14:30:00.000Z');
    const late = (await publish(env)).contractNumber;
    env.setNow('2026-12-01T15:30:00.000Z');
    const early = (await publish(env)).contractNumber;
    env.setNow('2026-12-02T14:59:59.999Z');
    const endOfDay = (await publish(env)).contractNumber;
    env.setNow('2026-12-02T15:00:00.000Z');
    const nextDay = (await publish(env)).contractNumber;
    clerk = await clerkAt('2026-12-03T01:00:00.000Z');

    const dec1 = await clerk.get('/admin/sureties?from=2026-12-01&to=2026-12-01');
    expect(numbersOf(dec1.html)).toEqual([late]);
    const dec2 = await clerk.get('/admin/sureties?from=2026-12-02&to=2026-12-02');
    expect(numbersOf(dec2.html).sort()).toEqual([early, endOfDay].sort());
    const from2 = await clerk.get('/admin/sureties?from=2026-12-02');
    expect(numbersOf(from2.html).sort()).toEqual([early, endOfDay, nextDay].sort());
    // The form shows the dates as entered (not the shifted boundary).
    expect(dec2.html).toContain('name="to" type="date" value="2026-12-02"');
    // The audit log's date filter uses the same JST days.
    env.setNow('2026-12-03T00:59:00.000Z');
    const approver = await loginAs(env, 'approver@list.jp', 'approver');
    const audit = await approver.get('/admin/audit?action=surety.publish&from=2026-12-02&to=2026-12-02');
    expect(audit.html).toContain(early);
    expect(audit.html).toContain(endOfDay);
    expect(audit.html).not.toContain(late);
    expect(audit.html).not.toContain(nextDay);
    // A date that does not exist is ignored rather than rolled over into March.
    expect(countOf((await clerk.get('/admin/sureties?from=2026-02-30')).html)?.total).toBe(34);
  });

  it('combines status and dates, and fills the lookup column of guarantees stored before it existed', async () => {
    const none = await clerk.get('/admin/sureties?status=expired&from=2026-12-01');
    expect(countOf(none.html)?.total).toBe(0);
    expect(none.html).toContain('条件に合う保証はありません');
    const before = countOf((await clerk.get('/admin/sureties?status=expired')).html)?.total;
    expect(before).toBe(5); // the four, and the one whose period ended on 24 November
    await sql`update sureties set guarantee_end = null`.execute(env.ctx.db);
    expect(countOf((await clerk.get('/admin/sureties?status=expired')).html)?.total).toBe(0);
    await fillGuaranteeEnd(env.ctx.db as unknown as Kysely<unknown>);
    const rows = await env.ctx.db.selectFrom('sureties').select(['contract_number', 'guarantee_end']).execute();
    const end = new Map(rows.map((r) => [r.contract_number, r.guarantee_end]));
    expect(end.get(revived)).toBe('2027-03-31');
    expect(end.get(restored)).toBe('2026-09-30');
    expect(end.get(cancelled)).toBe('2027-04-30');
    expect(countOf((await clerk.get('/admin/sureties?status=expired')).html)?.total).toBe(before);
  });
});
