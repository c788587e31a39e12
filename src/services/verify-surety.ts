// Use case: an officer (or a client program) verifies a contract number + authentication key. A failure is a result
// value, not a throw; unknown number, wrong key and reissued key are indistinguishable by answer and timing.
import { normalizeAuthKey, normalizeContractNumber } from '../domain/identifiers.js';
import { findAuthKeyHmac } from '../repositories/sureties.js';
import { guardedAttempt } from '../security/throttle.js';
import type { ChainProblem } from '../signing/versions.js';
import type { ServiceContext } from './context.js';
import { keyTagOf } from './viewer-access.js';
import { loadSuretyStateCached, type SuretyState } from './surety-state.js';

export interface VerifyInput {
  contractNumber: string;
  authKey: string;
  /** Throttling identity of the client (IPv4 address or IPv6 /64). */
  client: string;
  exempt: boolean;
  channel: 'form' | 'api' | 'status';
}

export type VerifyResult =
  | { outcome: 'ok'; state: SuretyState; keyTag: string }
  | { outcome: 'no_match'; remaining?: number }
  | { outcome: 'throttled'; retryAfter: number }
  | { outcome: 'tampered'; contractNumber: string; problems: ChainProblem[]; keyTag: string };

export async function verifySurety(ctx: ServiceContext, input: VerifyInput): Promise<VerifyResult> {
  const number = normalizeContractNumber(input.contractNumber);
  const key = normalizeAuthKey(input.authKey) ?? '';
  // Unknown and malformed numbers go through the same steps as real ones (HMAC included).
  const counterKey = number ?? `invalid:${input.contractNumber.slice(0, 32)}`;
  let latestSeq = 0;
  let matchedHmac = '';
  // The key lookup runs under the throttle: after its counters on the read-only path, inside the locked transaction
  // when a failure is counted.
  const attempt = await guardedAttempt(
    ctx,
    { client: input.client, number: counterKey, exempt: input.exempt },
    async (db) => {
      const stored = number ? await findAuthKeyHmac(db, number) : undefined;
      latestSeq = stored?.latest_seq ?? 0;
      matchedHmac = stored?.auth_key_hmac ?? '';
      return ctx.vault.matches(number ?? '00000-000000', key, stored?.auth_key_hmac ?? null);
    },
  );
  const record = (outcome: VerifyResult['outcome']) => {
    ctx.metrics.verifications.inc({ outcome });
    const event = {
      at: ctx.clock().toISOString(),
      kind: 'verify',
      channel: input.channel,
      outcome,
      contract_number: number,
      seq: null,
      client: input.client,
    };
    if (attempt.outcome === 'throttled') {
      ctx.recorder.recordThrottled(event, ctx.clock().getTime() + attempt.retryAfter * 1000);
    } else ctx.recorder.record(event);
  };
  if (attempt.outcome !== 'ok' || !number) {
    record(attempt.outcome);
    return attempt.outcome === 'ok' ? { outcome: 'no_match' } : attempt;
  }
  // The tag of the very key that matched: a viewer grant made from this result ends when that key is reissued.
  const keyTag = keyTagOf(ctx, matchedHmac);
  const loaded = await loadSuretyStateCached(ctx, number, latestSeq);
  if (loaded.kind !== 'ok') {
    record('tampered');
    return {
      outcome: 'tampered',
      contractNumber: number,
      problems: loaded.kind === 'tampered' ? loaded.problems : [],
      keyTag,
    };
  }
  record('ok');
  return { outcome: 'ok', state: loaded.state, keyTag };
}
