// Remembering the 確認者 (department and name) for the viewing session: set by the two form posts that take them,
// read by the certificate page to fill the one 確認者 fieldset both actions share.
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import {
  decodeOfficerMemo,
  encodeOfficerMemo,
  OFFICER_COOKIE,
  OFFICER_TTL_MS,
  officerMemoOf,
  type OfficerMemo,
} from '../security/officer-memo.js';
import type { ServiceContext } from '../services/context.js';
import type { AppEnv } from './http.js';

/** Keeps what the officer typed (when anything was) for the next form of this session. */
export function rememberOfficer(ctx: ServiceContext, c: Context<AppEnv>, form: Record<string, unknown>): void {
  const memo = officerMemoOf(form);
  if (!memo.department && !memo.officerName) return;
  setCookie(c, OFFICER_COOKIE, encodeOfficerMemo(ctx.cookieSecret, memo), {
    httpOnly: true,
    secure: ctx.config.publicUrl.startsWith('https://'),
    sameSite: 'Lax',
    path: '/certificates',
    maxAge: OFFICER_TTL_MS / 1000,
  });
}

export function rememberedOfficer(ctx: ServiceContext, c: Context<AppEnv>): OfficerMemo | null {
  return decodeOfficerMemo(ctx.cookieSecret, getCookie(c, OFFICER_COOKIE));
}
