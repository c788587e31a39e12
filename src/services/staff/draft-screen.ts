// Use case: one application on the approval screen (申込・承認) — a publication draft with what it would change, or a
// four-eyes request (obligee change, key reissue) with its own view — and who filed it.
import { certificateSchema, mergePatch } from '../../domain/certificate.js';
import { diffCertificates } from '../../domain/diff.js';
import { findStaffUser } from '../../repositories/staff.js';
import type { ServiceContext } from '../context.js';
import { getSurety } from '../get-surety.js';
import { flatten } from './certificate-form.js';
import { getDraft, type StoredDraft } from './drafts.js';
import { isRequestKind, requestView, type RequestView } from './requests.js';

export type DraftScreen = { draft: StoredDraft; draftedByEmail: string } & (
  | { kind: 'request'; view: RequestView }
  | { kind: 'draft'; changes: { path: string; before: unknown; after: unknown }[] }
);

/** @throws DomainError not_found */
export async function draftScreen(ctx: ServiceContext, id: string): Promise<DraftScreen> {
  const draft = await getDraft(ctx, id);
  // An account removed since keeps its id on the application rather than hiding who filed it.
  const draftedByEmail = (await findStaffUser(ctx.db, draft.drafted_by))?.email ?? draft.drafted_by;
  if (isRequestKind(draft.kind)) return { kind: 'request', draft, draftedByEmail, view: await requestView(ctx, draft) };
  const body = JSON.parse(draft.body) as Record<string, unknown>;
  let changes: { path: string; before: unknown; after: unknown }[] = [];
  if (draft.kind === 'issue') {
    changes = Object.entries(flatten(body)).map(([path, after]) => ({ path, before: undefined, after }));
  } else if (draft.contract_number && (draft.kind === 'change' || draft.kind === 'correction')) {
    const state = await getSurety(ctx, draft.contract_number);
    const merged = certificateSchema.safeParse(mergePatch(state.current.certificate, body.changes));
    if (merged.success) changes = diffCertificates(state.current.certificate, merged.data);
  }
  return { kind: 'draft', draft, draftedByEmail, changes };
}
