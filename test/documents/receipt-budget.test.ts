// One verified viewing session (viewer grant), one client per certificate and one certificate overall issue a bounded
// number of verification receipts (確認証跡) per window: the next one is refused with 429, Retry-After and a Japanese
// explanation, and nothing is signed or stored. Re-verifying starts a new session but not a new certificate budget.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/config.js';
import { RECEIPT_BUDGET } from '../../src/services/issue-verification-receipt.js';
import { postForm as postFrom } from '../notifications/support.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { grantFor, postForm, rareAdvanceBody } from './support.js';

describeEachDatabase('the verification receipt budgets of a viewer grant, a client and a certificate', (kind) => {
  let env: TestEnv;
  let contractNumber: string;
  let authKey: string;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber, authKey } = await publish(env, rareAdvanceBody()));
  });
  afterEach(async () => env.close());

  const issue = (grant: string) =>
    postForm(env, `/certificates/${contractNumber}/verification-receipts`, { seq: '1' }, grant);
  const stored = async () =>
    (await env.api('GET', `/api/v1/sureties/${contractNumber}`)).json.verificationReceipts.count as number;

  it('refuses the receipt past the budget with a clear Japanese 429, and stores nothing for it', async () => {
    const grant = await grantFor(env, contractNumber, authKey);
    for (let i = 0; i < RECEIPT_BUDGET.receipts; i++) expect((await issue(grant)).status).toBe(303);
    const refused = await issue(grant);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(RECEIPT_BUDGET.windowMs / 1000);
    const page = await refused.text();
    expect(page).toContain(`確認証跡は${RECEIPT_BUDGET.windowMs / 60_000}分間に${RECEIPT_BUDGET.receipts}件までです`);
    expect(page).toContain('分ほど待ってから、もう一度お試しください');
    expect(await stored()).toBe(RECEIPT_BUDGET.receipts);
  });

  it('counts per verified session: a new verification has its own budget, and the window passes', async () => {
    const first = await grantFor(env, contractNumber, authKey);
    for (let i = 0; i < RECEIPT_BUDGET.receipts; i++) await issue(first);
    expect((await issue(first)).status).toBe(429);
    // Verifying again (number + key) starts a new viewing session.
    const second = await grantFor(env, contractNumber, authKey);
    expect((await issue(second)).status).toBe(303);
    // The first session's window ends while its grant (30 min) is still valid.
    env.setNow(new Date(env.now().getTime() + RECEIPT_BUDGET.windowMs + 1000).toISOString());
    expect((await issue(first)).status).toBe(303);
  });

  /** Verifies from a client address and issues receipts through fresh viewer grants (re-verifying as needed). */
  const issueFrom = async (client: string, count: number) => {
    const statuses: number[] = [];
    let grant = '';
    for (let i = 0; i < count; i++) {
      if (i % RECEIPT_BUDGET.receipts === 0) {
        const verified = await postFrom(env, '/verify', { contractNumber, authKey }, { client });
        expect(verified.status).toBe(303);
        grant = (verified.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      }
      const res = await postFrom(
        env,
        `/certificates/${contractNumber}/verification-receipts`,
        { seq: '1' },
        { client, cookie: grant },
      );
      statuses.push(res.status);
      if (res.status === 429) return { statuses, refused: res };
    }
    return { statuses, refused: null };
  };

  it('does not reset with re-verification: one client has a budget per certificate', async () => {
    const { limit, windowMs } = DEFAULT_LIMITS.receiptsPerCertificateClient;
    const { statuses, refused } = await issueFrom('198.51.100.41', limit + 1);
    expect(statuses.filter((s) => s === 303)).toHaveLength(limit);
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
    const page = (await refused?.text()) ?? '';
    expect(page).toContain(
      `この保証について、この端末から発行できる確認証跡は${windowMs / 3_600_000}時間に${limit}件までです`,
    );
    expect(await stored()).toBe(limit);
    // Another client is not held back by it.
    expect((await issueFrom('198.51.100.42', 1)).statuses).toEqual([303]);
  });

  it('bounds the receipts of one certificate over all clients', async () => {
    const perClient = DEFAULT_LIMITS.receiptsPerCertificateClient.limit;
    const { limit } = DEFAULT_LIMITS.receiptsPerCertificate;
    let client = 0;
    for (let issued = 0; issued < limit; issued += perClient) {
      const { statuses } = await issueFrom(`198.51.100.${++client}`, Math.min(perClient, limit - issued));
      expect(statuses.every((s) => s === 303)).toBe(true);
    }
    const { refused } = await issueFrom('198.51.100.200', 1);
    expect(refused?.status).toBe(429);
    expect(await refused?.text()).toContain(`この保証について発行できる確認証跡は24時間に${limit}件までです`);
    expect(await stored()).toBe(limit);
  });

  it('holds under parallel posts: exactly the budget is issued', async () => {
    const grant = await grantFor(env, contractNumber, authKey);
    const answers = await Promise.all(Array.from({ length: RECEIPT_BUDGET.receipts + 3 }, () => issue(grant)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 303)).toHaveLength(RECEIPT_BUDGET.receipts);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    expect(await stored()).toBe(RECEIPT_BUDGET.receipts);
  });
});
