// History rules of DESIGN §3: visibility, the current version, derived status, allowed events and change labels.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { Certificate } from '../../src/domain/certificate.js';
import {
  allowedEvents,
  changeKind,
  currentVersion,
  hiddenSeqs,
  historyNumbers,
  historyViolation,
  isCancelled,
  nextIssuedAt,
  statusOf,
  visibleHistory,
  type HistoryEntry,
  type VersionEvent,
} from '../../src/domain/history.js';
import { certificate } from './fixtures.js';

const base = certificate('advance_payment');

function cert(changes: { guaranteeAmount?: number; to?: string; from?: string } = {}): Certificate {
  const amount = changes.guaranteeAmount ?? base.guaranteeAmount;
  return {
    ...base,
    guaranteeAmount: amount,
    advanceAmount: amount,
    guaranteePeriod: { from: changes.from ?? base.guaranteePeriod.from, to: changes.to ?? base.guaranteePeriod.to },
  };
}

function entry(seq: number, event: VersionEvent, target: number | null = null, c: Certificate = cert()): HistoryEntry {
  return { seq, event, target, certificate: c };
}

/** Builds a chain from compact steps; targets default to the current visible version, as the rules require. */
function chain(...steps: (VersionEvent | [VersionEvent, Certificate])[]): HistoryEntry[] {
  const versions: HistoryEntry[] = [];
  for (const step of steps) {
    const [event, c] = Array.isArray(step) ? step : [step, undefined];
    const seq = versions.length + 1;
    const needsTarget = event === 'correction' || event === 'change_cancellation';
    const target = needsTarget ? currentVersion(versions).seq : null;
    versions.push(entry(seq, event, target, c ?? currentCertificate(versions)));
  }
  return versions;
}

function currentCertificate(versions: HistoryEntry[]): Certificate {
  return versions.length === 0 ? cert() : currentVersion(versions).certificate;
}

const seqs = (versions: readonly { seq: number }[]) => versions.map((v) => v.seq);

describe('visible history and current version', () => {
  it('shows the issue alone for a new guarantee', () => {
    const versions = chain('issue');
    expect(seqs(visibleHistory(versions))).toEqual([1]);
    expect(currentVersion(versions).seq).toBe(1);
    expect(hiddenSeqs(versions).size).toBe(0);
  });

  it('shows every change in order when nothing was corrected', () => {
    const versions = chain('issue', 'change', 'change', 'cancellation');
    expect(seqs(visibleHistory(versions))).toEqual([1, 2, 3, 4]);
    expect(currentVersion(versions).seq).toBe(4);
  });

  it('hides a corrected change and shows the correction in its place', () => {
    const versions = chain(
      'issue',
      ['change', cert({ guaranteeAmount: 60_000_000 })],
      ['correction', cert({ guaranteeAmount: 55_000_000 })],
    );
    expect(versions[2]).toMatchObject({ event: 'correction', target: 2 });
    expect([...hiddenSeqs(versions)]).toEqual([2]);
    expect(seqs(visibleHistory(versions))).toEqual([1, 3]);
    expect(currentVersion(versions).certificate.guaranteeAmount).toBe(55_000_000);
  });

  it('hides both the change and its change cancellation, falling back to the issue', () => {
    const versions = chain('issue', ['change', cert({ guaranteeAmount: 60_000_000 })], ['change_cancellation', cert()]);
    expect([...hiddenSeqs(versions)].sort()).toEqual([2, 3]);
    expect(seqs(visibleHistory(versions))).toEqual([1]);
    expect(currentVersion(versions).seq).toBe(1);
    expect(currentVersion(versions).certificate.guaranteeAmount).toBe(50_000_000);
  });

  it('hides a corrected issue, so the correction becomes the first visible row', () => {
    const versions = chain('issue', 'correction', 'change');
    expect(seqs(visibleHistory(versions))).toEqual([2, 3]);
  });

  it('falls back to the previous change when the latest of two changes is cancelled', () => {
    const versions = chain(
      'issue',
      ['change', cert({ guaranteeAmount: 60_000_000 })],
      ['change', cert({ guaranteeAmount: 70_000_000 })],
      ['change_cancellation', cert({ guaranteeAmount: 60_000_000 })],
    );
    expect(seqs(visibleHistory(versions))).toEqual([1, 2]);
    expect(currentVersion(versions).seq).toBe(2);
    expect(allowedEvents(versions)).toContain('change_cancellation');
  });

  it('needs no ordering from the caller beyond ascending seq and keeps the objects it was given', () => {
    const versions = chain('issue', 'change', 'correction');
    const visible = visibleHistory(versions);
    expect(visible[0]).toBe(versions[0]);
    expect(visible[1]).toBe(versions[2]);
  });
});

describe('historyViolation and allowedEvents', () => {
  it('allows change, correction and cancellation after an issue, but no change cancellation', () => {
    const versions = chain('issue');
    expect(allowedEvents(versions)).toEqual(['change', 'correction', 'cancellation']);
    expect(historyViolation(versions, { event: 'change' })).toBeNull();
    expect(historyViolation(versions, { event: 'correction', target: 1 })).toBeNull();
    expect(historyViolation(versions, { event: 'cancellation' })).toBeNull();
    expect(historyViolation(versions, { event: 'change_cancellation', target: 1 })).toMatch(/変更取消/);
  });

  it('allows a change cancellation after a change', () => {
    const versions = chain('issue', 'change');
    expect(allowedEvents(versions)).toEqual(['change', 'correction', 'change_cancellation', 'cancellation']);
    expect(historyViolation(versions, { event: 'change_cancellation', target: 2 })).toBeNull();
  });

  it('allows a change cancellation of a correction of a change (and of a correction of that correction)', () => {
    expect(
      historyViolation(chain('issue', 'change', 'correction'), { event: 'change_cancellation', target: 3 }),
    ).toBeNull();
    const twice = chain('issue', 'change', 'correction', 'correction');
    expect(historyViolation(twice, { event: 'change_cancellation', target: 4 })).toBeNull();
    const undone = chain('issue', 'change', 'correction', 'change_cancellation');
    expect(seqs(visibleHistory(undone))).toEqual([1]);
  });

  it('rejects a change cancellation of a correction of the issue', () => {
    const versions = chain('issue', 'correction');
    expect(historyViolation(versions, { event: 'change_cancellation', target: 2 })).toMatch(/変更取消の対象/);
    expect(allowedEvents(versions)).not.toContain('change_cancellation');
  });

  it('rejects a change cancellation once the change was already cancelled', () => {
    const versions = chain('issue', 'change', 'change_cancellation');
    expect(historyViolation(versions, { event: 'change_cancellation', target: 1 })).not.toBeNull();
    expect(historyViolation(versions, { event: 'change_cancellation', target: 2 })).not.toBeNull();
    expect(historyViolation(versions, { event: 'change_cancellation', target: 3 })).not.toBeNull();
  });

  it('rejects a correction or change cancellation whose target is not the latest visible version, naming it', () => {
    const versions = chain('issue', 'change', 'change');
    for (const event of ['correction', 'change_cancellation'] as const) {
      for (const target of [1, 2, 4, 0, null, undefined]) {
        const reason = historyViolation(versions, { event, target });
        expect(reason, `${event} target ${target}`).toMatch(/最新の表示版 3/);
      }
      expect(historyViolation(versions, { event, target: 3 })).toBeNull();
    }
  });

  it('rejects targeting a hidden version even when it has the highest seq', () => {
    const versions = chain('issue', 'change', 'change_cancellation');
    expect(historyViolation(versions, { event: 'correction', target: 3 })).toMatch(/最新の表示版 1/);
    expect(historyViolation(versions, { event: 'correction', target: 2 })).toMatch(/最新の表示版 1/);
    expect(historyViolation(versions, { event: 'correction', target: 1 })).toBeNull();
  });

  it('rejects every event after a cancellation', () => {
    const versions = chain('issue', 'change', 'cancellation');
    expect(allowedEvents(versions)).toEqual([]);
    for (const event of ['change', 'correction', 'change_cancellation', 'cancellation'] as const) {
      expect(historyViolation(versions, { event, target: 3 })).toMatch(/取消済み/);
      expect(historyViolation(versions, { event })).toMatch(/取消済み/);
    }
  });

  it("rejects an 'issue' event after the first version", () => {
    for (const versions of [chain('issue'), chain('issue', 'change'), chain('issue', 'cancellation')]) {
      expect(historyViolation(versions, { event: 'issue' })).toMatch(/最初の版/);
      expect(allowedEvents(versions)).not.toContain('issue');
    }
  });
});

describe('statusOf', () => {
  // guaranteePeriod.to = 2026-03-31: the guarantee covers that whole JST day, which ends at 15:00 UTC.
  const versions = chain(['issue', cert({ to: '2026-03-31' })]);

  it('is active up to the last second of the JST day guaranteePeriod.to', () => {
    expect(statusOf(versions, new Date('2026-03-31T14:59:59Z'))).toBe('active');
    expect(statusOf(versions, new Date('2026-03-31T14:59:59.999Z'))).toBe('active');
    expect(statusOf(versions, new Date('2026-01-01T00:00:00Z'))).toBe('active');
  });

  it('is expired from JST midnight after guaranteePeriod.to', () => {
    expect(statusOf(versions, new Date('2026-03-31T15:00:00Z'))).toBe('expired');
    expect(statusOf(versions, new Date('2027-01-01T00:00:00Z'))).toBe('expired');
  });

  it('is active before the guarantee period starts (status knows only active, expired and cancelled)', () => {
    expect(statusOf(versions, new Date('2020-01-01T00:00:00Z'))).toBe('active');
  });

  it('is cancelled after a cancellation, even when the period has also ended', () => {
    const cancelled = chain(['issue', cert({ to: '2026-03-31' })], 'cancellation');
    expect(statusOf(cancelled, new Date('2026-02-01T00:00:00Z'))).toBe('cancelled');
    expect(statusOf(cancelled, new Date('2030-01-01T00:00:00Z'))).toBe('cancelled');
    expect(isCancelled(cancelled)).toBe(true);
    expect(isCancelled(versions)).toBe(false);
  });

  it('follows the current version: a period extension revives an expired guarantee and its cancellation undoes that', () => {
    const now = new Date('2026-04-15T03:00:00Z');
    const extended = chain(['issue', cert({ to: '2026-03-31' })], ['change', cert({ to: '2026-06-30' })]);
    expect(statusOf(extended.slice(0, 1), now)).toBe('expired');
    expect(statusOf(extended, now)).toBe('active');
    const undone = [...extended, entry(3, 'change_cancellation', 2, cert({ to: '2026-03-31' }))];
    expect(statusOf(undone, now)).toBe('expired');
  });

  it('ignores the certificate of a hidden version', () => {
    // A corrected change that extended the period must not count; the correction set it back.
    const versions2 = [
      entry(1, 'issue', null, cert({ to: '2026-03-31' })),
      entry(2, 'change', null, cert({ to: '2027-03-31' })),
      entry(3, 'correction', 2, cert({ to: '2026-03-31' })),
    ];
    expect(statusOf(versions2, new Date('2026-05-01T00:00:00Z'))).toBe('expired');
  });

  it('agrees with the JST calendar date for any instant', () => {
    const jst = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Asia/Tokyo',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2026-03-29T00:00:00Z'), max: new Date('2026-04-03T00:00:00Z'), noInvalidDate: true }),
        (now) => {
          expect(statusOf(versions, now)).toBe(jst.format(now) > '2026-03-31' ? 'expired' : 'active');
        },
      ),
    );
  });
});

describe('changeKind', () => {
  const before = entry(1, 'issue', null, cert({ guaranteeAmount: 50_000_000, to: '2027-01-24' }));

  it('labels a raised amount as an increase and a lowered one as a decrease', () => {
    expect(changeKind(entry(2, 'change', null, cert({ guaranteeAmount: 60_000_000 })), before)).toBe('increase');
    expect(changeKind(entry(2, 'change', null, cert({ guaranteeAmount: 40_000_000 })), before)).toBe('decrease');
  });

  it('labels a moved end of the guarantee period as a period change (保証期限変更)', () => {
    expect(changeKind(entry(2, 'change', null, cert({ to: '2027-03-31' })), before)).toBe('period');
    expect(changeKind(entry(2, 'change', null, cert({ to: '2026-12-31' })), before)).toBe('period');
  });

  it('labels any other change as a plain change', () => {
    const other = { ...cert(), contractor: { name: '株式会社三島建設' } };
    expect(changeKind(entry(2, 'change', null, other), before)).toBe('change');
    expect(changeKind(entry(2, 'change', null, cert({ from: '2026-02-01' })), before)).toBe('change');
    expect(changeKind(entry(2, 'change', null, cert()), undefined)).toBe('change');
  });

  it('labels issues, corrections and cancellations by their event', () => {
    expect(changeKind(before, undefined)).toBe('issue');
    expect(changeKind(entry(2, 'correction', 1, cert({ guaranteeAmount: 60_000_000 })), before)).toBe('correction');
    expect(changeKind(entry(2, 'cancellation', null, cert()), before)).toBe('cancellation');
  });

  it('compares with the previous visible version, not with a cancelled change', () => {
    const versions = chain(
      ['issue', cert({ guaranteeAmount: 50_000_000 })],
      ['change', cert({ guaranteeAmount: 20_000_000 })],
      ['change_cancellation', cert({ guaranteeAmount: 50_000_000 })],
      ['change', cert({ guaranteeAmount: 30_000_000 })],
    );
    const visible = visibleHistory(versions);
    expect(seqs(visible)).toEqual([1, 4]);
    expect(changeKind(visible[1]!, visible[0])).toBe('decrease');
  });

  it('labels by the direction of the amount for any pair of amounts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 125_000_000 }), fc.integer({ min: 1, max: 125_000_000 }), (a, b) => {
        const kind = changeKind(
          entry(2, 'change', null, cert({ guaranteeAmount: b })),
          entry(1, 'issue', null, cert({ guaranteeAmount: a })),
        );
        expect(kind).toBe(b > a ? 'increase' : b < a ? 'decrease' : 'change');
      }),
    );
  });
});

describe('random histories built only from allowed events', () => {
  type Kind = 'issue' | 'change';
  /** An independent model: the visible versions as a stack, each remembering what it stands for. */
  interface Model {
    visible: { seq: number; kind: Kind }[];
    cancelled: boolean;
    firstCorrected: boolean;
  }

  function apply(model: Model, seq: number, event: VersionEvent): void {
    switch (event) {
      case 'issue':
        model.visible.push({ seq, kind: 'issue' });
        break;
      case 'change':
        model.visible.push({ seq, kind: 'change' });
        break;
      case 'correction': {
        const replaced = model.visible.pop()!;
        if (replaced.seq === 1) model.firstCorrected = true;
        model.visible.push({ seq, kind: replaced.kind });
        break;
      }
      case 'change_cancellation':
        model.visible.pop();
        break;
      case 'cancellation':
        model.visible.push({ seq, kind: 'change' });
        model.cancelled = true;
        break;
    }
  }

  function modelAllowed(model: Model): VersionEvent[] {
    if (model.cancelled) return [];
    const top = model.visible[model.visible.length - 1]!;
    return top.kind === 'change'
      ? ['change', 'correction', 'change_cancellation', 'cancellation']
      : ['change', 'correction', 'cancellation'];
  }

  const choices = fc.array(fc.nat({ max: 1000 }), { minLength: 0, maxLength: 25 });

  it('keep every invariant of the visible history after every step', () => {
    fc.assert(
      fc.property(choices, (picks) => {
        const versions: HistoryEntry[] = [entry(1, 'issue')];
        const model: Model = { visible: [{ seq: 1, kind: 'issue' }], cancelled: false, firstCorrected: false };
        for (const pick of picks) {
          const allowed = allowedEvents(versions);
          expect(allowed).toEqual(modelAllowed(model));
          if (allowed.length === 0) break;
          const event = allowed[pick % allowed.length]!;
          const current = currentVersion(versions).seq;
          const needsTarget = event === 'correction' || event === 'change_cancellation';
          const target = needsTarget ? current : null;
          expect(historyViolation(versions, { event, target })).toBeNull();
          const seq = versions.length + 1;
          versions.push(entry(seq, event, target));
          apply(model, seq, event);

          const visible = visibleHistory(versions);
          const visibleSeqs = seqs(visible);
          // Same answer as the independent model.
          expect(visibleSeqs).toEqual(model.visible.map((v) => v.seq));
          // No change cancellation record is ever visible, and the rows are in ascending seq.
          expect(visible.some((v) => v.event === 'change_cancellation')).toBe(false);
          expect(visibleSeqs).toEqual([...visibleSeqs].sort((a, b) => a - b));
          expect(new Set(visibleSeqs).size).toBe(visibleSeqs.length);
          // The current version is the last visible one.
          expect(currentVersion(versions)).toBe(visible[visible.length - 1]);
          // The first visible row is the issue, unless the issue itself was corrected.
          if (model.firstCorrected) expect(visibleSeqs[0]).not.toBe(1);
          else expect(visibleSeqs[0]).toBe(1);
          // Hidden and visible partition the versions.
          const hidden = hiddenSeqs(versions);
          expect(hidden.size + visible.length).toBe(versions.length);
          // Nothing is allowed exactly when the guarantee was cancelled.
          expect(allowedEvents(versions).length === 0).toBe(versions.some((v) => v.event === 'cancellation'));
          expect(historyViolation(versions, { event: 'issue' })).not.toBeNull();
        }
      }),
    );
  });

  it('accept a correction or change cancellation only when it targets the current visible version', () => {
    fc.assert(
      fc.property(choices, fc.nat({ max: 30 }), (picks, wrong) => {
        const versions: HistoryEntry[] = [entry(1, 'issue')];
        for (const pick of picks) {
          const allowed = allowedEvents(versions).filter((e) => e !== 'cancellation');
          const event = allowed[pick % allowed.length]!;
          const target =
            event === 'correction' || event === 'change_cancellation' ? currentVersion(versions).seq : null;
          versions.push(entry(versions.length + 1, event, target));
        }
        expect(isCancelled(versions)).toBe(false);
        const current = currentVersion(versions).seq;
        fc.pre(wrong !== current);
        expect(historyViolation(versions, { event: 'correction', target: wrong })).not.toBeNull();
        expect(historyViolation(versions, { event: 'change_cancellation', target: wrong })).not.toBeNull();
        expect(historyViolation(versions, { event: 'correction', target: current })).toBeNull();
      }),
    );
  });
});

describe('historyNumbers: the No. staff and officers share', () => {
  it('numbers visible versions by their row in the visible history, not by seq', () => {
    // seq: 1 新規, 2 変更, 3 訂正 of 2, 4 変更, 5 変更取消 of 4, 6 変更
    const versions = chain('issue', 'change', 'correction', 'change', 'change_cancellation', 'change');
    expect(seqs(visibleHistory(versions))).toEqual([1, 3, 6]);
    expect([...historyNumbers(versions)]).toEqual([
      [1, 1],
      [2, 2], // corrected: it was shown as No.2 until seq 3 replaced it
      [3, 2], // the correction takes over No.2
      [4, 3], // cancelled: it was shown as No.3
      [5, null], // a 変更取消 record is never shown
      [6, 3], // the next change is No.3 again, as the officer's table shows it
    ]);
  });

  it('gives every visible version its officer row number, whatever the history', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1000 }), { maxLength: 20 }), (picks) => {
        const versions: HistoryEntry[] = [entry(1, 'issue')];
        for (const pick of picks) {
          const allowed = allowedEvents(versions);
          if (allowed.length === 0) break;
          const event = allowed[pick % allowed.length]!;
          const target =
            event === 'correction' || event === 'change_cancellation' ? currentVersion(versions).seq : null;
          versions.push(entry(versions.length + 1, event, target));
        }
        const numbers = historyNumbers(versions);
        visibleHistory(versions).forEach((v, i) => expect(numbers.get(v.seq)).toBe(i + 1));
        for (const v of versions) if (v.event === 'change_cancellation') expect(numbers.get(v.seq)).toBeNull();
      }),
    );
  });
});

describe('nextIssuedAt', () => {
  const previous = '2026-11-24T10:00:00.000+09:00';
  it('keeps the clock when it is ahead of the previous version', () => {
    const now = new Date('2026-11-24T01:00:05.000Z');
    expect(nextIssuedAt(now, previous)).toEqual({ at: now, clockBehindMs: 0 });
  });
  it('issues 1 ms after the previous version when the clock reads the same instant or earlier', () => {
    expect(nextIssuedAt(new Date('2026-11-24T01:00:00.000Z'), previous).at.toISOString()).toBe(
      '2026-11-24T01:00:00.001Z',
    );
    expect(nextIssuedAt(new Date('2026-11-24T00:00:00.000Z'), previous).clockBehindMs).toBe(3600_001);
  });
  it('never goes back in time, whatever the clock says', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 0, max: 4e12 }), (prev, now) => {
        const previousIso = new Date(prev).toISOString();
        const { at } = nextIssuedAt(new Date(now), previousIso);
        expect(at.getTime()).toBeGreaterThan(prev);
        expect(at.getTime()).toBe(Math.max(now, prev + 1));
      }),
    );
  });
});
