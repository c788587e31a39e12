// Use case: one application on the approval screen (申込・承認) — a publication draft with what it would change, or a
// four-eyes request (obligee change, key reissue) with its own view — and who filed it.
import { certificateSchema, mergePatch } from '../../domain/certificate.js';
import { diffCertificates } from '../../domain/diff.js';
import { findStaffUser } from '../../repositories/staff.js';
import type { ServiceContext } from '../context.js';
import { getSurety } from '../get-surety.js';
import { findObligee } from '../../repositories/obligees.js';
import { columnOrder } from './certificate-form.js';
import type { ImportRow } from './import.js';
import { getDraft, splitIssueBody, type StoredDraft } from './drafts.js';
import { isRequestKind, requestView, type RequestView } from './requests.js';

type Change = { path: string; before: unknown; after: unknown };

/** One row of an import, as the approver reviews it: the line of the file and every value it would publish. */
export interface ImportRowReview {
  row: number;
  changes: Change[];
}

/** Rows of an import shown per page: enough to read each one, few enough to check them all. */
export const IMPORT_ROWS_PER_PAGE = 20;

export type DraftScreen = { draft: StoredDraft; draftedByEmail: string } & (
  | { kind: 'request'; view: RequestView }
  | {
      kind: 'draft';
      changes: Change[];
      /** An import: the rows of the page asked for, the page (from 1) and the number of pages. */
      rows?: { items: ImportRowReview[]; page: number; pages: number; total: number };
    }
);

/** Every value a publication body would publish, as review rows; the obligee by its name, not its id. */
async function publicationRows(ctx: ServiceContext, body: Record<string, unknown>): Promise<Change[]> {
  // In the 申込 form's order, not the body's (前払金額 is filled in last from 保証金額 but belongs beside it).
  const changes = diffCertificates(null, body as never).sort((a, b) => columnOrder(a.path) - columnOrder(b.path));
  for (const change of changes) {
    if (change.path !== 'obligeeId' || typeof change.after !== 'string') continue;
    const obligee = await findObligee(ctx.db, change.after);
    if (obligee) change.after = obligee.title ? `${obligee.name}（${obligee.title}）` : obligee.name;
  }
  return changes;
}

/** @throws DomainError not_found */
export async function draftScreen(ctx: ServiceContext, id: string, page = 1): Promise<DraftScreen> {
  const draft = await getDraft(ctx, id);
  // An account removed since keeps its id on the application rather than hiding who filed it.
  const draftedByEmail = (await findStaffUser(ctx.db, draft.drafted_by))?.email ?? draft.drafted_by;
  if (isRequestKind(draft.kind)) return { kind: 'request', draft, draftedByEmail, view: await requestView(ctx, draft) };
  const body = JSON.parse(draft.body) as Record<string, unknown>;
  let changes: Change[] = [];
  if (draft.kind === 'import') {
    const all = body.rows as ImportRow[];
    const pages = Math.max(1, Math.ceil(all.length / IMPORT_ROWS_PER_PAGE));
    const at = Math.min(Math.max(1, Math.trunc(page) || 1), pages);
    const slice = all.slice((at - 1) * IMPORT_ROWS_PER_PAGE, at * IMPORT_ROWS_PER_PAGE);
    const items = [];
    for (const r of slice) items.push({ row: r.row, changes: await publicationRows(ctx, r.body) });
    return { kind: 'draft', draft, draftedByEmail, changes, rows: { items, page: at, pages, total: all.length } };
  }
  if (draft.kind === 'issue') {
    changes = await publicationRows(ctx, splitIssueBody(body).publication);
  } else if (draft.contract_number && (draft.kind === 'change' || draft.kind === 'correction')) {
    const state = await getSurety(ctx, draft.contract_number);
    const merged = certificateSchema.safeParse(mergePatch(state.current.certificate, body.changes));
    if (merged.success) changes = diffCertificates(state.current.certificate, merged.data);
  }
  return { kind: 'draft', draft, draftedByEmail, changes };
}
