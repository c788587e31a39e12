// Staff portal test helpers: accounts through the real service, log-in through the real routes (password, then TOTP
// computed from the enrolment page's key), a cookie jar, and form posts carrying the page's CSRF token.
import { createStaffUser } from '../../src/services/staff/accounts.js';
import { totpAt } from '../../src/security/totp.js';
import type { TestEnv } from '../support/harness.js';

export const PASSWORD = 'correct horse battery staple 7';

export interface Staff {
  email: string;
  cookie: string;
  secret: string;
  csrf: string;
  get(path: string): Promise<Page>;
  post(path: string, fields?: Record<string, string | string[]>): Promise<Page>;
}

export interface Page {
  status: number;
  headers: Headers;
  html: string;
}

const COOKIE = '__Host-esurety_staff';
const ORIGIN = 'http://localhost:3000';

function cookieFrom(res: Response): string | null {
  const set = res.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`));
  return set ? (set.split(';')[0] as string).slice(COOKIE.length + 1) : null;
}

export const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

export async function request(
  env: TestEnv,
  method: string,
  path: string,
  cookie: string | null,
  fields?: Record<string, string | string[]>,
): Promise<Page & { cookie: string | null }> {
  const headers: Record<string, string> = { 'x-forwarded-for': '198.51.100.20' };
  if (cookie) headers.cookie = `${COOKIE}=${cookie}`;
  let body: string | undefined;
  if (method === 'POST') {
    headers.origin = ORIGIN;
    headers['content-type'] = 'application/x-www-form-urlencoded';
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(fields ?? {})) for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
    body = params.toString();
  }
  const res = await env.app.request(path, { method, headers, ...(body !== undefined ? { body } : {}) });
  return { status: res.status, headers: res.headers, html: await res.text(), cookie: cookieFrom(res) };
}

/** Creates the account if needed and logs in fully (password + TOTP enrolment or code). */
export async function loginAs(
  env: TestEnv,
  email: string,
  role: 'admin' | 'clerk' | 'approver',
  existing?: { secret: string },
): Promise<Staff> {
  if (!existing) await createStaffUser(env.ctx, { type: 'system', id: 'test' }, { email, role, password: PASSWORD });
  const login = await request(env, 'POST', '/admin/login', null, { email, password: PASSWORD });
  if (login.status !== 303 || !login.cookie) throw new Error(`log-in failed: ${login.status}`);
  let cookie = login.cookie;
  const mfa = await request(env, 'GET', '/admin/mfa', cookie);
  const secret = existing?.secret ?? /class="secret">([A-Z2-7]+)</.exec(mfa.html)?.[1];
  if (!secret) throw new Error('no enrolment key on the page');
  // A fresh 30-second step for every log-in of the same account (codes are single use).
  env.setNow(new Date(env.now().getTime() + 30_000).toISOString());
  const code = totpAt(secret, env.now().getTime());
  const done = await request(env, 'POST', '/admin/mfa', cookie, { code, _csrf: csrfOf(mfa.html) });
  if (!done.cookie) throw new Error(`second factor failed: ${done.status} ${done.html.slice(0, 200)}`);
  cookie = done.cookie;
  const home = await request(env, 'GET', '/admin', cookie);
  const staff: Staff = {
    email,
    cookie,
    secret,
    csrf: csrfOf(home.html),
    get: (path) => request(env, 'GET', path, staff.cookie),
    post: (path, fields = {}) => request(env, 'POST', path, staff.cookie, { _csrf: staff.csrf, ...fields }),
  };
  return staff;
}
