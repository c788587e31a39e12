// Crash recovery of applications claimed for publishing: a process that dies between the claim (pending →
// publishing) and recording the outcome leaves the application 発行処理中. Recovery settles it from what the database
// shows — published when its publication exists, back to pending when not — with an audit row, never twice.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Actor } from '../../src/services/context.js';
import { publishSurety } from '../../src/services/publish-surety.js';
import { publishVersion } from '../../src/services/publish-version.js';
import { importRows, validateCsv, type ImportRow } from '../../src/services/staff/import.js';
import { recoverStuckDrafts, startDraftRecovery, STUCK_AFTER_MS } from '../../src/services/staff/recovery.js';
import { transitionDraft } from '../../src/repositories/staff.js';
import { runAsLeader } from '../../src/services/leadership.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, snapshotCounts, type TestEnv } from '../support/harness.js';
import { loginAs, type Staff } from './support.js';

const FORM = {
  product: 'contract',
  obligeeId: 'mishima-city',
  contractorName: '富士見建設株式会社',
  worksName: '市道大場線道路改良工事',
  contractDate: '2026-04-01',
  worksFrom: '2026-04-02',
  worksTo: '2027-03-19',
  contractAmount: '50,000,000',
  guaranteeAmount: '5,000,000',
  guaranteeFrom: '2026-04-02',
  guaranteeTo: '2027-04-30',
  guaranteeDate: '2026-04-10',
};

describeEachDatabase('recovery of applications stuck 発行処理中', (kind) => {
  let env: TestEnv;
  let clerk: Staff;
  let approver: Staff;
  let approverActor: Actor;
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    clerk = await loginAs(env, 'clerk@recover.jp', 'clerk');
    approver = await loginAs(env, 'approver@recover.jp', 'approver');
    const id = (
      await env.ctx.db
        .selectFrom('staff_users')
        .select('id')
        .where('email', '=', 'approver@recover.jp')
        .executeTakeFirstOrThrow()
    ).id;
    approverActor = { type: 'staff', id, email: 'approver@recover.jp', role: 'approver' };
  });
  afterAll(async () => env?.close());

  const latestDraft = async () =>
    env.ctx.db.selectFrom('staff_drafts').selectAll().orderBy('drafted_at', 'desc').executeTakeFirstOrThrow();
  /** A fresh clock step before each application keeps drafted_at distinct, so "latest" is well defined. */
  const tick = () => env.setNow(new Date(env.now().getTime() + 1000).toISOString());
  const draftById = (id: string) =>
    env.ctx.db.selectFrom('staff_drafts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  /** What approveDraft's claim writes, `minutesAgo` before now — the state a crash right after it leaves. */
  const claim = async (id: string, minutesAgo: number) => {
    const at = new Date(env.now().getTime() - minutesAgo * 60_000).toISOString();
    expect(
      await transitionDraft(env.ctx.db, id, 'pending', {
        status: 'publishing',
        decided_by: approverActor.id,
        decided_at: at,
      }),
    ).toBe(true);
  };
  const recoveredRows = (id: string) =>
    env.ctx.db
      .selectFrom('audit_log')
      .select(['actor_type', 'detail'])
      .where('action', '=', 'draft.recovered')
      .where('detail', 'like', `%${id}%`)
      .execute();
  const newIssueDraft = async () => {
    tick();
    expect((await clerk.post('/admin/drafts/new?product=contract', FORM)).status).toBe(303);
    return latestDraft();
  };

  it('returns a claimed 新規 that was never published to pending, and it can then be approved once', async () => {
    const draft = await newIssueDraft();
    await claim(draft.id, 11);
    const before = await snapshotCounts(env);
    const settled = await recoverStuckDrafts(env.ctx, { type: 'system', id: 'test' });
    expect(settled).toEqual([{ id: draft.id, kind: 'issue', outcome: 'pending', contractNumber: null }]);
    const after = await draftById(draft.id);
    expect(after.status).toBe('pending');
    expect(after.error).toContain('発行処理が中断されたため承認待ちに戻しました');
    const audit = await recoveredRows(draft.id);
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({
      id: draft.id,
      outcome: 'pending',
      claimedBy: approverActor.id,
    });
    // Nothing was published meanwhile; the audit row is the only write besides the draft.
    expect({ ...(await snapshotCounts(env)), audit_log: before.audit_log }).toEqual(before);
    expect((await approver.post(`/admin/drafts/${draft.id}/approve`)).status).toBe(303);
    expect((await draftById(draft.id)).status).toBe('published');
    // A second run finds nothing left to settle.
    expect(await recoverStuckDrafts(env.ctx, { type: 'system', id: 'test' })).toEqual([]);
  });

  it('marks a claimed 新規 published when its publication happened, without publishing it again', async () => {
    const draft = await newIssueDraft();
    await claim(draft.id, 11);
    // The crash came after the publication committed and before the draft recorded it.
    const published = await publishSurety(env.ctx, approverActor, JSON.parse(draft.body), `draft:${draft.id}`);
    const before = await snapshotCounts(env);
    const settled = await recoverStuckDrafts(env.ctx, { type: 'system', id: 'test' });
    expect(settled).toEqual([
      { id: draft.id, kind: 'issue', outcome: 'published', contractNumber: published.contractNumber },
    ]);
    const after = await draftById(draft.id);
    expect(after).toMatchObject({ status: 'published', contract_number: published.contractNumber });
    expect(JSON.parse(after.result!)).toMatchObject({ contractNumber: published.contractNumber });
    expect((await snapshotCounts(env)).sureties).toBe(before.sureties);
    const page = await approver.get(`/admin/drafts/${draft.id}`);
    expect(page.html).toContain('発行済み');
  });

  it('tells a claimed version that was published from one that was not', async () => {
    const { contractNumber: n } = await publish(env);
    const form = await clerk.get(`/admin/sureties/${n}/actions/cancellation`);
    expect(form.status).toBe(200);
    tick();
    expect((await clerk.post(`/admin/sureties/${n}/actions/cancellation`, { reason: '契約解除' })).status).toBe(303);
    const cancellation = await latestDraft();
    await claim(cancellation.id, 30);
    await publishVersion(env.ctx, approverActor, n, JSON.parse(cancellation.body));

    const { contractNumber: m } = await publish(env);
    tick();
    expect((await clerk.post(`/admin/sureties/${m}/actions/cancellation`, { reason: '別の理由' })).status).toBe(303);
    const unpublished = await latestDraft();
    await claim(unpublished.id, 30);

    const settled = await recoverStuckDrafts(env.ctx, approverActor);
    expect(settled).toEqual(
      expect.arrayContaining([
        { id: cancellation.id, kind: 'cancellation', outcome: 'published', contractNumber: n },
        { id: unpublished.id, kind: 'cancellation', outcome: 'pending', contractNumber: m },
      ]),
    );
    expect(JSON.parse((await draftById(cancellation.id)).result!)).toMatchObject({ contractNumber: n, seq: 2 });
    expect((await draftById(unpublished.id)).status).toBe('pending');
    expect((await recoveredRows(cancellation.id))[0]).toMatchObject({ actor_type: 'staff' });
  });

  it('leaves a recent claim alone: its approval may still be running', async () => {
    const draft = await newIssueDraft();
    await claim(draft.id, Math.floor(STUCK_AFTER_MS / 60_000) - 1);
    expect(await recoverStuckDrafts(env.ctx, { type: 'system', id: 'test' })).toEqual([]);
    expect((await draftById(draft.id)).status).toBe('publishing');
    const dashboard = await approver.get('/admin');
    expect(dashboard.html).toContain('発行処理中のまま止まっている申込があります');
    expect(dashboard.html).toContain('<form method="post" action="/admin/drafts/recover"');
    expect((await approver.post('/admin/drafts/recover')).headers.get('location')).toBe(
      '/admin?flash=drafts.recoverNone',
    );
    // Ten minutes on, the approver's button settles it.
    env.setNow(new Date(env.now().getTime() + 2 * 60_000).toISOString());
    const res = await approver.post('/admin/drafts/recover');
    expect(res.headers.get('location')).toBe('/admin?flash=drafts.recovered');
    expect((await draftById(draft.id)).status).toBe('pending');
    expect((await approver.get('/admin?flash=drafts.recovered')).html).toContain('止まっていた申込を確認し');
  });

  it('returns a partly published import to pending, and approving it again publishes only the rest', async () => {
    const csv = [
      'product,obligeeId,contractorName,worksName,contractDate,worksFrom,worksTo,contractAmount,guaranteeAmount,guaranteeFrom,guaranteeTo,guaranteeDate',
      ...[1, 2, 3, 4].map(
        (i) =>
          `contract,mishima-city,回復建設 ${i},回復工事 ${i},2026-04-01,2026-04-02,2027-03-19,10000000,1000000,2026-04-02,2027-04-30,2026-04-10`,
      ),
    ].join('\n');
    tick();
    const form = new FormData();
    form.set('_csrf', clerk.csrf);
    form.set('file', new File([csv], 'rows.csv', { type: 'text/csv' }));
    const upload = await env.app.request('/admin/import', {
      method: 'POST',
      headers: { origin: 'http://localhost:3000', cookie: `__Host-esurety_staff=${clerk.cookie}` },
      body: form,
    });
    expect(upload.status).toBe(303);
    const draft = await latestDraft();
    await claim(draft.id, 15);
    // The process died after the first two rows were committed.
    const rows = (JSON.parse(draft.body) as { rows: ImportRow[] }).rows;
    await importRows(env.ctx, approverActor, rows.slice(0, 2));
    const settled = await recoverStuckDrafts(env.ctx, { type: 'system', id: 'test' });
    expect(settled).toEqual([{ id: draft.id, kind: 'import', outcome: 'pending', contractNumber: null }]);
    expect((await draftById(draft.id)).error).toContain('4件中2件は発行済みです');
    const before = await snapshotCounts(env);
    expect((await approver.post(`/admin/drafts/${draft.id}/approve`)).status).toBe(303);
    expect((await snapshotCounts(env)).sureties).toBe((before.sureties ?? 0) + 2);
    expect(JSON.parse((await draftById(draft.id)).result!)).toEqual({ published: 2, skipped: 2 });
    expect((await validateCsv(env.ctx, csv)).errors).toEqual([]);
  });

  it('runs at start-up in the server process that leads the job', async () => {
    const draft = await newIssueDraft();
    await claim(draft.id, 60);
    const recovery = startDraftRecovery(env.ctx);
    await recovery.stop();
    expect((await draftById(draft.id)).status).toBe('pending');
    expect(await recoveredRows(draft.id)).toEqual([expect.objectContaining({ actor_type: 'system' })]);
  });

  it('runs in one instance at a time: a follower leaves stuck applications to the leader until the leader goes silent', async () => {
    // Another instance leads the job (it renewed its lease just now, for three 5-minute intervals).
    expect(await runAsLeader(env.ctx, 'draft-recovery', 'instance-a', 15 * 60_000, async () => 'led')).toBe('led');
    const draft = await newIssueDraft();
    await claim(draft.id, 60);
    const follower = startDraftRecovery(env.ctx, { holder: 'instance-b' });
    await follower.stop();
    expect((await draftById(draft.id)).status).toBe('publishing');
    expect(await recoveredRows(draft.id)).toEqual([]);

    // The leader died: once its lease has run out, the follower takes the job over and settles the application.
    env.setNow(new Date(env.now().getTime() + 15 * 60_000 + 1000).toISOString());
    const successor = startDraftRecovery(env.ctx, { holder: 'instance-b' });
    await successor.stop();
    expect((await draftById(draft.id)).status).toBe('pending');
    expect(await recoveredRows(draft.id)).toEqual([expect.objectContaining({ actor_type: 'system' })]);
  });
});
