// Use case: what an approver checks before a 変更, 訂正, 変更取消 or 取消 is published — the version it acts on (by
// the No. officers see), every field before → after (for a 変更取消: what reverts), and for a 取消 what ends.
import type { StaffDraftTable } from '../../../db/schema.js';
import { certificateSchema, mergePatch, type Certificate } from '../../domain/certificate.js';
import { diffCertificates, type FieldChange } from '../../domain/diff.js';
import {
  changeKind,
  currentVersion,
  historyNumbers,
  visibleHistory,
  type ChangeKind,
  type VersionEvent,
} from '../../domain/history.js';
import { maskEmail } from '../../domain/mask-email.js';
import { valueAt } from '../../domain/fields.js';
import { findSurety } from '../../repositories/sureties.js';
import type { ServiceContext } from '../context.js';
import { getSurety } from '../get-surety.js';
import { columnOrder } from './certificate-form.js';

export type ReviewedEvent = Exclude<VersionEvent, 'issue'>;
export const REVIEWED_EVENTS: readonly ReviewedEvent[] = [
  'change',
  'correction',
  'change_cancellation',
  'cancellation',
];
export const isReviewedEvent = (kind: string): kind is ReviewedEvent =>
  (REVIEWED_EVENTS as readonly string[]).includes(kind);

/** A version as staff name it: the officer's No. first, the internal sequence second. */
export interface VersionRef {
  no: number | null;
  seq: number;
  kind: ChangeKind;
  issuedAt: string;
  reason: string | null;
}

export interface VersionReview {
  event: ReviewedEvent;
  contractNumber: string;
  /** The version the event acts on: the latest visible one (a 訂正's or 変更取消's target). */
  base: VersionRef;
  /** For a 変更取消: the version whose content comes back. */
  restores: VersionRef | null;
  /** Every field that changes, before → after (a 変更取消: what reverts); empty for a 取消. */
  changes: FieldChange[];
  /** For a 取消: what ends — the guarantee's identity, amounts and period as they stand. */
  ends: FieldChange[] | null;
  reason: string | null;
  /** Where the contractor is mailed, masked (t***@example.co.jp); null when none is on file. */
  contractorEmail: string | null;
}

/** What a 取消 ends, in the 申込 form's order: which guarantee, for what, how much and until when. */
const ENDS_PATHS = [
  'product',
  'contractNumber',
  'obligee.name',
  'contractor.name',
  'jointVenture.name',
  'works.name',
  'contractAmount',
  'guaranteeAmount',
  'advanceAmount',
  'depositBank',
  'guaranteePeriod.from',
  'guaranteePeriod.to',
];

const byFormOrder = (changes: FieldChange[]) => changes.sort((a, b) => columnOrder(a.path) - columnOrder(b.path));

/**
 * The review of a version application against the guarantee as it stands now.
 * @throws DomainError not_found | tampered (through getSurety)
 */
export async function versionReview(ctx: ServiceContext, draft: StaffDraftTable): Promise<VersionReview> {
  const event = draft.kind as ReviewedEvent;
  const contractNumber = draft.contract_number as string;
  const body = JSON.parse(draft.body) as { changes?: unknown; reason?: unknown };
  const state = await getSurety(ctx, contractNumber);
  // Once published, the application is reviewed against the history as it stood before its own version.
  const published = draft.result ? (JSON.parse(draft.result) as { seq?: unknown }).seq : undefined;
  const versions = typeof published === 'number' ? state.versions.filter((v) => v.seq < published) : state.versions;
  const visible = visibleHistory(versions);
  const numbers = historyNumbers(versions);
  const ref = (seq: number): VersionRef => {
    const i = visible.findIndex((v) => v.seq === seq);
    const v = versions.find((x) => x.seq === seq) as (typeof versions)[number];
    return {
      no: numbers.get(seq) ?? null,
      seq,
      kind: changeKind(v, i > 0 ? visible[i - 1] : undefined),
      issuedAt: v.issuedAt,
      reason: v.reason,
    };
  };
  const current = currentVersion(versions);
  let changes: FieldChange[] = [];
  let ends: FieldChange[] | null = null;
  let restores: VersionRef | null = null;
  if (event === 'change' || event === 'correction') {
    const merged = certificateSchema.safeParse(mergePatch(current.certificate, body.changes));
    if (merged.success) changes = byFormOrder(diffCertificates(current.certificate, merged.data));
  } else if (event === 'change_cancellation') {
    const i = visible.findIndex((v) => v.seq === current.seq);
    const previous = i > 0 ? visible[i - 1] : undefined;
    if (previous) {
      restores = ref(previous.seq);
      changes = byFormOrder(diffCertificates(current.certificate, previous.certificate));
    }
  } else {
    const c: Certificate = current.certificate;
    ends = ENDS_PATHS.map((path) => ({ path, before: valueAt(c, path), after: undefined })).filter(
      (e) => e.before !== undefined,
    );
  }
  const row = await findSurety(ctx.db, contractNumber);
  return {
    event,
    contractNumber,
    base: ref(current.seq),
    restores,
    changes,
    ends,
    reason: typeof body.reason === 'string' ? body.reason : null,
    contractorEmail: row?.contractor_email ? maskEmail(row.contractor_email) : null,
  };
}
