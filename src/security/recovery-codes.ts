// Second-factor recovery codes: drawn uniformly (crypto.randomInt, no modulo bias) and stored as a peppered
// HMAC-SHA256, so a copy of the database alone cannot be searched for the ~49.5-bit codes offline; the key is
// derived from the secrets file's cookie secret (domain-separated, like the mail-link key), never stored.
//
// Codes written before this change are unsalted SHA-256 hex digests. They cannot be turned into HMACs without the
// plaintext, which was never kept, so they keep working as they are — accepted, then removed when used — and no
// new one is ever written in that form: every enrolment from now on stores HMACs only.
import { createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const LENGTH = 10;
/** Stored form of a code from now on: `h1:` + base64url HMAC. */
const PREFIX = 'h1:';
const LEGACY = /^[0-9a-f]{64}$/;

/** 10 characters of a 31-symbol alphabet (≈49.5 bits) in two groups, e.g. `k3m9x-p2qrt`. */
export function newRecoveryCode(): string {
  let chars = '';
  for (let i = 0; i < LENGTH; i++) chars += ALPHABET[randomInt(ALPHABET.length)];
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

const normalise = (code: string) => code.normalize('NFKC').toLowerCase().replace(/[\s-]/g, '');

function keyOf(cookieSecret: string): Buffer {
  return createHmac('sha256', Buffer.from(cookieSecret, 'base64url')).update('esurety recovery codes v1').digest();
}

/** The stored form of a code. */
export function hashRecoveryCode(cookieSecret: string, code: string): string {
  return PREFIX + createHmac('sha256', keyOf(cookieSecret)).update(normalise(code)).digest('base64url');
}

const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * The stored entry a typed code matches (current HMAC form, or a legacy SHA-256 entry), or null. Every entry is
 * compared, in constant time per entry.
 */
export function matchRecoveryCode(cookieSecret: string, stored: readonly string[], given: string): string | null {
  const typed = given.slice(0, 64);
  const peppered = hashRecoveryCode(cookieSecret, typed);
  const legacy = createHash('sha256').update(normalise(typed)).digest('hex');
  let found: string | null = null;
  for (const entry of stored) {
    const candidate = entry.startsWith(PREFIX) ? peppered : LEGACY.test(entry) ? legacy : null;
    if (candidate !== null && same(entry, candidate) && found === null) found = entry;
  }
  return found;
}
