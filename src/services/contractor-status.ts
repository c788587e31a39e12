// Use case: the contractor checks, with number + key (throttled exactly like verification), whether the certificate
// reached the platform, how often and when it was viewed, and whether the obligee confirmed receipt.
import { listAudit } from '../repositories/audit-log.js';
import { listUsedMailLinks } from '../repositories/outbox.js';
import { viewStats } from '../repositories/follow-up.js';
import { receiptsOf, type Receipt } from './confirm-receipt.js';
import type { ServiceContext } from './context.js';
import type { SuretyState } from './surety-state.js';
import { verifySurety, type VerifyResult } from './verify-surety.js';

export interface ContractorStatus {
  state: SuretyState;
  /** When the guarantee first reached the platform (電子保証発行日時 of version 1). */
  arrivedAt: string;
  views: { count: number; lastAt: string | null };
  receipts: Receipt[];
  /** When the key notice was handed out: by a mailed single-use link (DESIGN §10) or from /status with the key. */
  noticeDownloads: { at: string; via: 'mail' | 'status' }[];
}

export type StatusResult = Exclude<VerifyResult, { outcome: 'ok' }> | { outcome: 'ok'; status: ContractorStatus };

export async function contractorStatus(
  ctx: ServiceContext,
  input: { contractNumber: string; authKey: string; client: string; exempt: boolean },
): Promise<StatusResult> {
  // The same check, limits and attempt record as verification; the channel keeps these checks out of the view count.
  const result = await verifySurety(ctx, { ...input, channel: 'status' });
  if (result.outcome !== 'ok') return result;
  const { state } = result;
  const n = state.contractNumber;
  const [views, receipts, links, audit] = await Promise.all([
    viewStats(ctx.db, n),
    receiptsOf(ctx, n),
    listUsedMailLinks(ctx.db, n),
    listAudit(ctx.db, n),
  ]);
  const fromStatus = audit
    .filter((a) => a.action === 'notice.download' && a.actor_type === 'contractor')
    .map((a) => ({ at: a.at, via: 'status' as const }));
  return {
    outcome: 'ok',
    status: {
      state,
      arrivedAt: state.versions[0]?.issuedAt ?? state.current.issuedAt,
      views,
      receipts,
      noticeDownloads: [
        ...links.flatMap((l) => (l.used_at ? [{ at: l.used_at, via: 'mail' as const }] : [])),
        ...fromStatus,
      ].sort((a, b) => a.at.localeCompare(b.at)),
    },
  };
}
