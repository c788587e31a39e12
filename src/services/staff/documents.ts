// Use cases: the documents of the 電子保証概要 screen — the key notice 「電子保証にかかる『認証キー』のお知らせ」
// (it carries the key: clerks and approvers only, every print audited without the key) and the certificate PDF of
// the current version (every staff role). Both are drawn from the verified state, exactly as the issuer API and the
// officer's download draw them.
import { writeTransaction } from '../../../db/connection.js';
import { DomainError } from '../../errors.js';
import { consumeKeyView } from './key-view-limit.js';
import type { Actor, ServiceContext } from '../context.js';
import { getSurety } from '../get-surety.js';
import { certificateInputOf, runPdf, versionRefOf, type PdfFile } from '../render-certificate.js';
import { renderNoticePdf } from '../render-notice.js';
import { ja } from '../../i18n/ja.js';

type StaffRole = Extract<Actor, { type: 'staff' }>['role'];

function requireRole(actor: Actor, roles: readonly StaffRole[]): void {
  if (actor.type !== 'staff' || !roles.includes(actor.role)) {
    throw new DomainError('forbidden', 'この操作を行う権限がありません');
  }
}

/**
 * The key notice with the current key; the print is written to the audit log (`notice.print`, never the key).
 * @throws DomainError forbidden | not_found | internal (stored chain fails verification) | throttled (PDF queue full,
 *   or the actor's hourly key display cap)
 */
export async function staffNoticePdf(ctx: ServiceContext, actor: Actor, contractNumber: string): Promise<PdfFile> {
  requireRole(actor, ['clerk', 'approver']);
  // The notice carries the key: it counts against the same hourly display cap as the key on screen.
  if (actor.type === 'staff') await writeTransaction(ctx.db, (tx) => consumeKeyView(tx, ctx, actor, contractNumber));
  return renderNoticePdf(ctx, actor, contractNumber);
}

/**
 * The certificate (保証証書) of the current version, with its signed JWS and JWKS entry attached.
 * @throws DomainError forbidden | not_found | internal (stored chain fails verification) | throttled (PDF queue full)
 */
export async function staffCertificatePdf(ctx: ServiceContext, actor: Actor, contractNumber: string): Promise<PdfFile> {
  requireRole(actor, ['admin', 'clerk', 'approver']);
  const state = await getSurety(ctx, contractNumber);
  const pdf = await runPdf(await certificateInputOf(ctx, state, state.current));
  const ref = versionRefOf(state, state.current.seq);
  return {
    pdf,
    filename: `${ja[`cert.title.${state.current.certificate.product}`]}_${contractNumber}_No${ref.no}.pdf`,
    asciiFilename: `certificate-${contractNumber}-no${ref.no}.pdf`,
  };
}
