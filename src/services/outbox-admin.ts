// Use cases for issuer staff: see pending and dead-lettered mail, and put a dead letter back in the queue. Used by the
// issuer API today and meant for the staff portal's mail screen.
import { z } from 'zod';
import { writeTransaction } from '../../db/connection.js';
import { DomainError } from '../errors.js';
import { insertAudit } from '../repositories/audit-log.js';
import {
  countOutboxByState,
  findOutbox,
  listOutboxByState,
  requeueOutbox,
  type OutboxRow,
  type OutboxState,
} from '../repositories/outbox.js';
import type { MailKind } from '../mail/outbox.js';
import type { Actor, ServiceContext } from './context.js';

export const OUTBOX_STATES = ['pending', 'dead', 'sent'] as const satisfies readonly OutboxState[];

/** Query of the staff list: which state (default pending) and how many, newest first. */
export const outboxQuerySchema = z.strictObject({
  state: z.enum(OUTBOX_STATES, { error: 'state は pending / dead / sent のいずれかです' }).default('pending'),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

/** What staff see of a mail: never its body, which holds nothing they need and may hold a contractor's details. */
export interface OutboxEntry {
  id: string;
  kind: MailKind;
  contractNumber: string | null;
  recipient: string;
  subject: string;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

function entryOf(row: OutboxRow): OutboxEntry {
  return {
    id: row.id,
    // The column is plain text, written only from a typed QueuedMail (mail/outbox.ts).
    kind: row.kind as MailKind,
    contractNumber: row.contract_number,
    recipient: row.recipient,
    subject: row.subject,
    state: row.state,
    attempts: Number(row.attempts),
    nextAttemptAt: row.state === 'pending' ? row.next_attempt_at : null,
    lastError: row.last_error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

export async function listOutbox(
  ctx: ServiceContext,
  _actor: Actor,
  input: { state: OutboxState; limit?: number },
): Promise<{ counts: Record<OutboxState, number>; mails: OutboxEntry[] }> {
  const limit = Math.min(Math.max(input.limit ?? 100, 1), 500);
  const [counts, rows] = await Promise.all([countOutboxByState(ctx.db), listOutboxByState(ctx.db, input.state, limit)]);
  return { counts, mails: rows.map(entryOf) };
}

/**
 * Queues a dead-lettered (or waiting) mail again, due now with a fresh attempt budget and fresh link expiry. The
 * Message-ID stays, so a mail that had in fact arrived is recognisable as the same mail.
 * @throws DomainError not_found | conflict (already sent, or being sent right now)
 */
export async function retryMail(ctx: ServiceContext, actor: Actor, id: string): Promise<OutboxEntry> {
  return writeTransaction(ctx.db, async (tx) => {
    const row = await findOutbox(tx, id);
    if (!row) throw new DomainError('not_found', 'このメールは見つかりません');
    if (row.state === 'sent') throw new DomainError('conflict', 'このメールは送信済みです');
    const at = ctx.clock().toISOString();
    if (!(await requeueOutbox(tx, id, at))) {
      throw new DomainError('conflict', 'このメールは送信処理中です。しばらくしてから状態を確認してください');
    }
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'mail.retry',
      contract_number: row.contract_number,
      detail: JSON.stringify({ mail: id, kind: row.kind, previousState: row.state, attempts: Number(row.attempts) }),
    });
    const updated = await findOutbox(tx, id);
    if (!updated) throw new Error('unreachable: the mail was just updated');
    return entryOf(updated);
  });
}
