// Merkle tree hashing, proofs and their verification as RFC 6962 §2.1 / RFC 9162 §2.1 define them (DESIGN §12).
// Pure: the tree's complete subtrees come from a lookup, so the same code serves the database (stored hashes), the
// monitor and the tests.
import { createHash } from 'node:crypto';

export type Hash = Uint8Array;

/** The hash of a complete subtree: `level` is log2 of its leaf count, `index` its position among those at the level. */
export type PerfectLookup = (level: number, index: number) => Hash;

export function leafHash(leafInput: Uint8Array): Hash {
  return createHash('sha256').update(Uint8Array.of(0)).update(leafInput).digest();
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash('sha256').update(Uint8Array.of(1)).update(left).update(right).digest();
}

/** The largest power of two smaller than n (n ≥ 2): where RFC 6962 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** MTH of the leaves [start, start + n), where start is a multiple of the split the tree makes there. */
function subtreeHash(start: number, n: number, perfect: PerfectLookup): Hash {
  if (isPowerOfTwo(n) && start % n === 0) return perfect(Math.log2(n), start / n);
  const k = splitPoint(n);
  return nodeHash(subtreeHash(start, k, perfect), subtreeHash(start + k, n - k, perfect));
}

/** The root hash of the tree of `size` leaves (size ≥ 1). */
export function rootHash(size: number, perfect: PerfectLookup): Hash {
  if (size < 1) throw new RangeError('the empty tree has no root here');
  return subtreeHash(0, size, perfect);
}

/** The inclusion proof of leaf `index` in the tree of `size` leaves, from the leaf up (RFC 9162 §2.1.3.1). */
export function inclusionProof(index: number, size: number, perfect: PerfectLookup): Hash[] {
  if (!(index >= 0 && index < size)) throw new RangeError('index outside the tree');
  const path: Hash[] = [];
  const walk = (m: number, start: number, n: number) => {
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, start, k);
      path.push(subtreeHash(start + k, n - k, perfect));
    } else {
      walk(m - k, start + k, n - k);
      path.push(subtreeHash(start, k, perfect));
    }
  };
  walk(index, 0, size);
  return path;
}

/** The consistency proof between the trees of `from` and `size` leaves, 0 < from ≤ size (RFC 9162 §2.1.4.1). */
export function consistencyProof(from: number, size: number, perfect: PerfectLookup): Hash[] {
  if (!(from > 0 && from <= size)) throw new RangeError('from outside the tree');
  const proof: Hash[] = [];
  const subproof = (m: number, start: number, n: number, complete: boolean) => {
    if (m === n) {
      if (!complete) proof.push(subtreeHash(start, n, perfect));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      subproof(m, start, k, complete);
      proof.push(subtreeHash(start + k, n - k, perfect));
    } else {
      subproof(m - k, start + k, n - k, false);
      proof.push(subtreeHash(start, k, perfect));
    }
  };
  subproof(from, 0, size, true);
  return proof;
}

/**
 * The complete subtrees a computation reads, found by running it once against a lookup that records: a caller that
 * reads hashes from storage fetches exactly these, then runs the computation again against what it fetched.
 */
export function perfectNodesRead(compute: (perfect: PerfectLookup) => unknown): [level: number, index: number][] {
  const seen = new Map<string, [number, number]>();
  compute((level, index) => {
    seen.set(`${level}/${index}`, [level, index]);
    return new Uint8Array(32);
  });
  return [...seen.values()];
}

function equal(a: Hash, b: Hash): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Verifies an inclusion proof (RFC 9162 §2.1.3.2). */
export function verifyInclusion(index: number, size: number, leaf: Hash, proof: Hash[], root: Hash): boolean {
  if (!(index >= 0 && index < size)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

/** Verifies a consistency proof (RFC 9162 §2.1.4.2). */
export function verifyConsistency(from: number, size: number, proof: Hash[], oldRoot: Hash, newRoot: Hash): boolean {
  if (!(from > 0 && from <= size)) return false;
  if (from === size) return proof.length === 0 && equal(oldRoot, newRoot);
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(from) ? [oldRoot, ...proof] : [...proof];
  let fn = from - 1;
  let sn = size - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(fr, oldRoot) && equal(sr, newRoot);
}

/**
 * The right edge of a growing tree: the hashes of its complete subtrees, largest first. Enough to extend the tree
 * leaf by leaf and compute each root without the earlier leaves (the monitor keeps one in its state file).
 */
export class Frontier {
  constructor(
    public size = 0,
    private readonly edge: { level: number; hash: Hash }[] = [],
  ) {}

  static from(size: number, hashes: Hash[]): Frontier {
    const levels: number[] = [];
    for (let bit = 52; bit >= 0; bit--) if (Math.floor(size / 2 ** bit) % 2 === 1) levels.push(bit);
    if (levels.length !== hashes.length) throw new RangeError('the frontier does not match the size');
    return new Frontier(
      size,
      hashes.map((hash, i) => ({ level: levels[i]!, hash })),
    );
  }

  hashes(): Hash[] {
    return this.edge.map((e) => e.hash);
  }

  append(leaf: Hash): void {
    let node = { level: 0, hash: leaf };
    while (this.edge.length > 0 && this.edge[this.edge.length - 1]!.level === node.level) {
      const left = this.edge.pop()!;
      node = { level: node.level + 1, hash: nodeHash(left.hash, node.hash) };
    }
    this.edge.push(node);
    this.size += 1;
  }

  root(): Hash {
    if (this.edge.length === 0) throw new RangeError('the empty tree has no root here');
    let acc = this.edge[this.edge.length - 1]!.hash;
    for (let i = this.edge.length - 2; i >= 0; i--) acc = nodeHash(this.edge[i]!.hash, acc);
    return acc;
  }
}
