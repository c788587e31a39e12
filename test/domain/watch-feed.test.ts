// The watch feed's cursor and event status (pure): every position has exactly one cursor, and nothing else decodes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, feedQuerySchema, statusAt } from '../../src/domain/watch-feed.js';

describe('watch feed cursor', () => {
  it('round-trips every position and is opaque (no bare number)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (id) => {
        const cursor = encodeCursor(id);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(cursor).not.toBe(String(id));
        expect(decodeCursor(cursor)).toBe(id);
      }),
    );
  });

  it('decodes nothing it did not issue: junk, other prefixes, leading zeros, signs, padding', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    for (const bad of [
      '',
      'abc',
      '12',
      b64('wf2:5'),
      b64('wf1:05'),
      b64('wf1:-5'),
      b64('wf1:5 '),
      b64('wf1:'),
      `${encodeCursor(5)}=`,
    ]) {
      expect(decodeCursor(bad), bad).toBeNull();
    }
    fc.assert(fc.property(fc.string(), (s) => decodeCursor(s) === null || encodeCursor(decodeCursor(s)!) === s));
  });

  it('reads after/limit with their defaults and bounds', () => {
    expect(feedQuerySchema.parse({})).toEqual({ after: 0, limit: 100 });
    expect(feedQuerySchema.parse({ after: encodeCursor(42), limit: '1000' })).toEqual({ after: 42, limit: 1000 });
    for (const limit of ['0', '1001', '1.5', '-1', '', ' 5'])
      expect(feedQuerySchema.safeParse({ limit }).success).toBe(false);
  });
});

describe('status as of an event', () => {
  it('is cancelled after a cancellation, expired from the JST day after the end date, else active', () => {
    expect(statusAt(true, '2099-01-01', new Date('2026-01-01T00:00:00Z'))).toBe('cancelled');
    expect(statusAt(false, '2027-04-30', new Date('2027-04-30T14:59:59.999Z'))).toBe('active');
    expect(statusAt(false, '2027-04-30', new Date('2027-04-30T15:00:00.000Z'))).toBe('expired');
  });
});
