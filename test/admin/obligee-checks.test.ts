// An obligee's plausibility checks edited in the staff portal (issue 16 item 6): four-eyes like its rules — nothing
// changes until a different approver applies the request — and then enforced on publication.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MISHIMA, contractBody, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { loginAs, type Staff } from './support.js';

describeEachDatabase('plausibility checks of an obligee, four-eyes', (kind) => {
  let env: TestEnv;
  let admin: Staff;
  let approver: Staff;
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    admin = await loginAs(env, 'admin@fe.jp', 'admin');
    approver = await loginAs(env, 'approver@fe.jp', 'approver');
  });
  afterAll(async () => env?.close());

  const edit = (checks: Record<string, string>) =>
    admin.post('/admin/obligees/mishima-city', {
      name: MISHIMA.name,
      title: MISHIMA.title,
      'rule0.products': MISHIMA.rules[0]!.products,
      'rule0.basis': 'contract_date',
      'rule0.effectiveFrom': '2026-01-01',
      ...checks,
    });

  it('refuses a ratio outside 0–100 on the form, with the message next to the field', async () => {
    const res = await edit({ checksRatio: '150' });
    expect(res.status).toBe(422);
    expect(res.html).toContain('契約保証金の割合は0〜100%で入力してください');
    expect(res.html).toContain('value="150"');
  });

  it('applies a stricter ratio with enforcement only on approval, and then refuses a publication below it', async () => {
    // Before: the default 10%, breaches warn.
    expect((await env.api('POST', '/api/v1/sureties', contractBody({ guaranteeAmount: 5_000_000 }))).status).toBe(201);

    const res = await edit({ checksRatio: '30', checksEnforce: 'on' });
    expect(res.status).toBe(303);
    const id = /\/admin\/drafts\/([0-9a-f-]{36})/.exec(res.headers.get('location') ?? '')![1]!;
    const review = await approver.get(`/admin/drafts/${id}`);
    expect(review.html).toMatch(/<td class="diff-before">契約保証金は請負代金額の10%以上・外れたときは警告<\/td>/);
    expect(review.html).toMatch(
      /<td class="diff-after">契約保証金は請負代金額の30%以上・外れたときは受け付けない<\/td>/,
    );
    // Not yet applied: still a warning.
    const meanwhile = await env.api('POST', '/api/v1/sureties', contractBody({ guaranteeAmount: 5_000_000 }));
    expect(meanwhile.status).toBe(201);
    expect(meanwhile.json.warnings).toHaveLength(0);

    expect((await approver.post(`/admin/drafts/${id}/approve`)).status).toBe(303);
    const refused = await env.api('POST', '/api/v1/sureties', contractBody({ guaranteeAmount: 5_000_000 }));
    expect(refused.status).toBe(422);
    expect(refused.json.error.issues).toEqual([
      {
        path: 'guaranteeAmount',
        message: '契約保証の保証金額（5,000,000円）が請負代金額（50,000,000円）の30%（15,000,000円）に足りません',
      },
    ]);
    const form = await admin.get('/admin/obligees/mishima-city');
    expect(form.html).toContain('value="30"');
    expect(form.html).toMatch(/name="checksEnforce" checked/);
  });
});
