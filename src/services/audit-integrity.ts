// Use case: the integrity audit (`npm run cli -- audit`, and the check of every backup). The full audit re-verifies
// every stored version — signature, kid, `prev` chain, seq without gaps, history rules and the visible history
// derived from them — against keys taken from the secrets file rather than from the database, the hash chain of the
// audit log, each stored authentication key and idempotency answer, the transparency log's leaves against its
// signed checkpoint and (SQLite) the file's pages; with `threads` > 1 the guarantees are split into ranges verified
// in worker threads. The incremental audit starts from what the last passing audit recorded (audit-state.ts): it
// recomputes the log's root from the stored leaves (audit-log-leaves.ts), then verifies only the versions of the
// leaves appended since and the audit rows written since. Failures are reported as named checks, one line each, and
// the audit goes on past any row it cannot read; nothing is written to the database.
import type { Kysely } from 'kysely';
import { createHash } from 'node:crypto';
import type { ConnectOptions } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { AUDIT_GENESIS, auditRowHash } from '../repositories/audit-chain.js';
import {
  auditRowHashOf,
  countVersions,
  leavesWithoutVersion,
  listAuditChunk,
  listVersionsOf,
  orphanVersionNumbers,
  readSnapshot,
  sqliteIntegrityCheck,
} from '../repositories/integrity.js';
import { latestCheckpoint, listRestoredLeaves, logHead } from '../repositories/transparency-log.js';
import { createAuthKeyVault, type AuthKeyVault } from '../security/auth-keys.js';
import type { Secrets } from '../signing/secrets.js';
import { anchorKeysOf, type PublicJwk } from '../signing/trust.js';
import { VerifiedCache } from '../signing/versions.js';
import {
  auditGuaranteeRange,
  auditGuaranteesNamed,
  checkedKeys,
  noGuarantees,
  type GuaranteeChecker,
  type IntegrityArea,
  type IntegrityProblem,
} from './audit-guarantees.js';
import { auditLogLeaves } from './audit-log-leaves.js';
import type { AuditState } from './audit-state.js';
import { auditIdempotencyAnswers } from './audit-stored-data.js';
import { auditInWorkers } from './audit-workers.js';

export type { IntegrityArea, IntegrityProblem } from './audit-guarantees.js';

export interface IntegrityReport {
  /** full: every stored row; incremental: what was appended since the state the audit started from. */
  mode: 'full' | 'incremental';
  guarantees: number;
  versions: number;
  visibleVersions: number;
  hiddenVersions: number;
  auditRows: number;
  signingKeys: number;
  idempotencyAnswers: number;
  /**
   * Log indices restored from a mirror after a rollback whose version was lost in the restore (log:restore-leaves):
   * a finding for the issuer to act on (republish from its records), not corruption, so not counted in `problems`.
   */
  versionsLostInRestore: number[];
  /** The last audit row's id and hash: note it elsewhere, so a later rewrite of the whole chain shows. */
  auditHead: { id: number; hash: string } | null;
  /** The log: leaves recomputed into a root, from which size the versions were checked, the latest checkpoint. */
  log: { size: number; root: string | null; from: number; checkpoint: number | null };
  /** Worker threads the versions were verified in (1: in-process). */
  threads: number;
  problems: number;
  ms: number;
  /** What to record for the next incremental audit (audit-state.ts); null when there were findings. */
  state: AuditState | null;
}

/** What the audit trusts: the secrets file's public keys (its trust anchor, never the database's own list) and its key vault. */
export interface TrustedKeys {
  anchor: Map<string, PublicJwk>;
  /** Decrypts and HMACs stored authentication keys with the secrets file's encryption key and pepper. */
  vault: AuthKeyVault;
}

export interface AuditOptions {
  trusted: TrustedKeys;
  /** Verification results keyed by the JWS hash; pass one to re-audit a growing database cheaply. */
  cache?: VerifiedCache;
  onProblem?: (problem: IntegrityProblem) => void;
  onProgress?: (done: { guarantees: number; versions: number; auditRows: number }) => void;
  batchSize?: number;
  /** SQLite's integrity_check before the rest (default true in a full audit); a caller that has just run it passes false. */
  integrityCheck?: boolean;
  /** The last passing audit's state: given, only what was appended since is verified (the incremental audit). */
  since?: AuditState | null;
  /**
   * Worker threads for the versions of a full audit (default 1, in-process). Workers open their own connection and
   * read the secrets file themselves, so they need both.
   */
  threads?: number;
  workers?: { connection: ConnectOptions; secretsFile: string };
}

/** The secrets file's public keys (retired ones included): what the audit verifies with. */
export async function trustedKeysOf(secrets: Secrets): Promise<TrustedKeys> {
  return { anchor: anchorKeysOf(secrets), vault: createAuthKeyVault(secrets.pepper, secrets.encryptionKey) };
}

/** Runs every check; the report counts what was checked and how many problems were found (each sent to onProblem). */
export async function auditIntegrity(db: Kysely<Database>, options: AuditOptions): Promise<IntegrityReport> {
  const started = performance.now();
  const since = options.since ?? null;
  const batchSize = options.batchSize ?? 500;
  const threads = since ? 1 : Math.max(1, Math.floor(options.threads ?? 1));
  const counts = noGuarantees();
  const report: IntegrityReport = {
    mode: since ? 'incremental' : 'full',
    guarantees: 0,
    versions: 0,
    visibleVersions: 0,
    hiddenVersions: 0,
    auditRows: 0,
    signingKeys: 0,
    idempotencyAnswers: 0,
    versionsLostInRestore: [],
    auditHead: null,
    log: { size: 0, root: null, from: since?.size ?? 0, checkpoint: null },
    threads: threads > 1 && options.workers ? threads : 1,
    problems: 0,
    ms: 0,
    state: null,
  };
  const problem = (p: IntegrityProblem) => {
    report.problems++;
    options.onProblem?.(p);
  };
  const unreadable = (area: IntegrityArea, subject: string, error: unknown) =>
    problem({ area, subject, check: 'unreadable', message: `cannot be checked: ${(error as Error).message}` });
  const progress = () =>
    options.onProgress?.({ guarantees: counts.guarantees, versions: counts.versions, auditRows: report.auditRows });

  // Page-level and whole-table scans belong to the full audit: an incremental one must stay seconds at millions of
  // rows (`audit --full` runs them).
  if (!since && (options.integrityCheck ?? true)) {
    for (const line of (await sqliteIntegrityCheck(db)) ?? []) {
      problem({ area: 'database', subject: 'sqlite', check: 'integrity_check', message: line });
    }
  }

  // Published keys: every key the database lists must be one of the secrets file's (with the same public key) or
  // endorsed by one of them; any other is refused by the keyring and reported here by kid.
  const keys = await checkedKeys(db, options.trusted.anchor, problem);
  report.signingKeys = keys.signingKeys;
  const checker: GuaranteeChecker = {
    keyring: keys.keyring,
    listed: keys.listed,
    cache: options.cache ?? new VerifiedCache(4096),
    vault: options.trusted.vault,
    problem,
  };

  if (!since) {
    for (const n of await orphanVersionNumbers(db)) {
      problem({ area: 'versions', subject: n, check: 'sequence', message: 'versions stored without a surety row' });
    }
  }

  // The head, the number of versions and the latest checkpoint as of one instant: each version and its leaf are
  // written in one transaction, so the first two move together, and no checkpoint can be ahead of the head.
  const { head, versions, checkpoint } = await readSnapshot(db, async (snap) => ({
    head: (await logHead(snap)).size,
    versions: await countVersions(snap),
    checkpoint: (await latestCheckpoint(snap)) ?? null,
  }));
  const log = await auditLogLeaves(db, head, checkpoint, since, problem, { collectNew: since !== null });
  report.log = {
    size: log.tree?.size ?? 0,
    root: log.tree?.root ?? null,
    from: since?.size ?? 0,
    checkpoint: log.checkpoint,
  };

  if (since) {
    // Leaves put back from a mirror after a rollback (log:restore-leaves) have no version: reported in
    // versionsLostInRestore, not as versions deleted.
    const logged = log.newLeaves.filter((l) => l.seq >= 0);
    await auditNewLeaves(db, checker, since, logged, versions, counts);
  } else if (report.threads > 1 && options.workers) {
    const merged = await auditInWorkers(db, {
      ...options.workers,
      checker,
      threads,
      batchSize,
      onProblem: problem,
      onProgress: (c) => options.onProgress?.({ ...c, auditRows: report.auditRows }),
    });
    Object.assign(counts, merged);
  } else {
    await auditGuaranteeRange(db, checker, { from: '', until: null }, counts, { batchSize, onBatch: progress });
  }

  if (!since) {
    try {
      report.idempotencyAnswers = await auditIdempotencyAnswers(db, problem, batchSize);
    } catch (error) {
      unreadable('idempotency_keys', 'all', error);
    }
  }

  try {
    report.versionsLostInRestore = (await listRestoredLeaves(db)).map((l) => Number(l.idx));
  } catch (error) {
    unreadable('log', 'restored leaves', error);
  }

  await auditChain(db, since?.auditHead ?? null, report, problem, unreadable, progress);

  Object.assign(report, counts);
  report.ms = performance.now() - started;
  if (report.problems === 0 && log.tree) {
    report.state = {
      ...log.tree,
      versions,
      auditHead: report.auditHead,
      at: new Date().toISOString(),
    };
  }
  return report;
}

/**
 * The incremental audit's versions: each new leaf must name a stored version whose JWS hashes to it, and each
 * guarantee that gained a version is verified whole (its chain and history rules need the earlier versions). The
 * count of stored versions must be the audited one plus the new leaves: a version row deleted within the audited
 * range shows here, and is named by the leaf left without it.
 */
async function auditNewLeaves(
  db: Kysely<Database>,
  checker: GuaranteeChecker,
  since: AuditState,
  leaves: { idx: number; digest: string; contract_number: string; seq: number }[],
  versions: number,
  counts: ReturnType<typeof noGuarantees>,
): Promise<void> {
  const { problem } = checker;
  const numbers = [...new Set(leaves.map((l) => l.contract_number))];
  for (let i = 0; i < numbers.length; i += 500) {
    const chunk = numbers.slice(i, i + 500);
    const stored = new Map((await listVersionsOf(db, chunk)).map((v) => [`${v.contract_number}#${v.seq}`, v.jws]));
    for (const leaf of leaves.filter((l) => chunk.includes(l.contract_number))) {
      const jws = stored.get(`${leaf.contract_number}#${leaf.seq}`);
      const subject = `${leaf.contract_number} seq ${leaf.seq}`;
      if (jws === undefined) {
        problem({
          area: 'versions',
          subject,
          check: 'log',
          message: `the version of log leaf ${leaf.idx} is not stored`,
        });
      } else if (createHash('sha256').update(jws, 'ascii').digest('base64') !== leaf.digest) {
        problem({
          area: 'versions',
          subject,
          check: 'log',
          message: `the stored JWS does not hash to log leaf ${leaf.idx} (the version or its leaf was changed)`,
        });
      }
    }
  }
  await auditGuaranteesNamed(db, checker, numbers, counts);
  const expected = since.versions + leaves.length;
  if (versions === expected) return;
  if (versions < expected) {
    const lost = await leavesWithoutVersion(db, since.size);
    for (const l of lost) {
      problem({
        area: 'versions',
        subject: `${l.contract_number} seq ${l.seq}`,
        check: 'log',
        message: `the version of log leaf ${l.idx}, audited before, is no longer stored (a version row was deleted)`,
      });
    }
    if (lost.length > 0) return;
    // Versions lost with a rollback whose leaves log:restore-leaves put back below the audited size: reported in
    // versionsLostInRestore, not as deleted rows.
    const restoredBelow = (await listRestoredLeaves(db)).filter((l) => Number(l.idx) < since.size).length;
    if (versions === expected - restoredBelow) return;
  }
  problem({
    area: 'versions',
    subject: 'all',
    check: 'count',
    message:
      `${versions} versions are stored where the ${since.versions} audited and the ${leaves.length} new log leaves ` +
      'make ' +
      `${expected}: versions were ${versions < expected ? 'deleted' : 'added without a log leaf'} (run audit --full)`,
  });
}

/**
 * The audit log's hash chain, in id order, from `from` (the head the last audit recorded, whose row must still hold
 * the recorded hash) or from the genesis. After a break, the chain resumes from the stored hash, so one edited row is
 * reported once rather than with every row after it.
 */
async function auditChain(
  db: Kysely<Database>,
  from: { id: number; hash: string } | null,
  report: IntegrityReport,
  problem: (p: IntegrityProblem) => void,
  unreadable: (area: IntegrityArea, subject: string, error: unknown) => void,
  progress: () => void,
): Promise<void> {
  let prev = from?.hash ?? AUDIT_GENESIS;
  let afterId = from?.id ?? 0;
  report.auditHead = from;
  if (from && (await auditRowHashOf(db, from.id)) !== from.hash) {
    problem({
      area: 'audit_log',
      subject: `id ${from.id}`,
      check: 'chain',
      message: 'the row the last audit ended at was edited or deleted since (run audit --full to find the rest)',
    });
  }
  for (;;) {
    const rows = await listAuditChunk(db, afterId, 5000).catch((error: unknown) => {
      unreadable('audit_log', `after id ${afterId}`, error);
      return [];
    });
    if (rows.length === 0) break;
    for (const row of rows) {
      report.auditRows++;
      if (row.hash === null) {
        problem({ area: 'audit_log', subject: `id ${row.id}`, check: 'chain', message: 'row has no hash' });
      } else if (row.hash !== auditRowHash(prev, row)) {
        problem({
          area: 'audit_log',
          subject: `id ${row.id}`,
          check: 'chain',
          message: 'hash does not match the row and its predecessor (a row was edited, deleted or reordered here)',
        });
      }
      prev = row.hash ?? prev;
      afterId = Number(row.id);
      report.auditHead = { id: Number(row.id), hash: prev };
    }
    progress();
  }
}
