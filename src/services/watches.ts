// Use cases of the obligee API (DESIGN §11): an obligee organisation registers a certificate to watch (number + key,
// throttled like verify, only certificates whose obligee it is), lists what it watches, and stops watching one.
import { z } from 'zod';
import { writeTransaction } from '../../db/connection.js';
import { MAX_IDENTIFIER_INPUT } from '../domain/identifiers.js';
import { DomainError } from '../errors.js';
import { insertAudit } from '../repositories/audit-log.js';
import { findSuretyForUpdate } from '../repositories/sureties.js';
import { deleteWatch, insertWatch, listWatches, markExpiredFor } from '../repositories/watches.js';
import type { ServiceContext } from './context.js';
import type { ObligeeActor } from './obligee-tokens.js';
import { loadSuretyState, loadSuretyStateCached, type SuretyState } from './surety-state.js';
import { parseOrThrow } from './validation.js';
import { verifySurety } from './verify-surety.js';

export const watchRequestSchema = z.strictObject({
  authKey: z.string().max(MAX_IDENTIFIER_INPUT, { error: `${MAX_IDENTIFIER_INPUT}文字以内で入力してください` }),
});

const NO_MATCH = '保証契約番号または認証キーが正しくありません';

/**
 * Registers a watch. The key is checked exactly as a verification (the §7 limits, counted for `client`); only after
 * the right key does the obligee matter (403 when it is another organisation's certificate, so a wrong key never
 * learns whose it is). The watch is written under the certificate's row lock with its state read there, so a
 * version published at the same moment is either in the answer's `current` or the first event of the feed.
 * @throws DomainError validation_failed | no_match | throttled | forbidden | internal (stored chain fails verification)
 */
export async function registerWatch(
  ctx: ServiceContext,
  actor: ObligeeActor,
  input: { contractNumber: string; body: unknown; client: string },
): Promise<{ created: boolean; state: SuretyState }> {
  const { authKey } = parseOrThrow(watchRequestSchema, input.body);
  const result = await verifySurety(ctx, {
    contractNumber: input.contractNumber,
    authKey,
    client: input.client,
    exempt: false,
    channel: 'api',
  });
  switch (result.outcome) {
    case 'no_match':
      throw new DomainError('no_match', NO_MATCH);
    case 'throttled':
      throw new DomainError('throttled', '試行回数が多すぎます。しばらくしてから再度お試しください', {
        retryAfter: result.retryAfter,
      });
    case 'tampered':
      throw new DomainError('internal', '保証データの署名を検証できませんでした。発行者にお問い合わせください');
    case 'ok':
      break;
  }
  const number = result.state.contractNumber;
  if (result.state.current.certificate.obligee.id !== actor.obligeeId) {
    throw new DomainError('forbidden', 'この保証の発注者は、このトークンの発注者ではありません');
  }
  return writeTransaction(ctx.db, async (tx) => {
    const surety = await findSuretyForUpdate(tx, number);
    const loaded = await loadSuretyState(ctx, number, tx);
    if (!surety || loaded.kind !== 'ok') {
      throw new DomainError('internal', '保証データの署名を検証できませんでした。発行者にお問い合わせください');
    }
    const at = ctx.clock().toISOString();
    const created = await insertWatch(tx, {
      obligee_id: actor.obligeeId,
      contract_number: number,
      created_at: at,
      created_by: actor.id,
      expired_for: null,
    });
    if (created) {
      // Expired before it was watched: no status change happens after registration, so no `expired` event.
      if (loaded.state.status === 'expired') {
        await markExpiredFor(tx, number, loaded.state.current.certificate.guaranteePeriod.to, actor.obligeeId);
      }
      await insertAudit(tx, {
        at,
        actor_type: actor.type,
        actor_id: actor.id,
        action: 'watch.add',
        contract_number: number,
        detail: JSON.stringify({ obligeeId: actor.obligeeId, token: actor.name }),
      });
    }
    return { created, state: loaded.state };
  });
}

/** What the organisation watches, each with its verified current state. */
export async function listWatched(ctx: ServiceContext, actor: ObligeeActor): Promise<SuretyState[]> {
  const watches = await listWatches(ctx.db, actor.obligeeId);
  const states: SuretyState[] = [];
  for (const w of watches) {
    const loaded = await loadSuretyStateCached(ctx, w.contract_number, w.latest_seq);
    if (loaded.kind === 'tampered') {
      throw new DomainError('internal', `保証契約番号 ${w.contract_number} の保存データの署名を検証できません`);
    }
    if (loaded.kind === 'ok') states.push(loaded.state);
  }
  return states;
}

/**
 * Stops watching; the events already in the feed stay there (pages once read never change).
 * @throws DomainError not_found (not watched by this organisation)
 */
export async function removeWatch(ctx: ServiceContext, actor: ObligeeActor, contractNumber: string): Promise<void> {
  await writeTransaction(ctx.db, async (tx) => {
    if (!(await deleteWatch(tx, actor.obligeeId, contractNumber))) {
      throw new DomainError('not_found', 'この保証は監視対象に登録されていません');
    }
    await insertAudit(tx, {
      at: ctx.clock().toISOString(),
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'watch.remove',
      contract_number: contractNumber,
      detail: JSON.stringify({ obligeeId: actor.obligeeId, token: actor.name }),
    });
  });
}
