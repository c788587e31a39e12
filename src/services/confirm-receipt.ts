// Use case: the obligee's officer, holding a viewer grant, confirms receipt (受領確認) of a version. Recorded once per
// version, with the audit row and the contractor's mail in the same transaction.
import { z } from 'zod';
import { writeTransaction } from '../../db/connection.js';
import { queueMail } from '../mail/outbox.js';
import { factsOf, receiptConfirmedMail } from '../mail/templates.js';
import { insertAudit } from '../repositories/audit-log.js';
import { insertReceipt, listReceipts } from '../repositories/follow-up.js';
import { findSurety } from '../repositories/sureties.js';
import type { ServiceContext } from './context.js';
import { eventKindOf } from './notifications.js';
import { loadSuretyState } from './surety-state.js';

const text = z
  .string()
  .transform((s) => s.normalize('NFKC').replace(/\s+/g, ' ').trim())
  .pipe(z.string().min(1).max(100));

export interface ReceiptInput {
  contractNumber: string;
  seq: number;
  department: string;
  officerName: string;
  client: string;
}

export type ReceiptOutcome = 'recorded' | 'already' | 'invalid' | 'not_visible';

export interface Receipt {
  seq: number;
  department: string;
  officerName: string;
  confirmedAt: string;
}

export async function confirmReceipt(ctx: ServiceContext, input: ReceiptInput): Promise<ReceiptOutcome> {
  const department = text.safeParse(input.department.slice(0, 300));
  const officerName = text.safeParse(input.officerName.slice(0, 300));
  if (!department.success || !officerName.success) return 'invalid';
  return writeTransaction(ctx.db, async (tx): Promise<ReceiptOutcome> => {
    const surety = await findSurety(tx, input.contractNumber);
    const loaded = await loadSuretyState(ctx, input.contractNumber, tx);
    if (!surety || loaded.kind !== 'ok') return 'not_visible';
    const { state } = loaded;
    const no = state.visible.findIndex((v) => v.seq === input.seq) + 1;
    const version = state.visible[no - 1];
    if (!version) return 'not_visible';
    const at = ctx.clock().toISOString();
    const recorded = await insertReceipt(tx, {
      contract_number: input.contractNumber,
      seq: input.seq,
      department: department.data,
      officer_name: officerName.data,
      confirmed_at: at,
      client: input.client,
    });
    if (!recorded) return 'already';
    await insertAudit(tx, {
      at,
      actor_type: 'officer',
      actor_id: `client:${input.client}`,
      action: 'receipt.confirm',
      contract_number: input.contractNumber,
      detail: JSON.stringify({ seq: input.seq, department: department.data, officerName: officerName.data }),
    });
    if (surety.contractor_email) {
      await queueMail(tx, ctx, {
        kind: 'receipt_confirmed',
        contractNumber: input.contractNumber,
        recipient: surety.contractor_email,
        doc: receiptConfirmedMail(
          factsOf(version.certificate),
          {
            no,
            kind: eventKindOf(state, version.seq),
            issuedAt: version.issuedAt,
            confirmedAt: at,
            department: department.data,
            officerName: officerName.data,
          },
          ctx.config.publicUrl,
        ),
      });
    }
    return 'recorded';
  });
}

/** Every receipt confirmation of a guarantee, by seq. */
export async function receiptsOf(ctx: ServiceContext, contractNumber: string): Promise<Receipt[]> {
  return (await listReceipts(ctx.db, contractNumber)).map((r) => ({
    seq: Number(r.seq),
    department: r.department,
    officerName: r.officer_name,
    confirmedAt: r.confirmed_at,
  }));
}
