// Loads a guarantee's versions, verifies the whole signed chain and derives history and status from the verified
// payloads only: loose columns never reach a page or an API answer.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
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
