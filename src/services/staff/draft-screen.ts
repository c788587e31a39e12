// Use case: one application on the approval screen (申込・承認) — a publication draft with what it would change, or a
// four-eyes request (obligee change, key reissue) with its own view — and who filed it.
import { splitAcknowledgement } from '../../domain/acknowledgement.js';
import { diffCertificates } from '../../domain/diff.js';
import { listDraftSteps, type DraftStepRow } from '../../repositories/draft-steps.js';
import { findStaffUser } from '../../repositories/staff.js';
import type { Actor, ServiceContext } from '../context.js';
import { findObligee } from '../../repositories/obligees.js';
import { SHARED_COLUMNS } from './application-set.js';
import { columnOf, columnOrder } from './certificate-form.js';
import type { ImportRow } from './import.js';
import { getDraft, type StoredDraft } from './drafts.js';
import { isRequestKind, requestView, type RequestView } from './requests.js';
import { assertVisible } from './revise-application.js';
import { isReviewedEvent, versionReview, type VersionReview } from './version-review.js';

type Change = { path: string; before: unknown; after: unknown };

/** One row of an import, as the approver reviews it: the line of the file and every value it would publish. */
export interface ImportRowReview {
  row: number;
  changes: Change[];
}

/** Rows of an import shown per page: enough to read each one, few enough to check them all. */
export const IMPORT_ROWS_PER_PAGE = 20;

/** One guarantee of a combined application (前払金保証 + 契約保証), reviewed like a single one. */
export interface GuaranteeReview {
  product: string;
  changes: Change[];
}

export type DraftScreen = {
  draft: StoredDraft;
  draftedByEmail: string;
  /** Its round trips, oldest first: submitted, sent back (with the approver's words), resubmitted, approved … */
  steps: DraftStepRow[];
} & (
  | { kind: 'request'; view: RequestView }
  | { kind: 'version'; review: VersionReview }
  | {
      kind: 'draft';
      changes: Change[];
      /** An import: the rows of the page asked for, the page (from 1) and the number of pages. */
      rows?: { items: ImportRowReview[]; page: number; pages: number; total: number };
      /** A combined application: the shared works and contractor once, then each guarantee. */
      set?: SetReview;
    }
);

/** Every value a publication body would publish, as review rows; the obligee by its name, not its id. */
export async function publicationRows(ctx: ServiceContext, body: Record<string, unknown>): Promise<Change[]> {
  // In the 申込 form's order, not the body's (前払金額 is filled in last from 保証金額 but belongs beside it).
  const changes = diffCertificates(null, body as never).sort((a, b) => columnOrder(a.path) - columnOrder(b.path));
  for (const change of changes) {
    if (change.path !== 'obligeeId' || typeof change.after !== 'string') continue;
    const obligee = await findObligee(ctx.db, change.after);
    if (obligee) change.after = obligee.title ? `${obligee.name}（${obligee.title}）` : obligee.name;
  }
  return changes;
}

export interface SetReview {
  shared: Change[];
  guarantees: GuaranteeReview[];
}

const isShared = (path: string) => {
  const column = columnOf(path);
  return column !== null && (SHARED_COLUMNS as readonly string[]).includes(column);
};

/**
 * A combined application as it reads on 申込確認 and on the approver's review: the shared works and contractor once,
 * then each guarantee's own rows (labels and formatted values, the obligee by name).
 */
export async function setReview(ctx: ServiceContext, bodies: readonly Record<string, unknown>[]): Promise<SetReview> {
  const rows = await Promise.all(bodies.map((b) => publicationRows(ctx, b)));
  return {
    shared: (rows[0] ?? []).filter((r) => isShared(r.path)),
    guarantees: bodies.map((b, i) => ({
      product: String(b.product),
      changes: (rows[i] ?? []).filter((r) => !isShared(r.path) && r.path !== 'product'),
    })),
  };
}

/** @throws DomainError not_found (also someone else's 下書き, when `viewer` is given) */
export async function draftScreen(ctx: ServiceContext, id: string, page = 1, viewer?: Actor): Promise<DraftScreen> {
  const draft = await getDraft(ctx, id);
  if (viewer) assertVisible(draft, viewer);
  // An account removed since keeps its id on the application rather than hiding who filed it.
  const draftedByEmail = (await findStaffUser(ctx.db, draft.drafted_by))?.email ?? draft.drafted_by;
  const steps = await listDraftSteps(ctx.db, draft.id);
  if (isRequestKind(draft.kind))
    return { kind: 'request', draft, draftedByEmail, steps, view: await requestView(ctx, draft) };
  if (draft.contract_number && isReviewedEvent(draft.kind))
    return { kind: 'version', draft, draftedByEmail, steps, review: await versionReview(ctx, draft) };
  const body = JSON.parse(draft.body) as Record<string, unknown>;
  let changes: Change[] = [];
  if (draft.kind === 'import') {
    const all = body.rows as ImportRow[];
    const pages = Math.max(1, Math.ceil(all.length / IMPORT_ROWS_PER_PAGE));
    const at = Math.min(Math.max(1, Math.trunc(page) || 1), pages);
    const slice = all.slice((at - 1) * IMPORT_ROWS_PER_PAGE, at * IMPORT_ROWS_PER_PAGE);
    const items = [];
    for (const r of slice) items.push({ row: r.row, changes: await publicationRows(ctx, r.body) });
    return {
      kind: 'draft',
      draft,
      draftedByEmail,
      steps,
      changes,
      rows: { items, page: at, pages, total: all.length },
    };
  }
  if (draft.kind === 'issue_set') {
    const set = await setReview(ctx, body.guarantees as Record<string, unknown>[]);
    return { kind: 'draft', draft, draftedByEmail, steps, changes, set };
  }
  if (draft.kind === 'issue') changes = await publicationRows(ctx, splitAcknowledgement(body).publication);
  return { kind: 'draft', draft, draftedByEmail, steps, changes };
}
