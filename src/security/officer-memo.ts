// The officer's department and name, remembered for the viewing session in a signed HttpOnly cookie, so that the
// 確認者 typed once serves both the verification receipt (確認証跡) and the receipt confirmation (受領確認) — also
// across the redirect that follows either. It lives only in this browser, for as long as a viewer grant does.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { GRANT_TTL_MS } from './viewer-grant.js';

export const OFFICER_COOKIE = 'esurety_officer';
export const OFFICER_TTL_MS = GRANT_TTL_MS;

export interface OfficerMemo {
  department: string;
  officerName: string;
}

const mac = (secret: string, body: string) =>
  createHmac('sha256', Buffer.from(secret, 'base64url')).update(`officer:${body}`).digest('base64url');

/** What the form sent, tidied as the services tidy it (NFKC, one space), cut to the form's lengths. */
export function officerMemoOf(form: { department?: unknown; officerName?: unknown }): OfficerMemo {
  const tidy = (value: unknown, max: number) =>
    typeof value === 'string'
      ? value
          .slice(0, 300)
          .normalize('NFKC')
          .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
          .replace(/\s+/g, ' ')
          .trim()
          .slice(0, max)
      : '';
  return { department: tidy(form.department, 100), officerName: tidy(form.officerName, 50) };
}

export function encodeOfficerMemo(secret: string, memo: OfficerMemo): string {
  const body = Buffer.from(JSON.stringify([memo.department, memo.officerName])).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

/** The remembered officer; a missing, tampered or malformed cookie remembers nothing. */
export function decodeOfficerMemo(secret: string, cookie: string | undefined): OfficerMemo | null {
  if (!cookie) return null;
  const [body, signature] = cookie.split('.');
  if (!body || !signature) return null;
  const expected = Buffer.from(mac(secret, body));
  const actual = Buffer.from(signature);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  try {
    const value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => typeof v === 'string')) return null;
    return officerMemoOf({ department: value[0], officerName: value[1] });
  } catch {
    return null;
  }
}
