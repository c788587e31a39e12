// Use case: what changed since the version the obligee last relied on — the latest 受領確認 of the guarantee (the
// remembered 確認者's own when there is one), else the version this client viewed in an earlier session — up to the
// current one: the events in between, told in words, and the certificate then (the page diffs it field by field).
import type { Certificate } from '../domain/certificate.js';
import { rowAtArrival, storyOf, type VersionStory } from '../domain/version-story.js';
import type { ChangeKind } from '../domain/history.js';
import { lastViewBefore } from '../repositories/follow-up.js';
import type { Receipt } from './confirm-receipt.js';
import type { ServiceContext } from './context.js';
import type { SuretyState } from './surety-state.js';

export interface SinceEvent {
  seq: number;
  issuedAt: string;
  story: VersionStory;
  /** The row it became in the visible history when it arrived; null for a 変更取消. */
  row: { no: number; kind: ChangeKind } | null;
}

export interface WhatChanged {
  /** `confirmed`: a 受領確認 of that version; `viewed`: this client opened it in an earlier session. */
  basis: 'confirmed' | 'viewed';
  since: {
    seq: number;
    row: { no: number; kind: ChangeKind } | null;
    /** When it was confirmed or viewed. */
    at: string;
    department?: string;
    officerName?: string;
    certificate: Certificate;
  };
  /** Every version published after it, oldest first (hidden ones too: a 訂正 or 変更取消 is news to this reader). */
  events: SinceEvent[];
}

/** From the version `since` to now, or null when that is the current version's own lineage and nothing followed. */
export function changesSince(
  state: SuretyState,
  basis: WhatChanged['basis'],
  since: { seq: number; at: string; department?: string; officerName?: string },
): WhatChanged | null {
  const version = state.versions.find((v) => v.seq === since.seq);
  if (!version) return null;
  const events = state.versions
    .filter((v) => v.seq > since.seq)
    .map((v) => ({
      seq: v.seq,
      issuedAt: v.issuedAt,
      story: storyOf(state.versions, v.seq),
      row: rowAtArrival(state.versions, v.seq),
    }));
  if (events.length === 0) return null;
  return {
    basis,
    since: { ...since, row: rowAtArrival(state.versions, since.seq), certificate: version.certificate },
    events,
  };
}

export interface WhatChangedInput {
  state: SuretyState;
  receipts: Receipt[];
  /** The 確認者 remembered for this session, if any: their own confirmation is preferred. */
  officer?: { department?: string | undefined; officerName?: string | undefined } | null | undefined;
  client: string;
  /** When this viewing session began: views from before it are an earlier session's. */
  sessionStart: string;
}

/** What changed for the officer on the certificate page; null when there is no earlier record or nothing since. */
export async function whatChangedForOfficer(ctx: ServiceContext, input: WhatChangedInput): Promise<WhatChanged | null> {
  const { state, receipts, officer } = input;
  const own = receipts.filter((r) => officer?.department === r.department && officer?.officerName === r.officerName);
  // The latest version relied on: the highest seq confirmed (then the latest confirmation of it).
  const later = (a: Receipt, r: Receipt) => r.seq > a.seq || (r.seq === a.seq && r.confirmedAt > a.confirmedAt);
  const latest = (list: Receipt[]) =>
    list.reduce<Receipt | undefined>((a, r) => (!a || later(a, r) ? r : a), undefined);
  const confirmed = latest(own) ?? latest(receipts);
  if (confirmed) {
    return changesSince(state, 'confirmed', {
      seq: confirmed.seq,
      at: confirmed.confirmedAt,
      department: confirmed.department,
      officerName: confirmed.officerName,
    });
  }
  const viewed = await lastViewBefore(ctx.db, state.contractNumber, input.client, input.sessionStart);
  return viewed ? changesSince(state, 'viewed', viewed) : null;
}
