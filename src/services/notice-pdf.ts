// The key notice PDF: its input built from the verified state and the current key, drawn by src/pdf in the PDF pool
// (so rendering never blocks verification). Used by the mailed notice link and by the issuer's reprint.
import type { NoticeInput } from '../pdf/model.js';
import type { ServiceContext } from './context.js';
import type { NoticeRenderer } from './mail-links.js';
import { runPdf, versionRefOf } from './render-certificate.js';
import type { SuretyState } from './surety-state.js';

export function noticeInputOf(ctx: ServiceContext, state: SuretyState, authKey: string): NoticeInput {
  const first = state.visible[0];
  if (!first) throw new Error('a guarantee always has a visible first version');
  return {
    kind: 'notice',
    certificate: state.current.certificate,
    authKey,
    issued: versionRefOf(state, first.seq),
    latest: state.current.seq === first.seq ? null : versionRefOf(state, state.current.seq),
    status: state.status,
    verifyUrl: `${ctx.config.publicUrl}/`,
    generatedAt: ctx.clock().toISOString(),
  };
}

/** @throws DomainError throttled when the PDF pool is saturated (the link is not used up: rendering comes first) */
export const renderNoticeForLink: NoticeRenderer = (ctx, state, authKey) => runPdf(noticeInputOf(ctx, state, authKey));
