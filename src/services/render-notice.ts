// Use case: issuer staff (API token) print the key notice 「電子保証にかかる『認証キー』のお知らせ」 with the current
// key. The document carries the key, so every print is written to the audit log (without the key).
import { insertAudit } from '../repositories/audit-log.js';
import { findSurety } from '../repositories/sureties.js';
import type { Actor, ServiceContext } from './context.js';
import { getSurety } from './get-surety.js';
import { noticeInputOf } from './notice-pdf.js';
import { runPdf, type PdfFile } from './render-certificate.js';

/** @throws DomainError not_found | internal (stored chain fails verification) | throttled (PDF pool saturated) */
export async function renderNoticePdf(ctx: ServiceContext, actor: Actor, contractNumber: string): Promise<PdfFile> {
  const state = await getSurety(ctx, contractNumber);
  const surety = await findSurety(ctx.db, contractNumber);
  if (!surety) throw new Error(`surety row of ${contractNumber} missing while its versions exist`);
  const pdf = await runPdf(noticeInputOf(ctx, state, await ctx.vault.decrypt(surety.auth_key_jwe)));
  await insertAudit(ctx.db, {
    at: ctx.clock().toISOString(),
    actor_type: actor.type,
    actor_id: actor.id,
    action: 'notice.print',
    contract_number: contractNumber,
    detail: JSON.stringify({ seq: state.current.seq, bytes: pdf.length }),
  });
  return {
    pdf,
    filename: `認証キーのお知らせ_${contractNumber}.pdf`,
    asciiFilename: `notice-${contractNumber}.pdf`,
  };
}
