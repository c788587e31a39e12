// Loads a guarantee's versions, verifies the whole signed chain and derives history and status from the verified
// payloads only: loose columns never reach a page or an API answer.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { jstDayBounds } from '../domain/format.js';
import { currentVersion, hiddenSeqs, statusOf, type HistoryEntry, type Status } from '../domain/history.js';
import { listVersions } from '../repositories/sureties.js';
import { verifyChain, type ChainProblem, type VersionPayload } from '../signing/versions.js';
import type { ServiceContext } from './context.js';

export interface VersionView extends HistoryEntry {
  issuedAt: string;
  reason: string | null;
  jws: string;
  kid: string;
  hidden: boolean;
  payload: VersionPayload;
}

export interface SuretyState {
  contractNumber: string;
  status: Status;
  versions: VersionView[];
  visible: VersionView[];
  current: VersionView;
}

export type LoadResult =
  | { kind: 'ok'; state: SuretyState }
  | { kind: 'not_found' }
  | { kind: 'tampered'; contractNumber: string; problems: ChainProblem[] };

export async function loadSuretyState(
  ctx: ServiceContext,
  contractNumber: string,
  db: Kysely<Database> = ctx.db,
): Promise<LoadResult> {
  const rows = await listVersions(db, contractNumber);
  if (rows.length === 0) return { kind: 'not_found' };
  const chain = await verifyChain(ctx.keyring, ctx.verified, contractNumber, rows);
  if (!chain.valid) return { kind: 'tampered', contractNumber, problems: chain.problems };
  const hidden = hiddenSeqs(chain.versions.map((v) => v.payload));
  const versions: VersionView[] = chain.versions.map((v) => ({
    seq: v.payload.seq,
    event: v.payload.event,
    target: v.payload.target,
    certificate: v.payload.certificate,
    issuedAt: v.payload.issuedAt,
    reason: v.payload.reason,
    jws: v.jws,
    kid: v.kid,
    hidden: hidden.has(v.payload.seq),
    payload: v.payload,
  }));
  const visible = versions.filter((v) => !v.hidden);
  return {
    kind: 'ok',
    state: {
      contractNumber,
      status: statusOf(versions, ctx.clock()),
      versions,
      visible,
      current: currentVersion(versions),
    },
  };
}

// Verified states by (contract number, latest seq): an unchanged guarantee is not re-read and re-checked on every
// verification. A new version changes latest_seq, so it is never served stale. Status depends on today's date (expiry
// in JST), so each entry also remembers the JST day its status was derived for and derives it again on another day.
interface CachedState {
  state: SuretyState;
  /** The JST day [from, until) in epoch ms for which state.status holds. */
  from: number;
  until: number;
}
const stateCache = new WeakMap<ServiceContext, Map<string, CachedState>>();
const STATE_CACHE_LIMIT = 5000;

function withStatusOfDay(state: SuretyState, now: Date): CachedState {
  return { state: { ...state, status: statusOf(state.versions, now) }, ...jstDayBounds(now) };
}

export async function loadSuretyStateCached(
  ctx: ServiceContext,
  contractNumber: string,
  latestSeq: number,
): Promise<LoadResult> {
  let cache = stateCache.get(ctx);
  if (!cache) {
    cache = new Map();
    stateCache.set(ctx, cache);
  }
  const key = `${contractNumber}#${latestSeq}`;
  const hit = cache.get(key);
  if (hit) {
    const now = ctx.clock();
    const t = now.getTime();
    if (t >= hit.from && t < hit.until) return { kind: 'ok', state: hit.state };
    const today = withStatusOfDay(hit.state, now);
    cache.set(key, today);
    return { kind: 'ok', state: today.state };
  }
  const loaded = await loadSuretyState(ctx, contractNumber);
  if (loaded.kind === 'ok' && loaded.state.versions.length === latestSeq) {
    if (cache.size >= STATE_CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, withStatusOfDay(loaded.state, ctx.clock()));
  }
  return loaded;
}
