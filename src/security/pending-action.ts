// An officer's action interrupted by an expired viewer grant (受領を確認する after the 30-minute view ran out), kept in a
// signed HttpOnly cookie for a few minutes so that re-entering the key completes it instead of dropping it. It holds
// what the form posted (number, version, department, name) — never the key.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const PENDING_COOKIE = 'esurety_pending';
export const PENDING_TTL_MS = 10 * 60_000;

export interface PendingReceipt {
  contractNumber: string;
  seq: number;
  /** The page the form was on: the current certificate, or that version. */
  view: 'current' | 'version';
  department: string;
  officerName: string;
  /** Expiry, ms since the epoch. */
  expires: number;
}

const mac = (secret: string, body: string) =>
  createHmac('sha256', Buffer.from(secret, 'base64url')).update(`pending:${body}`).digest('base64url');

export function encodePending(secret: string, pending: PendingReceipt): string {
  const body = Buffer.from(JSON.stringify(pending)).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

/** The pending action, if the cookie is untampered and unexpired. */
export function decodePending(secret: string, cookie: string | undefined, nowMs: number): PendingReceipt | null {
  if (!cookie) return null;
  const [body, signature] = cookie.split('.');
  if (!body || !signature) return null;
  const expected = Buffer.from(mac(secret, body));
  const actual = Buffer.from(signature);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  try {
    const p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<PendingReceipt>;
    const ok =
      typeof p.contractNumber === 'string' &&
      Number.isSafeInteger(p.seq) &&
      (p.view === 'current' || p.view === 'version') &&
      typeof p.department === 'string' &&
      typeof p.officerName === 'string' &&
      typeof p.expires === 'number' &&
      p.expires > nowMs;
    return ok ? (p as PendingReceipt) : null;
  } catch {
    return null;
  }
}
