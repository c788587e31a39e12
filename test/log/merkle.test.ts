// The Merkle code of src/log/merkle.ts against an independent reference written here from RFC 6962 §2.1's recursive
// definitions (MTH, PATH, PROOF over the leaf list), for random tree sizes: the same roots and proofs, proofs that
// verify, and proofs that stop verifying when one byte, the index or the size changes.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  Frontier,
  inclusionProof,
  leafHash,
  perfectNodesRead,
  rootHash,
  verifyConsistency,
  verifyInclusion,
  type PerfectLookup,
} from '../../src/log/merkle.js';

const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

// --- reference: RFC 6962 §2.1 literally, over the list of leaf inputs ---
function k(n: number) {
  let p = 1;
  while (p << 1 < n) p <<= 1;
  return p;
}
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 1) return sha(Uint8Array.of(0), d[0]!);
  const s = k(d.length);
  return sha(Uint8Array.of(1), mth(d.slice(0, s)), mth(d.slice(s)));
}
function refPath(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length === 1) return [];
  const s = k(d.length);
  return m < s ? [...refPath(m, d.slice(0, s)), mth(d.slice(s))] : [...refPath(m - s, d.slice(s)), mth(d.slice(0, s))];
}
function refSubproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const s = k(d.length);
  return m <= s
    ? [...refSubproof(m, d.slice(0, s), b), mth(d.slice(s))]
    : [...refSubproof(m - s, d.slice(s), false), mth(d.slice(0, s))];
}

const inputs = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => sha(new TextEncoder().encode(`leaf ${seed} ${i}`)));

/** The implementation's lookup, by hashing the leaves of each complete subtree (no reference code involved). */
function lookupOver(d: Uint8Array[]): PerfectLookup {
  return (level, index) => {
    let row = d.slice(index << level, (index + 1) << level).map((x) => leafHash(x));
    while (row.length > 1) row = row.flatMap((_, i) => (i % 2 ? [] : [sha(Uint8Array.of(1), row[i]!, row[i + 1]!)]));
    return row[0]!;
  };
}

const hex = (hs: Uint8Array[]) => hs.map((h) => Buffer.from(h).toString('hex'));

describe('RFC 6962 Merkle tree', () => {
  it('matches the reference root for every size 1…70 and random sizes up to 3000', () => {
    for (let n = 1; n <= 70; n++) {
      const d = inputs(n, n);
      expect(hex([rootHash(n, lookupOver(d))])).toEqual(hex([mth(d)]));
    }
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), (n) => {
        const d = inputs(n, 7);
        expect(hex([rootHash(n, lookupOver(d))])).toEqual(hex([mth(d)]));
      }),
      { numRuns: 20 },
    );
  });

  it('gives the reference inclusion proof, which verifies, for random (index, size)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        ([n, m]) => {
          const d = inputs(n, 3);
          const proof = inclusionProof(m, n, lookupOver(d));
          expect(hex(proof)).toEqual(hex(refPath(m, d)));
          const root = mth(d);
          expect(verifyInclusion(m, n, leafHash(d[m]!), proof, root)).toBe(true);
          // Another leaf or another index does not verify (another size may: a proof in the left complete subtree
          // is the same for every size that keeps it there — the root it is checked against tells them apart).
          expect(verifyInclusion(m, n, leafHash(sha(d[m]!)), proof, root)).toBe(false);
          if (n > 1) expect(verifyInclusion((m + 1) % n, n, leafHash(d[m]!), proof, root)).toBe(false);
          expect(verifyInclusion(m, n + 1, leafHash(d[m]!), proof, mth([...d, sha(d[0]!)]))).toBe(false);
          if (proof.length > 0) {
            const bad = proof.map((p) => new Uint8Array(p));
            bad[0]![5]! ^= 1;
            expect(verifyInclusion(m, n, leafHash(d[m]!), bad, root)).toBe(false);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives the reference consistency proof, which verifies, for random (from, size)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600 }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n))),
        ([m, n]) => {
          const d = inputs(n, 5);
          const proof = consistencyProof(m, n, lookupOver(d));
          expect(hex(proof)).toEqual(hex(refSubproof(m, d, true)));
          const oldRoot = mth(d.slice(0, m));
          const newRoot = mth(d);
          expect(verifyConsistency(m, n, proof, oldRoot, newRoot)).toBe(true);
          // A rewritten old tree (a fork) is not consistent with the new one.
          const forked = [...d.slice(0, m - 1), sha(Uint8Array.of(9))];
          expect(verifyConsistency(m, n, proof, mth(forked), newRoot)).toBe(false);
          if (proof.length > 0) {
            const bad = proof.map((p) => new Uint8Array(p));
            bad[bad.length - 1]![0]! ^= 0x80;
            expect(verifyConsistency(m, n, bad, oldRoot, newRoot)).toBe(false);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('the frontier extends leaf by leaf to the reference roots, and survives a save and reload', () => {
    const d = inputs(300, 11);
    let f = new Frontier();
    for (let i = 0; i < d.length; i++) {
      f.append(leafHash(d[i]!));
      expect(hex([f.root()])).toEqual(hex([mth(d.slice(0, i + 1))]));
      if (i % 37 === 0) f = Frontier.from(f.size, f.hashes());
    }
  });

  it('reads only O(log n) complete subtrees for a proof at millions of leaves', () => {
    const nodes = perfectNodesRead((p) => inclusionProof(4_999_999, 5_000_000, p));
    expect(nodes.length).toBeLessThanOrEqual(2 * 23);
    const cons = perfectNodesRead((p) => consistencyProof(1_234_567, 5_000_000, p));
    expect(cons.length).toBeLessThanOrEqual(3 * 23);
  });
});
