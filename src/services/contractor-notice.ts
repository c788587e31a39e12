// Use case: the contractor downloads the key notice (「認証キー」のお知らせ, PDF) again from /status with number + key —
// checked, throttled and recorded exactly like verification (a wrong key counts against the same limits), and the
// download audited. The key travels only in the form body and inside the PDF; never in a URL or the audit row.
import { writeTransaction } from '../../db/connection.js';
import { insertAudit } from '../repositories/audit-log.js';
import { findSurety } from '../repositories/sureties.js';
import type { ServiceContext } from './context.js';
import type { NoticeRenderer } from './mail-links.js';
import { verifySurety, type VerifyResult } from './verify-surety.js';

export type NoticeDownload =
  Exclude<VerifyResult, { outcome: 'ok' }> | { outcome: 'ok'; contractNumber: string; pdf: Uint8Array };

/** @throws DomainError throttled when the PDF pool is saturated (nothing is recorded as downloaded then) */
export async function downloadNoticeByKey(
  ctx: ServiceContext,
  input: { contractNumber: string; authKey: string; client: string; exempt: boolean },
  renderNotice: NoticeRenderer,
): Promise<NoticeDownload> {
  const result = await verifySurety(ctx, { ...input, channel: 'status' });
  if (result.outcome !== 'ok') return result;
  const n = result.state.contractNumber;
  const surety = await findSurety(ctx.db, n);
  if (!surety) throw new Error(`${n} verified but not found`);
  // The stored key, not the typed one: the PDF shows the key exactly as issued.
  const pdf = await renderNotice(ctx, result.state, await ctx.vault.decrypt(surety.auth_key_jwe));
  await writeTransaction(ctx.db, (tx) =>
    insertAudit(tx, {
      at: ctx.clock().toISOString(),
      actor_type: 'contractor',
      actor_id: `client:${input.client}`,
      action: 'notice.download',
      contract_number: n,
      detail: JSON.stringify({ via: 'status', client: input.client }),
    }),
  );
  return { outcome: 'ok', contractNumber: n, pdf };
}
