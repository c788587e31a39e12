// The log's tree over storage: complete-subtree hashes from the stored nodes (every fourth level) and the leaves,
// so a root or proof at millions of leaves reads a few hundred rows; and the nodes a new checkpoint completes.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  perfectNodesRead,
  rootHash,
  type Hash,
  type PerfectLookup,
} from '../log/merkle.js';
import { insertNodes, listLeafDigests, listNodes } from '../repositories/transparency-log.js';

/** Levels whose complete subtrees are stored: 4, 8, 12 … (16, 256, 4096 … leaves). */
const STRIDE = 4;
const CHUNK = 4096;

function fold(row: Hash[]): Hash {
  let level = row;
  while (level.length > 1) {
    const up: Hash[] = [];
    for (let i = 0; i < level.length; i += 2) up.push(nodeHash(level[i]!, level[i + 1]!));
    level = up;
  }
  return level[0]!;
}

/** Hashes at a stored level (0 = the leaves' hashes), [start, end), checked to be all there. */
async function storedRow(db: Kysely<Database>, level: number, start: number, end: number): Promise<Hash[]> {
  const rows =
    level === 0
      ? (await listLeafDigests(db, start, end)).map((r) => ({
          idx: r.idx,
          hash: leafHash(Buffer.from(r.digest, 'base64')),
        }))
      : (await listNodes(db, level, start, end)).map((r) => ({ idx: r.idx, hash: Buffer.from(r.hash, 'base64') }));
  if (rows.length !== end - start || rows.some((r, i) => Number(r.idx) !== start + i)) {
    throw new LogStorageError(level === 0 ? 'leaves' : 'nodes', level, start, end);
  }
  return rows.map((r) => r.hash);
}

/** A stored row the tree needs is missing (a deleted leaf, or nodes not yet written): the log cannot answer. */
export class LogStorageError extends Error {
  override name = 'LogStorageError';
  constructor(
    readonly what: 'leaves' | 'nodes',
    level: number,
    start: number,
    end: number,
  ) {
    super(`the log's stored ${what} at level ${level} [${start}, ${end}) are incomplete`);
  }
}

/** Runs a tree computation against storage: finds the complete subtrees it reads, fetches them, runs it again. */
export async function overStorage<T>(db: Kysely<Database>, compute: (perfect: PerfectLookup) => T): Promise<T> {
  const fetched = new Map<string, Hash>();
  for (const [level, index] of perfectNodesRead(compute)) {
    const base = level - (level % STRIDE);
    const width = 2 ** (level - base);
    fetched.set(`${level}/${index}`, fold(await storedRow(db, base, index * width, (index + 1) * width)));
  }
  return compute((level, index) => fetched.get(`${level}/${index}`)!);
}

export const treeRoot = (db: Kysely<Database>, size: number) => overStorage(db, (p) => rootHash(size, p));
export const treeInclusion = (db: Kysely<Database>, index: number, size: number) =>
  overStorage(db, (p) => inclusionProof(index, size, p));
export const treeConsistency = (db: Kysely<Database>, from: number, size: number) =>
  overStorage(db, (p) => consistencyProof(from, size, p));

/**
 * Writes the stored nodes that the growth of the tree from `from` to `to` leaves completes, level by level (each
 * level is read back from the one below, in the caller's transaction).
 */
export async function storeCompletedNodes(db: Kysely<Database>, from: number, to: number): Promise<void> {
  for (let level = STRIDE; 2 ** level <= to; level += STRIDE) {
    const width = 2 ** STRIDE;
    const first = Math.floor(from / 2 ** level);
    const last = Math.floor(to / 2 ** level);
    for (let start = first; start < last; start += CHUNK) {
      const end = Math.min(last, start + CHUNK);
      const children = await storedRow(db, level - STRIDE, start * width, end * width);
      const rows = [];
      for (let i = start; i < end; i++) {
        const off = (i - start) * width;
        rows.push({ level, idx: i, hash: Buffer.from(fold(children.slice(off, off + width))).toString('base64') });
      }
      await insertNodes(db, rows);
    }
  }
}
