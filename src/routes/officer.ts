// Remembering the 確認者 (department and name) for the viewing session: set by the two form posts that take them,
// read by the certificate page to fill the one 確認者 fieldset both actions share; and a 受領確認 interrupted by an
// expired view, until the key is entered again.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import {
  decodeOfficerMemo,
  encodeOfficerMemo,
  OFFICER_COOKIE,
  OFFICER_TTL_MS,
  officerMemoOf,
  type OfficerMemo,
} from '../security/officer-memo.js';
import {
  decodePending,
  encodePending,
  PENDING_COOKIE,
  PENDING_TTL_MS,
  type PendingReceipt,
} from '../security/pending-action.js';
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

/** Keeps a 受領確認 the expired view interrupted, for the verification form to complete after the key. */
export function rememberPending(
  ctx: ServiceContext,
  c: Context<AppEnv>,
  pending: Omit<PendingReceipt, 'expires'>,
): void {
  const expires = ctx.clock().getTime() + PENDING_TTL_MS;
  setCookie(c, PENDING_COOKIE, encodePending(ctx.cookieSecret, { ...pending, expires }), {
    httpOnly: true,
    secure: ctx.config.publicUrl.startsWith('https://'),
    sameSite: 'Lax',
    path: '/',
    maxAge: PENDING_TTL_MS / 1000,
  });
}

export function pendingReceipt(ctx: ServiceContext, c: Context<AppEnv>): PendingReceipt | null {
  return decodePending(ctx.cookieSecret, getCookie(c, PENDING_COOKIE), ctx.clock().getTime());
}

export function forgetPending(c: Context<AppEnv>): void {
  deleteCookie(c, PENDING_COOKIE, { path: '/' });
}
