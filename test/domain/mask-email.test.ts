// Staff screens show the contractor's address masked: enough to confirm who will be mailed, not the address itself.
import { describe, expect, it } from 'vitest';
import { maskEmail } from '../../src/domain/mask-email.js';

describe('maskEmail', () => {
  it('keeps the first character and the domain', () => {
    expect(maskEmail('tanaka@example.co.jp')).toBe('t***@example.co.jp');
    expect(maskEmail('a@b.jp')).toBe('a***@b.jp');
  });
  it('never shows more than one character of the local part, whatever it holds', () => {
    expect(maskEmail('田中太郎@example.jp')).toBe('田***@example.jp');
    expect(maskEmail('"x@y"@example.jp')).toBe('"***@example.jp');
  });
  it('shows nothing of a value that is not an address', () => {
    expect(maskEmail('not-an-address')).toBe('***');
    expect(maskEmail('@example.jp')).toBe('***');
    expect(maskEmail('tanaka@')).toBe('***');
  });
});
