// RFC 6238 TOTP (HMAC-SHA1, 30 s steps, 6 digits) with RFC 4648 base32 secrets, on node:crypto only.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const STEP_SECONDS = 30;
export const DIGITS = 6;
/** Accepted clock skew, in steps either side (RFC 6238 §5.2 recommends at most one). */
export const SKEW_STEPS = 1;

export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=-]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const index = ALPHABET.indexOf(ch);
    if (index < 0) throw new Error('invalid base32');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A new 160-bit secret (RFC 4226 §4 recommends 160 bits), base32. */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/** HOTP (RFC 4226) for one counter value. */
export function hotp(secret: Buffer, counter: number, digits = DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const digest = createHmac('sha1', secret).update(message).digest();
  const offset = (digest[digest.length - 1] as number) & 0x0f;
  const binary = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

export const stepAt = (nowMs: number) => Math.floor(nowMs / 1000 / STEP_SECONDS);

export function totpAt(secretBase32: string, nowMs: number, digits = DIGITS): string {
  return hotp(base32Decode(secretBase32), stepAt(nowMs), digits);
}

/**
 * The time step a code matches within the skew window, or null. Steps at or before `lastStep` are refused, so an
 * observed code cannot be replayed.
 */
export function matchTotp(secretBase32: string, code: string, nowMs: number, lastStep: number | null): number | null {
  const clean = code.normalize('NFKC').replace(/\s/g, '');
  if (!/^\d{6}$/.test(clean)) return null;
  const secret = base32Decode(secretBase32);
  const now = stepAt(nowMs);
  for (let step = now - SKEW_STEPS; step <= now + SKEW_STEPS; step++) {
    if (lastStep !== null && step <= lastStep) continue;
    if (timingSafeEqual(Buffer.from(hotp(secret, step)), Buffer.from(clean))) return step;
  }
  return null;
}

/**
 * Whether a code refused by matchTotp is one already accepted: it matches a step of the skew window at or before
 * `lastStep`. Said apart from a wrong code because a clerk who typed the code just used should wait for the next one,
 * not doubt the authenticator; it proves nothing to whoever does not already hold the current code.
 */
export function totpAlreadyUsed(secretBase32: string, code: string, nowMs: number, lastStep: number | null): boolean {
  if (lastStep === null) return false;
  const clean = code.normalize('NFKC').replace(/\s/g, '');
  if (!/^\d{6}$/.test(clean)) return false;
  const secret = base32Decode(secretBase32);
  const now = stepAt(nowMs);
  for (let step = now - SKEW_STEPS; step <= Math.min(now + SKEW_STEPS, lastStep); step++) {
    if (timingSafeEqual(Buffer.from(hotp(secret, step)), Buffer.from(clean))) return true;
  }
  return false;
}

/** The otpauth:// URI an authenticator app reads from the enrolment QR code. */
export function otpauthUri(secretBase32: string, account: string, issuer: string): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  const params = new URLSearchParams({ secret: secretBase32, issuer, algorithm: 'SHA1', digits: '6', period: '30' });
  return `otpauth://totp/${label}?${params.toString()}`;
}
