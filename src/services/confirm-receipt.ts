// Use case: the obligee's officer, holding a viewer grant, confirms receipt (受領確認) of a version. Every officer's
// confirmation is kept, each with its department and name (whoever had number + key first must not be able to shut
// the real officer out), up to a cap per version and a smaller one per version and client; each is recorded with its audit row and the contractor's mail in one
// transaction.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { writeTransaction } from '../../db/connection.js';
import { queueMail } from '../mail/outbox.js';
import { factsOf, receiptConfirmedMail } from '../mail/templates.js';
import { insertAudit } from '../repositories/audit-log.js';
import { lockBuckets } from '../repositories/activity.js';
import { insertReceipt, listReceipts, listVersionReceipts } from '../repositories/follow-up.js';
import { findSurety } from '../repositories/sureties.js';
import type { ServiceContext } from './context.js';
import { eventKindOf } from './notifications.js';
import { loadSuretyState } from './surety-state.js';

/**
 * What the officer may type, shown to the contractor on a page and in a mail: NFKC, control and format characters
 * (bidi overrides, zero-width characters) removed, runs of spaces collapsed; required.
 */
const text = (max: number) =>
  z
    .string()
    .transform((s) =>
      s
        .normalize('NFKC')
        .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .pipe(z.string().min(1).max(max));

export interface ReceiptInput {
  contractNumber: string;
  seq: number;
  department: string;
  officerName: string;
  client: string;
}

/** `already`: this department and name already confirmed this version; `limit`: the version has its cap. */
export type ReceiptOutcome = 'recorded' | 'already' | 'limit' | 'invalid' | 'not_visible';

export interface Receipt {
  seq: number;
  department: string;
  officerName: string;
  confirmedAt: string;
}

export async function confirmReceipt(ctx: ServiceContext, input: ReceiptInput): Promise<ReceiptOutcome> {
  const department = text(100).safeParse(input.department.slice(0, 300));
  const officerName = text(50).safeParse(input.officerName.slice(0, 300));
  if (!department.success || !officerName.success) return 'invalid';
  return writeTransaction(ctx.db, async (tx): Promise<ReceiptOutcome> => {
    const surety = await findSurety(tx, input.contractNumber);
    const loaded = await loadSuretyState(ctx, input.contractNumber, tx);
    if (!surety || loaded.kind !== 'ok') return 'not_visible';
    const { state } = loaded;
    const no = state.visible.findIndex((v) => v.seq === input.seq) + 1;
    const version = state.visible[no - 1];
    if (!version) return 'not_visible';
    // Under the version's lock (PostgreSQL; SQLite's write transaction already serialises): parallel posts cannot
    // pass the cap or record the same officer twice.
    await lockBuckets(tx, [`rc:${input.contractNumber}:${input.seq}`]);
    const earlier = await listVersionReceipts(tx, input.contractNumber, input.seq);
    if (earlier.some((r) => r.department === department.data && r.officer_name === officerName.data)) return 'already';
    const { limits } = ctx.config;
    const fromClient = earlier.filter((r) => r.client === input.client).length;
    if (earlier.length >= limits.receiptConfirmationsPerVersion) return 'limit';
    if (fromClient >= limits.receiptConfirmationsPerVersionClient) return 'limit';
    const at = ctx.clock().toISOString();
    await insertReceipt(tx, {
      id: randomUUID(),
      contract_number: input.contractNumber,
      seq: input.seq,
      department: department.data,
      officer_name: officerName.data,
      confirmed_at: at,
      client: input.client,
    });
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

/** Every receipt confirmation of a guarantee, by seq, then oldest first. */
export async function receiptsOf(ctx: ServiceContext, contractNumber: string): Promise<Receipt[]> {
  return (await listReceipts(ctx.db, contractNumber)).map((r) => ({
    seq: Number(r.seq),
    department: r.department,
    officerName: r.officer_name,
    confirmedAt: r.confirmed_at,
  }));
}
