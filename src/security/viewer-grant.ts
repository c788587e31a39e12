// The viewer grant (DESIGN §5): one signed HttpOnly cookie listing up to 10 certificates opened in the last 30 min.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const GRANT_COOKIE = 'esurety_grant';
export const GRANT_TTL_MS = 30 * 60_000;
export const GRANT_MAX = 10;

export interface GrantEntry {
  n: string;
  /** Expiry, ms since the epoch. */
  e: number;
}

function mac(secret: string, body: string): string {
  return createHmac('sha256', Buffer.from(secret, 'base64url')).update(`grant:${body}`).digest('base64url');
}

export function encodeGrant(secret: string, entries: GrantEntry[]): string {
  const body = Buffer.from(JSON.stringify(entries)).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

/** The unexpired entries of a cookie; a tampered or malformed cookie grants nothing. */
export function decodeGrant(secret: string, cookie: string | undefined, nowMs: number): GrantEntry[] {
  if (!cookie) return [];
  const [body, signature] = cookie.split('.');
  if (!body || !signature) return [];
  const expected = Buffer.from(mac(secret, body));
  const actual = Buffer.from(signature);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return [];
  try {
    const entries = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(entries)) return [];
    return entries.filter(
      (x): x is GrantEntry =>
        typeof x === 'object' && x !== null && typeof x.n === 'string' && typeof x.e === 'number' && x.e > nowMs,
    );
  } catch {
    return [];
  }
}

/** Adds (or refreshes) a certificate; the oldest entries leave once there are more than GRANT_MAX. */
export function addToGrant(entries: GrantEntry[], contractNumber: string, nowMs: number): GrantEntry[] {
  const next = entries.filter((x) => x.n !== contractNumber);
  next.push({ n: contractNumber, e: nowMs + GRANT_TTL_MS });
  return next.slice(-GRANT_MAX);
}

export function grantAllows(entries: GrantEntry[], contractNumber: string): boolean {
  return entries.some((x) => x.n === contractNumber);
}
