// Use case: `pdf:sign-earlier` — versions published before an e-seal was configured have no signed as-issued PDF
// (DESIGN §13 answers 404 for them); on request they are queued like new ones, and the signing worker signs them as
// usual. One audit row per guarantee, in the transaction that queues its versions.
import { writeTransaction } from '../../db/connection.js';
import { toJstIso } from '../domain/format.js';
import { DomainError } from '../errors.js';
import { insertAudit } from '../repositories/audit-log.js';
import { insertMetaIfAbsent, getMeta } from '../repositories/meta.js';
import { queueSignedPdf, versionsBeforeWithoutSignedPdf } from '../repositories/signed-pdfs.js';
import type { Actor, ServiceContext } from './context.js';
import { SINCE_KEY, signingConfigured } from './signed-pdfs.js';

export interface SignEarlierInput {
  /** Only this guarantee's versions. */
  contractNumber?: string | undefined;
  /** Only versions issued at or after this instant. */
  since?: Date | undefined;
}

/**
 * Queues every version published before signing began (and matching the filters) that has no signed PDF yet.
 * @returns the versions queued, per guarantee
 * @throws DomainError forbidden (command line only) | conflict (no e-seal configured)
 */
export async function queueEarlierVersions(
  ctx: ServiceContext,
  actor: Actor,
  input: SignEarlierInput,
): Promise<{ contractNumber: string; seqs: number[] }[]> {
  if (actor.type !== 'cli') throw new DomainError('forbidden', 'この操作を行う権限がありません');
  if (!signingConfigured(ctx)) {
    throw new DomainError(
      'conflict',
      'no e-seal is configured (ESURETY_PDF_SIGN_P12 or ESURETY_PDF_SIGN_PKCS11_*, DESIGN §13): nothing can be signed',
    );
  }
  const now = ctx.clock();
  return writeTransaction(ctx.db, async (tx) => {
    // Before the worker's first pass signing has no start yet: it starts now, and everything earlier is queued here.
    await insertMetaIfAbsent(tx, SINCE_KEY, toJstIso(now));
    const before = (await getMeta(tx, SINCE_KEY))!;
    const versions = await versionsBeforeWithoutSignedPdf(tx, {
      before,
      since: input.since ? toJstIso(input.since) : undefined,
      contractNumber: input.contractNumber,
    });
    const byContract = new Map<string, number[]>();
    for (const v of versions) {
      await queueSignedPdf(tx, v.contract_number, v.seq, now.toISOString());
      byContract.set(v.contract_number, [...(byContract.get(v.contract_number) ?? []), v.seq]);
    }
    const queued = [...byContract].map(([contractNumber, seqs]) => ({ contractNumber, seqs }));
    for (const q of queued) {
      await insertAudit(tx, {
        at: now.toISOString(),
        actor_type: actor.type,
        actor_id: actor.id,
        action: 'signed_pdf.queued_earlier',
        contract_number: q.contractNumber,
        detail: JSON.stringify({ seqs: q.seqs, signingSince: before }),
      });
    }
    return queued;
  });
}
