// The viewer grant (DESIGN §5): one signed HttpOnly cookie listing up to 10 certificates opened in the last 30 min,
// each bound to the key it was opened with (a reissue ends the grants made with the old key).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const GRANT_COOKIE = 'esurety_grant';
export const GRANT_TTL_MS = 30 * 60_000;
export const GRANT_MAX = 10;

export interface GrantEntry {
  n: string;
  /** Expiry, ms since the epoch. */
  e: number;
  /**
   * This grant's own id, drawn at the verification that added it (a later verification of the same number draws a
   * new one): what per-session limits such as the verification-receipt budget count against. Absent in cookies
   * written before it existed.
   */
  g?: string;
  /**
   * The key tag (keyTagOf in services/viewer-access.ts) of the key this entry was earned with. An entry whose tag is
   * not the guarantee's current one opens nothing: a key reissue ends every grant made with the old key. Entries of
   * cookies written before the tag existed have none and open nothing either (at most 30 minutes of re-entering).
   */
  k?: string;
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
        typeof x === 'object' &&
        x !== null &&
        typeof x.n === 'string' &&
        typeof x.e === 'number' &&
        x.e > nowMs &&
        (x.g === undefined || typeof x.g === 'string') &&
        (x.k === undefined || typeof x.k === 'string'),
    );
  } catch {
    return [];
  }
}

/**
 * Adds (or refreshes) a certificate, bound to the key it was verified with; the oldest entries leave once there are
 * more than GRANT_MAX.
 */
export function addToGrant(entries: GrantEntry[], contractNumber: string, keyTag: string, nowMs: number): GrantEntry[] {
  const next = entries.filter((x) => x.n !== contractNumber);
  next.push({ n: contractNumber, e: nowMs + GRANT_TTL_MS, g: randomBytes(9).toString('base64url'), k: keyTag });
  return next.slice(-GRANT_MAX);
}

/** The entry covering a certificate, if any (whether its key is still current is for the caller to check). */
export function grantEntry(entries: GrantEntry[], contractNumber: string): GrantEntry | undefined {
  return entries.find((x) => x.n === contractNumber);
}

/** The id of one verified viewing session (an entry of an older cookie is identified by its expiry instead). */
export function grantSessionId(entry: GrantEntry): string {
  return entry.g ?? `e${entry.e}`;
}
