// The audit's check of the transparency log (DESIGN §12). A full audit recomputes the Merkle root from the stored
// leaf rows themselves — never from the stored subtree hashes, which an insider could leave untouched while editing
// a leaf — and records with it a SHA-256 over the leaf digests in index order and the tree's right edge (its
// frontier). An incremental audit rehashes the already-audited leaves in that one stream (a native hash over ≈44
// bytes a leaf, where the Merkle recomputation costs two hash calls a leaf): equal to the recorded stream, they are
// the very leaves whose Merkle root was audited, so the Merkle root over the stored leaves still equals the audited
// root; any leaf row altered, deleted or reordered in that range changes it and is reported. The new leaves then
// extend the recorded frontier to the latest signed checkpoint's root, and the consistency proof the log serves
// between the two roots must verify too.
import { createHash, type Hash as Hasher } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, LogCheckpointTable } from '../../db/schema.js';
import { Frontier, leafHash, verifyConsistency } from '../log/merkle.js';
import { listLeafDigests, listLeaves } from '../repositories/transparency-log.js';
import type { IntegrityProblem } from './audit-guarantees.js';
import { LogStorageError, treeConsistency } from './log-tree.js';

/** What an audit vouched for: a tree size, its root, the stream hash of its leaves and its frontier (base64). */
export interface AuditedTree {
  size: number;
  root: string;
  leaves: string;
  frontier: string[];
}

export interface LeafRef {
  idx: number;
  digest: string;
  contract_number: string;
  seq: number;
}

export interface LogAudit {
  /** The tree of every stored leaf up to the head, or null when it could not be computed (a missing leaf). */
  tree: AuditedTree | null;
  /** Leaves from the audited size on, in index order (when asked for): the caller checks their versions. */
  newLeaves: LeafRef[];
  checkpoint: number | null;
}

const CHUNK = 20_000;

/**
 * Feeds the leaf digests [start, end) into `stream` in index order.
 * @returns the first missing index, or null when every row is there
 */
export async function streamLeaves(
  db: Kysely<Database>,
  stream: Hasher,
  start: number,
  end: number,
  each?: (idx: number, digest: string) => void,
): Promise<number | null> {
  for (let from = start; from < end; from += CHUNK) {
    const to = Math.min(end, from + CHUNK);
    const rows = await listLeafDigests(db, from, to);
    for (const [i, row] of rows.entries()) {
      if (Number(row.idx) !== from + i) return from + i;
      each?.(from + i, row.digest);
    }
    if (rows.length < to - from) return from + rows.length;
    stream.update(rows.map((r) => r.digest).join(''));
  }
  return null;
}

/**
 * Checks the log's first `head` leaves against `audited` — or, without it, recomputes the whole tree from the
 * leaves — and against the latest checkpoint (head and checkpoint read in one snapshot: the checkpoint job keeps
 * signing larger ones meanwhile).
 */
export async function auditLogLeaves(
  db: Kysely<Database>,
  head: number,
  checkpoint: LogCheckpointTable | null,
  audited: AuditedTree | null,
  problem: (p: IntegrityProblem) => void,
  options: { collectNew: boolean },
): Promise<LogAudit> {
  const from = audited?.size ?? 0;
  const report = (subject: string, check: string, message: string) => problem({ area: 'log', subject, check, message });
  const none: LogAudit = { tree: null, newLeaves: [], checkpoint: checkpoint?.size ?? null };
  const missing = (idx: number) =>
    report(`leaf ${idx}`, 'missing', `leaf row ${idx} is missing (a leaf was deleted, or the log rolled back)`);
  if (head < from) {
    report('head', 'shrink', `the log holds ${head} leaves, fewer than the ${from} already audited (a rollback?)`);
    return none;
  }
  if (checkpoint && checkpoint.size > head) {
    report('head', 'shrink', `the log holds ${head} leaves, fewer than its checkpoint of size ${checkpoint.size}`);
  }
  const stream = createHash('sha256');
  let frontier = new Frontier();
  const compare = (expected: string, what: string) => {
    const root = b64(frontier.root());
    if (root !== expected) {
      report(
        `size ${frontier.size}`,
        'root',
        `the stored leaves 0…${frontier.size - 1} hash to ${root}, not to ${what} ${expected}`,
      );
    }
  };
  const grow = (digest: string) => {
    frontier.append(leafHash(Buffer.from(digest, 'base64')));
    if (checkpoint && frontier.size === checkpoint.size)
      compare(checkpoint.root, "the latest signed checkpoint's root");
  };
  if (audited) {
    const gap = await streamLeaves(db, stream, 0, audited.size);
    if (gap !== null) {
      missing(gap);
      return none;
    }
    const now = stream.copy().digest('base64');
    if (now !== audited.leaves) {
      report(
        `size ${audited.size}`,
        'root',
        `the stored leaves 0…${audited.size - 1} are not the ones audited (their digest ${now} is not the recorded ` +
          `${audited.leaves}), so they no longer hash to the audited root ${audited.root}: a leaf row within the ` +
          'audited range was altered, deleted or reordered',
      );
    }
    frontier = Frontier.from(
      audited.size,
      audited.frontier.map((h) => Buffer.from(h, 'base64')),
    );
    if (audited.size > 0 && b64(frontier.root()) !== audited.root) {
      report(`size ${audited.size}`, 'root', 'the audit state is inconsistent (its frontier is not its root)');
    }
  }
  // The new leaves (everything, in a full audit): Merkle-hashed one by one, and fed to the stream.
  const newLeaves: LeafRef[] = [];
  const gap = await streamLeaves(db, stream, from, head, (_idx, digest) => grow(digest));
  if (gap !== null) {
    missing(gap);
    return none;
  }
  if (options.collectNew) {
    for (let start = from; start < head; start += CHUNK) {
      for (const row of await listLeaves(db, start, Math.min(head, start + CHUNK))) {
        newLeaves.push({ ...row, idx: Number(row.idx), seq: Number(row.seq) });
      }
    }
  }
  // The proof the log hands out (GET /log/proof/consistency), from stored subtree hashes: it must link the audited
  // root to the signed one, as a monitor would check it.
  if (audited && checkpoint && checkpoint.size > audited.size && audited.size > 0) {
    try {
      const proof = await treeConsistency(db, audited.size, checkpoint.size);
      const ok = verifyConsistency(
        audited.size,
        checkpoint.size,
        proof,
        Buffer.from(audited.root, 'base64'),
        Buffer.from(checkpoint.root, 'base64'),
      );
      if (!ok) {
        report(
          `size ${checkpoint.size}`,
          'consistency',
          `the log's consistency proof from the audited size ${audited.size} to its checkpoint of size ` +
            `${checkpoint.size} does not verify (a stored subtree hash was changed, or the log forked)`,
        );
      }
    } catch (error) {
      if (!(error instanceof LogStorageError)) throw error;
      report(`size ${checkpoint.size}`, 'consistency', `the log cannot prove consistency: ${error.message}`);
    }
  }
  const tree =
    frontier.size === 0
      ? null
      : {
          size: frontier.size,
          root: b64(frontier.root()),
          leaves: stream.digest('base64'),
          frontier: frontier.hashes().map(b64),
        };
  return { tree, newLeaves, checkpoint: checkpoint?.size ?? null };
}

const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');
