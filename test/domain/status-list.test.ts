// The 2-bit statuses of DESIGN §13 derived from a history, and the list layout (index 0 at the left-most bits, a new
// list every 131,072 indexes).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LIST_ENTRIES,
  emptyBitstring,
  getEntry,
  listOf,
  setEntry,
  versionStatuses,
} from '../../src/domain/status-list.js';

const v = (
  seq: number,
  event: 'issue' | 'change' | 'correction' | 'change_cancellation' | 'cancellation',
  target: number | null = null,
) => ({
  seq,
  event,
  target,
});
const statuses = (...args: Parameters<typeof versionStatuses>) => Object.fromEntries(versionStatuses(...args));

describe('version statuses', () => {
  it('marks only the latest visible version current; corrected and undone versions are superseded', () => {
    expect(statuses([v(1, 'issue')], '2027-04-30', '2026-12-01')).toEqual({ 1: 'current' });
    expect(statuses([v(1, 'issue'), v(2, 'change'), v(3, 'correction', 2)], '2027-04-30', '2026-12-01')).toEqual({
      1: 'superseded',
      2: 'superseded',
      3: 'current',
    });
    // 変更取消: the state falls back to seq 1, which is current again.
    expect(
      statuses([v(1, 'issue'), v(2, 'change'), v(3, 'change_cancellation', 2)], '2027-04-30', '2026-12-01'),
    ).toEqual({ 1: 'current', 2: 'superseded', 3: 'superseded' });
  });

  it('says cancelled for every version after a 取消, even once the period has ended, and expired after the end', () => {
    expect(statuses([v(1, 'issue'), v(2, 'cancellation')], '2026-01-31', '2026-12-01')).toEqual({
      1: 'cancelled',
      2: 'cancelled',
    });
    expect(statuses([v(1, 'issue'), v(2, 'change')], '2026-11-30', '2026-12-01')).toEqual({
      1: 'expired',
      2: 'expired',
    });
    expect(statuses([v(1, 'issue')], '2026-12-01', '2026-12-01')).toEqual({ 1: 'current' });
  });
});

describe('bitstring layout', () => {
  it('writes index 0 into the two most significant bits of byte 0', () => {
    const bits = emptyBitstring();
    expect(bits.length).toBe(32_768);
    setEntry(bits, 0, 2);
    setEntry(bits, 3, 1);
    expect(bits[0]).toBe(0b1000_0001);
  });

  it('reads back what it wrote at any position, leaving the neighbours alone', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: LIST_ENTRIES - 1 }), fc.integer({ min: 0, max: 3 }), (position, value) => {
        const bits = emptyBitstring().fill(0xff);
        setEntry(bits, position, value);
        expect(getEntry(bits, position)).toBe(value);
        if (position > 0) expect(getEntry(bits, position - 1)).toBe(3);
        if (position < LIST_ENTRIES - 1) expect(getEntry(bits, position + 1)).toBe(3);
      }),
    );
  });

  it('opens a new list every 131,072 indexes', () => {
    expect(listOf(131_071)).toEqual({ list: 0, position: 131_071 });
    expect(listOf(131_072)).toEqual({ list: 1, position: 0 });
  });
});
