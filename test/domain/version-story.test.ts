// The story of a version: a 訂正 and a 変更取消 name the row they concern by the No. the history showed then, and a
// corrected row's lineage reaches back to every version it replaced.
import { describe, expect, it } from 'vitest';
import type { Certificate } from '../../src/domain/certificate.js';
import type { HistoryEntry, VersionEvent } from '../../src/domain/history.js';
import { lineageOf, rowAtArrival, storyOf } from '../../src/domain/version-story.js';

const cert = (guaranteeAmount: number, to = '2027-04-30') =>
  ({ guaranteeAmount, guaranteePeriod: { from: '2026-04-02', to } }) as unknown as Certificate;
const v = (seq: number, event: VersionEvent, target: number | null, c: Certificate): HistoryEntry => ({
  seq,
  event,
  target,
  certificate: c,
});

describe('version stories', () => {
  const versions = [
    v(1, 'issue', null, cert(100)),
    v(2, 'change', null, cert(200)),
    v(3, 'correction', 2, cert(250)),
    v(4, 'correction', 3, cert(260)),
    v(5, 'change', null, cert(260, '2027-06-30')),
    v(6, 'change_cancellation', 5, cert(260)),
  ];

  it('names the corrected row and what it was, through a chain of corrections', () => {
    expect(storyOf(versions, 3)).toEqual({ kind: 'correction', about: { no: 2, kind: 'increase' } });
    expect(storyOf(versions, 4)).toEqual({ kind: 'correction', about: { no: 2, kind: 'increase' } });
  });

  it('names the change a 変更取消 undid by the No. it had before', () => {
    expect(storyOf(versions, 6)).toEqual({ kind: 'change_cancellation', about: { no: 3, kind: 'period' } });
    expect(rowAtArrival(versions, 6)).toBeNull();
    expect(rowAtArrival(versions, 5)).toEqual({ no: 3, kind: 'period' });
  });

  it('labels plain versions as the history table does', () => {
    expect(storyOf(versions, 1)).toEqual({ kind: 'issue' });
    expect(storyOf(versions, 2)).toEqual({ kind: 'increase' });
  });

  it('gives a corrected row the versions it replaced, newest first', () => {
    expect(lineageOf(versions, 4)).toEqual([4, 3, 2]);
    expect(lineageOf(versions, 1)).toEqual([1]);
  });
});
