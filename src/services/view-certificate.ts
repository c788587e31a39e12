// Use case: an officer holding a viewer grant opens a certificate (or one visible version); every view is recorded.
import { DomainError } from '../errors.js';
import type { ServiceContext } from './context.js';
import { loadSuretyState, type LoadResult } from './surety-state.js';

export interface ViewInput {
  contractNumber: string;
  seq?: number;
  client: string;
}

/**
 * @throws DomainError not_found when the number or the visible version does not exist
 */
export async function viewCertificate(
  ctx: ServiceContext,
  input: ViewInput,
): Promise<Exclude<LoadResult, { kind: 'not_found' }>> {
  const loaded = await loadSuretyState(ctx, input.contractNumber);
  if (loaded.kind === 'not_found') throw new DomainError('not_found', '保証が見つかりません');
  if (loaded.kind === 'ok' && input.seq !== undefined && !loaded.state.visible.some((v) => v.seq === input.seq)) {
    throw new DomainError('not_found', 'この版は表示できません（訂正・変更取消された版、または存在しない版です）');
  }
  ctx.recorder.record({
    at: ctx.clock().toISOString(),
    kind: 'view',
    channel: 'web',
    outcome: loaded.kind,
    contract_number: input.contractNumber,
    seq: input.seq ?? (loaded.kind === 'ok' ? loaded.state.current.seq : null),
    client: input.client,
  });
  return loaded;
}
