// Use case: `pdf:restamp` (PAdES B-LTA) — stored signed PDFs whose newest time-stamp's TSA certificate expires before
// a date get a document time-stamp, with the validation data of everything before it, appended as an incremental
// update: the signed bytes stay, and the chain of time-stamps keeps the e-seal verifiable after its certificates
// expire. Each PDF is replaced in its own transaction with its audit row, only if nobody replaced it meanwhile.
import { createHash } from 'node:crypto';
import { writeTransaction } from '../../db/connection.js';
import { DomainError } from '../errors.js';
import type { TimeStamper } from '../pdf-sign/cms.js';
import { addDocumentTimeStamp, newestTimeStampExpiry } from '../pdf-sign/doc-timestamp.js';
import { tsaClient } from '../pdf-sign/tsa.js';
import { insertAudit } from '../repositories/audit-log.js';
import { replaceSignedPdf, signedPdfsAfter } from '../repositories/signed-pdfs.js';
import type { Actor, ServiceContext } from './context.js';

export interface RestampInput {
  /** Re-stamp PDFs whose newest time-stamp certificate expires before this instant. */
  before: Date;
  /** Re-stamp every signed PDF, whatever its expiry. */
  all: boolean;
}

export interface RestampOutcome {
  contractNumber: string;
  seq: number;
  /** The newest time-stamp certificate's expiry before (null: the PDF had no time-stamp) and after. */
  expiredAt: string | null;
  result: 'restamped' | 'failed' | 'changed';
  newExpiry?: string | undefined;
  error?: string | undefined;
}

/**
 * @param onOutcome called after each PDF that needed a re-stamp (restamped, failed, or changed meanwhile)
 * @returns how many signed PDFs were looked at
 * @throws DomainError forbidden (command line only) | conflict (no ESURETY_TSA_URL)
 */
export async function restampPdfs(
  ctx: ServiceContext,
  actor: Actor,
  input: RestampInput,
  onOutcome: (outcome: RestampOutcome) => void,
  timestamp?: TimeStamper,
): Promise<{ looked: number; due: number; restamped: number; failed: number }> {
  if (actor.type !== 'cli') throw new DomainError('forbidden', 'この操作を行う権限がありません');
  const stamp = timestamp ?? (ctx.config.tsaUrl ? tsaClient(ctx.config.tsaUrl) : undefined);
  if (!stamp)
    throw new DomainError('conflict', 'ESURETY_TSA_URL is not set: there is no time-stamp authority to re-stamp with');
  const totals = { looked: 0, due: 0, restamped: 0, failed: 0 };
  let after: { contract_number: string; seq: number } | null = null;
  for (;;) {
    const page = await signedPdfsAfter(ctx.db, after, 20);
    if (page.length === 0) return totals;
    for (const row of page) {
      totals.looked++;
      if (!row.pdf_base64 || !row.sha256) continue;
      const pdf = new Uint8Array(Buffer.from(row.pdf_base64, 'base64'));
      const expiry = newestTimeStampExpiry(pdf);
      if (!input.all && expiry && expiry >= input.before) continue;
      totals.due++;
      const base = { contractNumber: row.contract_number, seq: row.seq, expiredAt: expiry?.toISOString() ?? null };
      try {
        const stamped = await addDocumentTimeStamp(pdf, stamp);
        const sha256 = createHash('sha256').update(stamped).digest('hex');
        const newExpiry = newestTimeStampExpiry(stamped)?.toISOString();
        const replaced = await writeTransaction(ctx.db, async (tx) => {
          if (!(await replaceSignedPdf(tx, row, row.sha256!, stamped, sha256, 'B-LTA'))) return false;
          await insertAudit(tx, {
            at: ctx.clock().toISOString(),
            actor_type: actor.type,
            actor_id: actor.id,
            action: 'signed_pdf.restamped',
            contract_number: row.contract_number,
            detail: JSON.stringify({
              seq: row.seq,
              previousSha256: row.sha256,
              sha256,
              previousTimeStampExpiry: base.expiredAt,
              timeStampExpiry: newExpiry ?? null,
            }),
          });
          return true;
        });
        if (replaced) totals.restamped++;
        onOutcome({ ...base, result: replaced ? 'restamped' : 'changed', newExpiry });
      } catch (error) {
        totals.failed++;
        onOutcome({ ...base, result: 'failed', error: (error as Error).message });
      }
    }
    const last = page.at(-1)!;
    after = { contract_number: last.contract_number, seq: last.seq };
  }
}
