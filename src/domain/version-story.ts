// What a version did, in terms an officer can check against the history table: a 訂正 names the row it corrected and
// a 変更取消 the change it undid, each by the No. that row had in the visible history when the event arrived (what the
// officer saw), and which versions a visible row stands for (itself and every version it corrected).
import { changeKind, visibleHistory, type ChangeKind, type HistoryEntry } from './history.js';

/** What a version did; `about` is the row a 訂正 or 変更取消 concerns, as numbered when it arrived. */
export interface VersionStory {
  kind: ChangeKind | 'change_cancellation';
  about?: { no: number; kind: ChangeKind };
}

type Entry = HistoryEntry;

/**
 * The story of version `seq`; versions must be in ascending seq.
 * @throws Error when `seq` is not among the versions
 */
export function storyOf(versions: readonly Entry[], seq: number): VersionStory {
  const version = versions.find((v) => v.seq === seq);
  if (!version) throw new Error(`version ${seq} not found`);
  const before = versions.filter((v) => v.seq < seq);
  const visibleBefore = visibleHistory(before);
  if ((version.event === 'correction' || version.event === 'change_cancellation') && version.target !== null) {
    const no = visibleBefore.findIndex((v) => v.seq === version.target) + 1;
    const kind = version.event === 'correction' ? 'correction' : 'change_cancellation';
    return no > 0 ? { kind, about: { no, kind: rowKind(before, version.target) } } : { kind };
  }
  return { kind: rowKind([...before, version], seq) };
}

/** How the history table labelled a visible row; a corrected row keeps the label of what it corrected. */
function rowKind(versions: readonly Entry[], seq: number): ChangeKind {
  const visible = visibleHistory(versions);
  const i = visible.findIndex((v) => v.seq === seq);
  const row = visible[i];
  if (!row) return 'change';
  if (row.event === 'correction') return storyOf(versions, seq).about?.kind ?? 'correction';
  return changeKind(row, visible[i - 1]);
}

/**
 * The versions a visible row stands for: itself and, through a chain of 訂正, each version it corrected (a 受領確認
 * or a first arrival recorded against a corrected version still belongs to the row that replaced it).
 */
export function lineageOf(versions: readonly Pick<HistoryEntry, 'seq' | 'event' | 'target'>[], seq: number): number[] {
  const out: number[] = [];
  let v = versions.find((x) => x.seq === seq);
  while (v) {
    out.push(v.seq);
    const target = v.event === 'correction' ? v.target : null;
    v = target === null ? undefined : versions.find((x) => x.seq === target);
  }
  return out;
}

/** The row a version had in the visible history when it arrived (No. and label); null for a 変更取消 (never a row). */
export function rowAtArrival(versions: readonly Entry[], seq: number): { no: number; kind: ChangeKind } | null {
  const upTo = versions.filter((v) => v.seq <= seq);
  const no = visibleHistory(upTo).findIndex((v) => v.seq === seq) + 1;
  return no > 0 ? { no, kind: rowKind(upTo, seq) } : null;
}
