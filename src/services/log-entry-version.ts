// Use case: an auditor's read of what a transparency-log entry commits to (GET /api/v1/log/entries/{index}/version,
// read scope): the version at that leaf and its guarantee's earlier versions, exactly as stored — never re-verified
// or repaired here, so `log:monitor` in auditor mode sees what the database holds and checks it itself.
import type { VersionEvent } from '../domain/history.js';
import { DomainError } from '../errors.js';
import { listVersions } from '../repositories/sureties.js';
import { latestCheckpoint, listLeaves } from '../repositories/transparency-log.js';
import type { ServiceContext } from './context.js';

export interface LogEntryVersion {
  index: number;
  contractNumber: string;
  seq: number;
  versions: { seq: number; event: VersionEvent; target: number | null; jws: string }[];
}

/** @throws DomainError not_found when no checkpoint covers `index` or its version is not stored */
export async function logEntryVersion(ctx: ServiceContext, index: number): Promise<LogEntryVersion> {
  const size = (await latestCheckpoint(ctx.db))?.size ?? 0;
  const [leaf] = index < size ? await listLeaves(ctx.db, index, index + 1) : [];
  if (!leaf) throw new DomainError('not_found', `索引 ${index} のエントリは公開済みのツリーにありません`);
  const seq = Number(leaf.seq);
  const versions = (await listVersions(ctx.db, leaf.contract_number))
    .filter((v) => Number(v.seq) <= seq)
    .map((v) => ({
      seq: Number(v.seq),
      event: v.event as VersionEvent,
      target: v.target === null ? null : Number(v.target),
      jws: v.jws,
    }));
  if (versions.at(-1)?.seq !== seq) {
    throw new DomainError('not_found', `索引 ${index} のエントリが指す版は保存されていません`);
  }
  return { index, contractNumber: leaf.contract_number, seq, versions };
}
