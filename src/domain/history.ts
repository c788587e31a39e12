// History rules of DESIGN §3: visible history, current version, status and which events are allowed next.
import type { Certificate } from './certificate.js';
import { jstDate } from './format.js';

export const EVENTS = ['issue', 'change', 'correction', 'change_cancellation', 'cancellation'] as const;
export type VersionEvent = (typeof EVENTS)[number];
export type Status = 'active' | 'expired' | 'cancelled';

export interface HistoryEntry {
  seq: number;
  event: VersionEvent;
  target: number | null;
  certificate: Certificate;
}

/** Seqs hidden from the visible history: 変更取消 records and every target of a later 訂正 or 変更取消. */
export function hiddenSeqs(versions: readonly Pick<HistoryEntry, 'seq' | 'event' | 'target'>[]): Set<number> {
  const hidden = new Set<number>();
  for (const v of versions) {
    if (v.event === 'change_cancellation') hidden.add(v.seq);
    if ((v.event === 'correction' || v.event === 'change_cancellation') && v.target !== null) hidden.add(v.target);
  }
  return hidden;
}

/** The visible history in ascending seq; versions must be in ascending seq. */
export function visibleHistory<T extends Pick<HistoryEntry, 'seq' | 'event' | 'target'>>(versions: readonly T[]): T[] {
  const hidden = hiddenSeqs(versions);
  return versions.filter((v) => !hidden.has(v.seq));
}

/** The latest visible version, whose certificate is the current one. */
export function currentVersion<T extends Pick<HistoryEntry, 'seq' | 'event' | 'target'>>(versions: readonly T[]): T {
  const visible = visibleHistory(versions);
  const last = visible[visible.length - 1];
  if (!last) throw new Error('a guarantee always has a visible issue version');
  return last;
}

export function isCancelled(versions: readonly Pick<HistoryEntry, 'event'>[]): boolean {
  return versions.some((v) => v.event === 'cancellation');
}

/** Status is always derived: cancelled, else expired once today (JST) is after guaranteePeriod.to. */
export function statusOf(versions: readonly HistoryEntry[], now: Date): Status {
  if (isCancelled(versions)) return 'cancelled';
  return jstDate(now) > currentVersion(versions).certificate.guaranteePeriod.to ? 'expired' : 'active';
}

/** What a visible version really is: a correction stands for the version it corrected. */
function effectiveEvent(
  versions: readonly Pick<HistoryEntry, 'seq' | 'event' | 'target'>[],
  seq: number,
): VersionEvent {
  let v = versions.find((x) => x.seq === seq);
  while (v && v.event === 'correction' && v.target !== null) {
    const target = v.target;
    v = versions.find((x) => x.seq === target);
  }
  return v ? v.event : 'issue';
}

export interface EventRequest {
  event: VersionEvent;
  target?: number | null | undefined;
}

/** Returns a Japanese reason when the event breaks a history rule, or null when it is allowed. */
export function historyViolation(
  versions: readonly Pick<HistoryEntry, 'seq' | 'event' | 'target'>[],
  request: EventRequest,
): string | null {
  if (request.event === 'issue') return '新規（issue）は最初の版にのみ使えます';
  if (isCancelled(versions)) return 'この保証は取消済みのため、これ以上の履歴を追加できません';
  const latest = currentVersion(versions);
  if (request.event === 'correction' || request.event === 'change_cancellation') {
    if (request.target !== latest.seq) {
      return `対象（target）は最新の表示版 ${latest.seq} でなければなりません`;
    }
    if (request.event === 'change_cancellation' && effectiveEvent(versions, latest.seq) !== 'change') {
      return '変更取消の対象は変更（またはその訂正）でなければなりません';
    }
  }
  return null;
}

/** Events that may come next, for screens that offer only what the rules allow. */
export function allowedEvents(versions: readonly Pick<HistoryEntry, 'seq' | 'event' | 'target'>[]): VersionEvent[] {
  if (isCancelled(versions)) return [];
  const latest = currentVersion(versions).seq;
  return (['change', 'correction', 'change_cancellation', 'cancellation'] as const).filter(
    (event) => historyViolation(versions, { event, target: latest }) === null,
  );
}

export type ChangeKind = 'issue' | 'increase' | 'decrease' | 'period' | 'change' | 'correction' | 'cancellation';

/** How the history table labels a visible row, compared with the previous visible row. */
export function changeKind(entry: HistoryEntry, previous: HistoryEntry | undefined): ChangeKind {
  if (entry.event === 'issue') return 'issue';
  if (entry.event === 'correction') return 'correction';
  if (entry.event === 'cancellation') return 'cancellation';
  if (!previous) return 'change';
  const before = previous.certificate;
  const after = entry.certificate;
  if (after.guaranteeAmount > before.guaranteeAmount) return 'increase';
  if (after.guaranteeAmount < before.guaranteeAmount) return 'decrease';
  if (after.guaranteePeriod.to !== before.guaranteePeriod.to) return 'period';
  return 'change';
}

/**
 * When the next version is issued: now, unless the clock reads earlier than the previous version's issuedAt (an NTP
 * step back, a VM restored from a snapshot, an instance with a wrong clock) — then 1 ms after it, so the signed
 * history never goes back in time. `clockBehindMs` > 0 says by how much the clock was behind (for the log).
 */
export function nextIssuedAt(now: Date, previousIssuedAt: string): { at: Date; clockBehindMs: number } {
  const floor = Date.parse(previousIssuedAt) + 1;
  if (Number.isNaN(floor) || now.getTime() >= floor) return { at: now, clockBehindMs: 0 };
  return { at: new Date(floor), clockBehindMs: floor - now.getTime() };
}

/**
 * The No. each version has in the visible history an officer reads (the certificate page's "No." column), by seq.
 * A version still visible has its row number there; a hidden one keeps the No. it was shown under while it was the
 * latest version (a correction takes over the No. of the version it corrects, so both carry it); a 変更取消 record was
 * never shown and has null. Staff screens name versions by this number, so the No. a clerk reads out on the phone is
 * the No. the officer sees; `seq` stays an internal sequence.
 */
export function historyNumbers(
  versions: readonly Pick<HistoryEntry, 'seq' | 'event' | 'target'>[],
): Map<number, number | null> {
  const numbers = new Map<number, number | null>();
  for (let i = 0; i < versions.length; i++) {
    const v = versions[i] as Pick<HistoryEntry, 'seq' | 'event' | 'target'>;
    const position = visibleHistory(versions.slice(0, i + 1)).findIndex((x) => x.seq === v.seq);
    numbers.set(v.seq, position < 0 ? null : position + 1);
  }
  return numbers;
}
