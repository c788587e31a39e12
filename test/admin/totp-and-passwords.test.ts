// TOTP against the RFC 6238 appendix B vectors, replay and skew rules; password rules (length, common, no truncation).
import { describe, expect, it } from 'vitest';
import { hashPassword, passwordProblem, TEST_COST, verifyPassword } from '../../src/security/passwords.js';
import { base32Decode, base32Encode, hotp, matchTotp, totpAlreadyUsed, totpAt } from '../../src/security/totp.js';

// RFC 6238 appendix B uses the ASCII secret "12345678901234567890" with SHA-1 and 8 digits.
const RFC_SECRET = base32Encode(Buffer.from('12345678901234567890'));

describe('TOTP (RFC 6238)', () => {
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('matches the RFC vector at T=%i', (seconds, code) => {
    expect(totpAt(RFC_SECRET, seconds * 1000, 8)).toBe(code);
  });

  it('round-trips base32 and matches RFC 4226 HOTP vectors', () => {
    expect(base32Decode(RFC_SECRET).toString()).toBe('12345678901234567890');
    expect(hotp(Buffer.from('12345678901234567890'), 0)).toBe('755224');
    expect(hotp(Buffer.from('12345678901234567890'), 9)).toBe('520489');
  });

  it('accepts one step of clock skew either side, not two, and never the same step twice', () => {
    const now = 1_800_000_000_000;
    const secret = RFC_SECRET;
    const step = Math.floor(now / 30_000);
    expect(matchTotp(secret, totpAt(secret, now - 30_000), now, null)).toBe(step - 1);
    expect(matchTotp(secret, totpAt(secret, now + 30_000), now, null)).toBe(step + 1);
    expect(matchTotp(secret, totpAt(secret, now - 60_000), now, null)).toBeNull();
    expect(matchTotp(secret, totpAt(secret, now), now, step)).toBeNull();
    expect(matchTotp(secret, 'abcdef', now, null)).toBeNull();
  });

  it('tells a code already used from a wrong one', () => {
    const now = 1_800_000_000_000;
    const secret = RFC_SECRET;
    const step = Math.floor(now / 30_000);
    expect(totpAlreadyUsed(secret, totpAt(secret, now), now, step)).toBe(true);
    expect(totpAlreadyUsed(secret, totpAt(secret, now - 30_000), now, step)).toBe(true);
    // Not yet used (after the last accepted step), never used, or nothing accepted yet: not "already used".
    expect(totpAlreadyUsed(secret, totpAt(secret, now), now, step - 1)).toBe(false);
    expect(totpAlreadyUsed(secret, totpAt(secret, now - 60_000), now, step)).toBe(false);
    expect(totpAlreadyUsed(secret, totpAt(secret, now), now, null)).toBe(false);
    expect(totpAlreadyUsed(secret, 'abcdef', now, step)).toBe(false);
  });
});

describe('staff passwords', () => {
  it('refuses short, common and email-derived passwords', () => {
    expect(passwordProblem('short1')).toBe('too_short');
    expect(passwordProblem('password1234')).toBe('common');
    expect(passwordProblem('aaaaaaaaaaaaaaaa')).toBe('common');
    expect(passwordProblem('tanaka-2026-spring!', 'tanaka@example.jp')).toBe('common');
    expect(passwordProblem('x'.repeat(300))).toBe('too_long');
    expect(passwordProblem('correct horse battery staple')).toBeNull();
  });

  it('hashes with Argon2id and never truncates: a change after byte 72 is a different password', async () => {
    const long = `${'あ'.repeat(40)}-tail-one`;
    const stored = await hashPassword(long, TEST_COST);
    expect(stored.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword(stored, long)).toBe(true);
    expect(await verifyPassword(stored, `${'あ'.repeat(40)}-tail-two`)).toBe(false);
  });
});
