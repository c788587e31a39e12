// Second-factor recovery codes (issue 14): drawn without modulo bias, stored as a peppered HMAC (never the bare
// SHA-256 a database copy could be searched with), each accepted once — and codes stored before the change still
// work, once each.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newRecoveryCode } from '../../src/security/recovery-codes.js';
import { createStaffUser } from '../../src/services/staff/accounts.js';
import { totpAt } from '../../src/security/totp.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { csrfOf, PASSWORD, request } from './support.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const bare = (code: string) => code.replace('-', '');

describeEachDatabase('staff recovery codes', (kind) => {
  let env: TestEnv;
  let secret = '';
  let codes: string[] = [];
  const email = 'recovery@example.jp';
  beforeAll(async () => {
    env = await setup(kind);
    await createStaffUser(env.ctx, { type: 'system', id: 'test' }, { email, role: 'clerk', password: PASSWORD });
    const login = await request(env, 'POST', '/admin/login', null, { email, password: PASSWORD });
    const mfa = await request(env, 'GET', '/admin/mfa', login.cookie);
    secret = /class="secret">([A-Z2-7]+)</.exec(mfa.html)![1]!;
    env.setNow(new Date(env.now().getTime() + 30_000).toISOString());
    const done = await request(env, 'POST', '/admin/mfa', login.cookie, {
      code: totpAt(secret, env.now().getTime()),
      _csrf: csrfOf(mfa.html),
    });
    codes = [...done.html.matchAll(/<li>([a-z2-9]{5}-[a-z2-9]{5})<\/li>/g)].map((m) => m[1]!);
  });
  afterAll(async () => env?.close());

  const stored = async () => {
    const row = await env.ctx.db
      .selectFrom('staff_users')
      .select('recovery_codes')
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    return JSON.parse(row.recovery_codes) as string[];
  };

  /** Password, then the code on the second-factor form; true when the portal opens. */
  async function logInWith(code: string): Promise<boolean> {
    const login = await request(env, 'POST', '/admin/login', null, { email, password: PASSWORD });
    const mfa = await request(env, 'GET', '/admin/mfa', login.cookie);
    const res = await request(env, 'POST', '/admin/mfa', login.cookie, { code, _csrf: csrfOf(mfa.html) });
    return res.status === 303 && res.headers.get('location') === '/admin';
  }

  it('stores the ten codes so that a copy of the database alone cannot be checked against a guess', async () => {
    expect(codes).toHaveLength(10);
    const entries = await stored();
    expect(entries).toHaveLength(10);
    for (const code of codes) {
      expect(entries).not.toContain(sha256(bare(code)));
      expect(JSON.stringify(entries)).not.toContain(bare(code));
    }
  });

  it('accepts each code once, typed with or without the hyphen, and removes it', async () => {
    expect(await logInWith(codes[0]!.toUpperCase())).toBe(true);
    expect(await logInWith(codes[0]!)).toBe(false);
    expect(await logInWith(bare(codes[1]!))).toBe(true);
    expect(await stored()).toHaveLength(8);
  });

  it('keeps a code stored before the change (unsalted SHA-256) working, once', async () => {
    const legacy = 'abcde-23456';
    const entries = [...(await stored()), sha256(bare(legacy))];
    await env.ctx.db
      .updateTable('staff_users')
      .set({ recovery_codes: JSON.stringify(entries) })
      .where('email', '=', email)
      .execute();
    expect(await logInWith(legacy)).toBe(true);
    expect(await logInWith(legacy)).toBe(false);
    expect(await stored()).toHaveLength(8);
  });
});

it('draws every symbol of the codes equally often (no modulo bias)', () => {
  const counts = new Map<string, number>();
  for (let i = 0; i < 100_000; i++) {
    for (const ch of bare(newRecoveryCode())) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  expect(counts.size).toBe(31);
  const values = [...counts.values()];
  // 1,000,000 symbols: ≈32,258 each, σ ≈ 0.55 %. A byte taken modulo 31 makes 8 symbols 12.5 % likelier.
  expect(Math.max(...values) / Math.min(...values)).toBeLessThan(1.06);
});
