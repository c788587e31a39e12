// What the public log routes answer (DESIGN §12): the verifier key, the latest checkpoint, leaf inputs, inclusion and
// consistency proofs against "the tree" — the latest checkpoint — and the `log` evidence of a verify answer.
import { createHash } from 'node:crypto';
import type { LogEvidenceFile } from '../log/evidence.js';
import { leafHash } from '../log/merkle.js';
import { checkpointBody, signNote } from '../log/note.js';
import { DomainError } from '../errors.js';
import {
  findLeafOfVersion,
  firstCheckpointCovering,
  latestCheckpoint,
  listLeafDigests,
} from '../repositories/transparency-log.js';
import type { ServiceContext } from './context.js';
import { logOrigin } from './log-checkpoints.js';
import { servedCheckpoint } from './log-served-checkpoint.js';
import { treeConsistency, treeInclusion } from './log-tree.js';

const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');

export function logVerifierKey(ctx: ServiceContext): string {
  return ctx.logSigner.verifierKey;
}

/** The latest checkpoint's signed note with its witnesses' cosignatures (log-served-checkpoint.ts); before the first
 * one, a signed checkpoint of the empty tree. */
export async function currentCheckpoint(ctx: ServiceContext): Promise<string> {
  const latest = await latestCheckpoint(ctx.db);
  if (latest) return servedCheckpoint(ctx, latest);
  const empty = createHash('sha256').digest();
  return signNote(checkpointBody({ origin: logOrigin(ctx.config.publicUrl), size: 0, root: empty }), ctx.logSigner);
}

async function treeSize(ctx: ServiceContext): Promise<number> {
  return (await latestCheckpoint(ctx.db))?.size ?? 0;
}

/** A query parameter that must be a non-negative integer. @throws DomainError bad_request */
export function logNumber(name: string, value: string | undefined): number {
  if (value === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(value)) {
    throw new DomainError('bad_request', `${name} には 0 以上の整数を指定してください`);
  }
  return Number(value);
}

/** The leaf input (the version's digest) at `index`, base64. @throws DomainError not_found beyond the tree */
export async function logEntry(ctx: ServiceContext, index: number): Promise<string> {
  if (index >= (await treeSize(ctx))) throw new DomainError('not_found', 'その索引のエントリはまだありません');
  const [row] = await listLeafDigests(ctx.db, index, index + 1);
  if (!row) throw new Error(`log leaf ${index} is missing below the tree size`);
  return row.digest;
}

function beyondTree(size: number, tree: number): DomainError | null {
  return size > tree
    ? new DomainError('bad_request', `size ${size} は公開済みのツリー（${tree}）を超えています`)
    : null;
}

/** @throws DomainError bad_request for a size beyond the tree or an index outside it */
export async function logInclusion(ctx: ServiceContext, index: number, size: number) {
  const tree = await treeSize(ctx);
  const problem = beyondTree(size, tree);
  if (problem) throw problem;
  if (index >= size) throw new DomainError('bad_request', `index ${index} は size ${size} のツリーにありません`);
  const [row] = await listLeafDigests(ctx.db, index, index + 1);
  if (!row) throw new Error(`log leaf ${index} is missing below the tree size`);
  const proof = await treeInclusion(ctx.db, index, size);
  return { index, size, leafHash: b64(leafHash(Buffer.from(row.digest, 'base64'))), proof: proof.map(b64) };
}

/** @throws DomainError bad_request for a size beyond the tree, `from` of 0, or `from` > `size` */
export async function logConsistency(ctx: ServiceContext, from: number, size: number) {
  const problem = beyondTree(size, await treeSize(ctx));
  if (problem) throw problem;
  if (from === 0) throw new DomainError('bad_request', 'from には 1 以上を指定してください');
  if (from > size) throw new DomainError('bad_request', `from ${from} が size ${size} を超えています`);
  return { from, size, proof: (await treeConsistency(ctx.db, from, size)).map(b64) };
}

export interface LogEvidence {
  index: number;
  size: number;
  checkpoint: string;
  proof: string[];
}

// Evidence never changes once a checkpoint covers the version (the first covering one is used): kept per platform.
const evidenceCaches = new WeakMap<ServiceContext, Map<string, LogEvidence>>();

/**
 * The verify answer's `log` member: the version's index, the first checkpoint covering it and the inclusion proof
 * against it; null in the seconds before a checkpoint covers it.
 */
export async function versionLogEvidence(
  ctx: ServiceContext,
  contractNumber: string,
  seq: number,
  jws: string,
): Promise<LogEvidence | null> {
  const key = `${contractNumber}/${seq}`;
  let evidenceCache = evidenceCaches.get(ctx);
  if (!evidenceCache) evidenceCaches.set(ctx, (evidenceCache = new Map()));
  const cached = evidenceCache.get(key);
  if (cached) return cached;
  const digest = createHash('sha256').update(jws, 'ascii').digest('base64');
  const leaf = await findLeafOfVersion(ctx.db, contractNumber, seq, digest);
  if (!leaf) return null;
  const checkpoint = await firstCheckpointCovering(ctx.db, leaf.idx);
  if (!checkpoint) return null;
  const proof = await treeInclusion(ctx.db, leaf.idx, checkpoint.size);
  const evidence = { index: leaf.idx, size: checkpoint.size, checkpoint: checkpoint.note, proof: proof.map(b64) };
  if (evidenceCache.size >= 10_000) evidenceCache.delete(evidenceCache.keys().next().value!);
  evidenceCache.set(key, evidence);
  return evidence;
}

/**
 * The evidence a document about this version carries (`transparency-log.json`): the verify answer's `log` with the
 * leaf hash and the log's verifier key, so an officer's file can be checked offline. Null before a checkpoint covers
 * the version: the document then says so and carries no proof.
 */
export async function versionLogEvidenceFile(
  ctx: ServiceContext,
  contractNumber: string,
  seq: number,
  jws: string,
): Promise<LogEvidenceFile | null> {
  const evidence = await versionLogEvidence(ctx, contractNumber, seq, jws);
  if (!evidence) return null;
  const leaf = leafHash(createHash('sha256').update(jws, 'ascii').digest());
  return { ...evidence, leafHash: b64(leaf), key: ctx.logSigner.verifierKey };
}
