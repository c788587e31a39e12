// The audit's check of the transparency log (DESIGN §12): the Merkle root is recomputed from the stored leaf rows
// themselves — never from the stored subtree hashes, which an insider could leave untouched while editing a leaf —
// and must equal the root last audited at that size (a state kept outside the database) and the latest signed
// checkpoint's; the consistency proof the log serves between the two must verify too. So a leaf row altered,
// deleted or reordered anywhere in the already-audited range changes the recomputed root and is reported, though
// the incremental audit verifies only the new leaves' versions.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { Frontier, leafHash, verifyConsistency } from '../log/merkle.js';
import { latestCheckpoint, listLeaves } from '../repositories/transparency-log.js';
import type { IntegrityProblem } from './audit-guarantees.js';
import { LogStorageError, treeConsistency } from './log-tree.js';

/** A tree size with its root (base64): what an audit vouched for. */
export interface AuditedTree {
  size: number;
  root: string;
}

export interface LeafRef {
  idx: number;
  digest: string;
  contract_number: string;
  seq: number;
}

export interface LogAudit {
  /** The tree of every stored leaf up to the head, or null when it could not be recomputed (a missing leaf). */
  tree: AuditedTree | null;
  /** Leaves from the audited size on, in index order (when asked for): the caller checks their versions. */
  newLeaves: LeafRef[];
  checkpoint: number | null;
}

const CHUNK = 20_000;

/**
 * Recomputes the roots of the log's first `head` leaves (the head read in the audit's snapshot) from the leaf rows
 * and checks them against `audited` and the latest checkpoint.
 */
export async function auditLogLeaves(
  db: Kysely<Database>,
  head: number,
  audited: AuditedTree | null,
  problem: (p: IntegrityProblem) => void,
  options: { collectNew: boolean },
): Promise<LogAudit> {
  const checkpoint = (await latestCheckpoint(db)) ?? null;
  const from = audited?.size ?? 0;
  const report = (subject: string, check: string, message: string) => problem({ area: 'log', subject, check, message });
  if (head < from) {
    report('head', 'shrink', `the log holds ${head} leaves, fewer than the ${from} already audited (a rollback?)`);
  }
  const frontier = new Frontier();
  const newLeaves: LeafRef[] = [];
  let broken = false;
  for (let start = 0; start < head && !broken; start += CHUNK) {
    const end = Math.min(head, start + CHUNK);
    const rows = await listLeaves(db, start, end);
    for (const row of rows) {
      const idx = Number(row.idx);
      if (idx !== frontier.size) {
        report(
          `leaf ${frontier.size}`,
          'missing',
          `leaf row ${frontier.size} is missing (the next stored index is ${idx}): a leaf was deleted`,
        );
        broken = true;
        break;
      }
      frontier.append(leafHash(Buffer.from(row.digest, 'base64')));
      if (options.collectNew && idx >= from) newLeaves.push({ ...row, idx, seq: Number(row.seq) });
      const size = frontier.size;
      if (audited && size === audited.size) compare(size, audited.root, 'audited');
      if (checkpoint && size === checkpoint.size) compare(size, checkpoint.root, 'checkpoint');
    }
    if (!broken && rows.length < end - start) {
      report(`leaf ${frontier.size}`, 'missing', `leaf rows from ${frontier.size} to ${end - 1} are missing`);
      broken = true;
    }
  }
  function compare(size: number, expected: string, what: 'audited' | 'checkpoint') {
    const root = Buffer.from(frontier.root()).toString('base64');
    if (root === expected) return;
    report(
      `size ${size}`,
      'root',
      what === 'audited'
        ? `the stored leaves 0…${size - 1} hash to ${root}, not to the root ${expected} audited before: a leaf ` +
            'row within the audited range was altered, deleted or reordered'
        : `the stored leaves 0…${size - 1} hash to ${root}, not to the latest signed checkpoint's root ${expected}`,
    );
  }
  if (checkpoint && checkpoint.size > head) {
    report('head', 'shrink', `the log holds ${head} leaves, fewer than its checkpoint of size ${checkpoint.size}`);
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
            `${checkpoint.size} does not verify (a stored subtree hash or leaf was changed, or the log forked)`,
        );
      }
    } catch (error) {
      if (!(error instanceof LogStorageError)) throw error;
      report(`size ${checkpoint.size}`, 'consistency', `the log cannot prove consistency: ${error.message}`);
    }
  }
  const tree = broken || frontier.size === 0 ? null : { size: frontier.size, root: b64(frontier.root()) };
  return { tree, newLeaves: broken ? [] : newLeaves, checkpoint: checkpoint?.size ?? null };
}

const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');
