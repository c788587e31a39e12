// Use case: the integrity audit (`npm run cli -- audit`, and the check of every backup). Re-verifies every stored
// version — signature, kid, `prev` chain, seq without gaps, history rules and the visible history derived from them —
// against keys taken from the secrets file rather than from the database, the hash chain of the audit log, each stored
// authentication key and idempotency answer, and (SQLite) the file's pages. Failures are reported as named checks, one
// line each, and the audit goes on past any row it cannot read; nothing is written.
import { isDeepStrictEqual } from 'node:util';
import { importJWK, type JWK } from 'jose';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { IMMUTABLE_FIELDS } from '../domain/certificate.js';
import { currentVersion, hiddenSeqs, historyViolation, visibleHistory } from '../domain/history.js';
import { illFormedTextPaths } from '../domain/well-formed.js';
import { AUDIT_GENESIS, auditRowHash } from '../repositories/audit-chain.js';
import {
  listAuditChunk,
  listPublishedKeys,
  listSuretyBatch,
  listVersionAuditOf,
  listVersionsOf,
  orphanVersionNumbers,
  readSnapshot,
  sqliteIntegrityCheck,
} from '../repositories/integrity.js';
import { listRestoredLeaves } from '../repositories/transparency-log.js';
import { createAuthKeyVault, type AuthKeyVault } from '../security/auth-keys.js';
import { publicJwkOf, type Secrets } from '../signing/secrets.js';
import { anchorKeysOf, refusedKeyMessage, resolveTrust, type PublicJwk, type TrustedKey } from '../signing/trust.js';
import { verifyChain, VerifiedCache, type KeyLookup, type VerifiedVersion } from '../signing/versions.js';
import { auditIdempotencyAnswers, authKeyProblem } from './audit-stored-data.js';

export type IntegrityArea =
  'versions' | 'sureties' | 'audit_log' | 'signing_keys' | 'idempotency_keys' | 'log' | 'database';

export interface IntegrityProblem {
  area: IntegrityArea;
  /** What the problem is about: a contract number (with seq), an audit row id or a kid. */
  subject: string;
  check: string;
  message: string;
}

export interface IntegrityReport {
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
  problems: number;
  ms: number;
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
  /** SQLite's integrity_check before the rest (default true); a caller that has just run it passes false. */
  integrityCheck?: boolean;
}

/** The secrets file's public keys (retired ones included): what the audit verifies with. */
export async function trustedKeysOf(secrets: Secrets): Promise<TrustedKeys> {
  return { anchor: anchorKeysOf(secrets), vault: createAuthKeyVault(secrets.pepper, secrets.encryptionKey) };
}

/** Verifies with trusted keys only: the anchor's and those a trusted key endorsed. */
function lookupOf(trusted: Map<string, TrustedKey>): KeyLookup {
  const keys = new Map<string, Promise<Awaited<ReturnType<KeyLookup['publicKey']>>>>();
  return {
    publicKey(kid) {
      const t = trusted.get(kid);
      if (!t) return Promise.resolve(null);
      let key = keys.get(kid);
      if (!key) {
        key = importJWK({ ...t.jwk }, 'ES256') as Promise<Awaited<ReturnType<KeyLookup['publicKey']>>>;
        keys.set(kid, key);
      }
      return key;
    },
  };
}

const VERSION_ACTIONS: Record<string, string> = {
  issue: 'surety.publish',
  change: 'surety.change',
  correction: 'surety.correction',
  change_cancellation: 'surety.change_cancellation',
  cancellation: 'surety.cancellation',
};

/** Runs every check; the report counts what was checked and how many problems were found (each sent to onProblem). */
export async function auditIntegrity(db: Kysely<Database>, options: AuditOptions): Promise<IntegrityReport> {
  const started = performance.now();
  const cache = options.cache ?? new VerifiedCache(4096);
  const batchSize = options.batchSize ?? 500;
  const report: IntegrityReport = {
    guarantees: 0,
    versions: 0,
    visibleVersions: 0,
    hiddenVersions: 0,
    auditRows: 0,
    signingKeys: 0,
    idempotencyAnswers: 0,
    versionsLostInRestore: [],
    auditHead: null,
    problems: 0,
    ms: 0,
  };
  const problem = (p: IntegrityProblem) => {
    report.problems++;
    options.onProblem?.(p);
  };
  // A read that fails (a corrupt page, a row the driver cannot decode) is reported where it happened; the checks
  // that do not depend on it still run.
  const unreadable = (area: IntegrityArea, subject: string, error: unknown) =>
    problem({ area, subject, check: 'unreadable', message: `cannot be checked: ${(error as Error).message}` });

  if (options.integrityCheck ?? true) {
    for (const line of (await sqliteIntegrityCheck(db)) ?? []) {
      problem({ area: 'database', subject: 'sqlite', check: 'integrity_check', message: line });
    }
  }

  // Published keys: every key the database lists must be one of the secrets file's (with the same public key) or
  // endorsed by one of them; any other is refused by the keyring and reported here by kid.
  const published = await listPublishedKeys(db);
  const decision = await resolveTrust(
    options.trusted.anchor,
    published.map((r) => ({ kid: r.kid, createdAt: r.created_at, endorsement: r.endorsement })),
  );
  const keyring = lookupOf(decision.trusted);
  const listed = new Set(published.map((r) => r.kid));
  for (const row of published) {
    report.signingKeys++;
    const ours = options.trusted.anchor.get(row.kid);
    if (ours && !isDeepStrictEqual(parsePublicJwk(row.public_jwk), ours)) {
      problem({
        area: 'signing_keys',
        subject: row.kid,
        check: 'key',
        message: 'published key differs from the secrets file',
      });
    }
  }
  for (const { kid, reason } of decision.refused) {
    problem({ area: 'signing_keys', subject: kid, check: 'key', message: refusedKeyMessage(kid, reason) });
  }

  for (const n of await orphanVersionNumbers(db)) {
    problem({ area: 'versions', subject: n, check: 'sequence', message: 'versions stored without a surety row' });
  }

  let after = '';
  for (;;) {
    // One snapshot per batch: the surety rows, their versions and their audit rows as of the same instant.
    const batch = await readSnapshot(db, async (snap) => {
      const sureties = await listSuretyBatch(snap, after, batchSize);
      const numbers = sureties.map((s) => s.contract_number);
      return {
        sureties,
        versions: await listVersionsOf(snap, numbers),
        audit: await listVersionAuditOf(snap, numbers),
      };
    }).catch((error: unknown) => {
      // The next batch would start at the same unreadable page: the guarantees after it stay unchecked, and say so.
      unreadable('sureties', `after ${after || 'the start'}`, error);
      return null;
    });
    if (!batch || batch.sureties.length === 0) break;
    after = batch.sureties[batch.sureties.length - 1]?.contract_number ?? after;
    const versionsOf = groupBy(batch.versions, (v) => v.contract_number);
    const auditOf = groupBy(batch.audit, (a) => a.contract_number ?? '');
    const checkGuarantee = async (surety: (typeof batch.sureties)[number]) => {
      const n = surety.contract_number;
      const rows = versionsOf.get(n) ?? [];
      report.guarantees++;
      report.versions += rows.length;
      const at = (seq: number) => `${n} seq ${seq}`;
      const keyProblem = await authKeyProblem(options.trusted.vault, surety);
      if (keyProblem) problem(keyProblem);
      if (rows.length === 0) {
        problem({ area: 'versions', subject: n, check: 'sequence', message: 'surety has no stored version' });
        return;
      }
      if (surety.latest_seq !== rows.length) {
        problem({
          area: 'sureties',
          subject: n,
          check: 'sequence',
          message: `latest_seq is ${surety.latest_seq} but ${rows.length} versions are stored`,
        });
      }
      const chain = await verifyChain(keyring, cache, n, rows);
      for (const p of chain.valid ? [] : chain.problems)
        problem({ area: 'versions', subject: at(p.seq), check: p.check, message: p.message });
      for (const v of chain.versions) {
        if (!listed.has(v.kid)) {
          problem({
            area: 'versions',
            subject: at(v.payload.seq),
            check: 'key',
            message: `signed with kid ${v.kid}, which the database's key list does not hold`,
          });
        }
      }
      if (chain.valid) {
        for (const p of historyProblems(chain.versions)) problem({ ...p, subject: at(p.seq), area: 'versions' });
        const hidden = hiddenSeqs(chain.versions.map((v) => v.payload));
        report.hiddenVersions += hidden.size;
        report.visibleVersions += rows.length - hidden.size;
        const latest = currentVersion(chain.versions.map((v) => v.payload));
        const current = latest.certificate;
        // Only the current version: a 訂正 supersedes it, and the hidden version keeps its signed text for good.
        for (const path of illFormedTextPaths(current)) {
          problem({
            area: 'versions',
            subject: at(latest.seq),
            check: 'text',
            message:
              `${path} holds a lone surrogate (text that is not well-formed Unicode, stored and printed as U+FFFD): ` +
              'publish a 訂正 (correction) that replaces it',
          });
        }
        const columns: [string, string | null, string][] = [
          ['product', surety.product, current.product],
          ['obligee_id', surety.obligee_id, current.obligee.id],
          ['works_name', surety.works_name, current.works.name],
          ['contractor_name', surety.contractor_name, current.contractor.name],
          // Decides 有効 / 保証期間満了 in the staff list's search.
          ['guarantee_end', surety.guarantee_end, current.guaranteePeriod.to],
        ];
        for (const [column, stored, signed] of columns) {
          if (stored !== signed) {
            problem({
              area: 'sureties',
              subject: n,
              check: 'columns',
              message: `${column} differs from the current signed version`,
            });
          }
        }
      }
      // Every version was written together with its audit row, and every such row names a stored version.
      const recorded = new Set<string>();
      for (const row of auditOf.get(n) ?? []) {
        const seq = seqOf(row.detail);
        recorded.add(`${row.action}#${seq}`);
        const version = rows.find((v) => v.seq === seq);
        if (!version || VERSION_ACTIONS[version.event] !== row.action) {
          problem({
            area: 'audit_log',
            subject: `id ${row.id}`,
            check: 'versions',
            message: `records ${row.action} of ${n} seq ${seq ?? '?'}, which is not stored`,
          });
        }
      }
      for (const v of rows) {
        if (!recorded.has(`${VERSION_ACTIONS[v.event] ?? '?'}#${v.seq}`)) {
          problem({ area: 'audit_log', subject: at(v.seq), check: 'versions', message: 'version has no audit row' });
        }
      }
    };
    await inParallel(batch.sureties, 8, async (surety) => {
      try {
        await checkGuarantee(surety);
      } catch (error) {
        unreadable('sureties', surety.contract_number, error);
      }
    });
    options.onProgress?.({ guarantees: report.guarantees, versions: report.versions, auditRows: 0 });
  }

  try {
    report.idempotencyAnswers = await auditIdempotencyAnswers(db, problem, batchSize);
  } catch (error) {
    unreadable('idempotency_keys', 'all', error);
  }

  try {
    report.versionsLostInRestore = (await listRestoredLeaves(db)).map((l) => Number(l.idx));
  } catch (error) {
    unreadable('log', 'restored leaves', error);
  }

  // The audit log's hash chain, in id order. After a break, the chain resumes from the stored hash, so one edited
  // row is reported once rather than with every row after it.
  let prev = AUDIT_GENESIS;
  let afterId = 0;
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
    options.onProgress?.({ guarantees: report.guarantees, versions: report.versions, auditRows: report.auditRows });
  }

  report.ms = performance.now() - started;
  return report;
}

/** History rules replayed over the signed payloads (DESIGN §3), with what each event must carry. */
export function historyProblems(
  versions: readonly VerifiedVersion[],
): { seq: number; check: string; message: string }[] {
  const payloads = versions.map((v) => v.payload);
  const out: { seq: number; check: string; message: string }[] = [];
  const first = payloads[0];
  if (!first) return out;
  if (first.event !== 'issue') out.push({ seq: 1, check: 'history', message: 'the first version is not an issue' });
  for (const [i, p] of payloads.entries()) {
    if (i === 0) continue;
    const before = payloads.slice(0, i);
    const violation = historyViolation(before, { event: p.event, target: p.target });
    if (violation) out.push({ seq: p.seq, check: 'history', message: violation });
    for (const field of IMMUTABLE_FIELDS) {
      if (!isDeepStrictEqual(p.certificate[field], first.certificate[field])) {
        out.push({ seq: p.seq, check: 'history', message: `${field} changed after issue` });
      }
    }
    if (violation) continue;
    const current = currentVersion(before).certificate;
    if (p.event === 'cancellation' && !isDeepStrictEqual(p.certificate, current)) {
      out.push({ seq: p.seq, check: 'history', message: 'a cancellation must carry the current certificate' });
    }
    if (p.event === 'change_cancellation') {
      const restored = visibleHistory(before)
        .filter((v) => v.seq !== p.target)
        .at(-1);
      if (restored && !isDeepStrictEqual(p.certificate, restored.certificate)) {
        out.push({ seq: p.seq, check: 'history', message: 'a change cancellation must carry the restored state' });
      }
    }
  }
  for (const p of payloads) {
    if ((p.status === 'cancelled') !== (p.event === 'cancellation')) {
      out.push({ seq: p.seq, check: 'history', message: `status ${p.status} does not match event ${p.event}` });
    }
  }
  return out;
}

function parsePublicJwk(text: string): JWK | null {
  try {
    return publicJwkOf(JSON.parse(text) as JWK);
  } catch {
    return null;
  }
}

function seqOf(detail: string): number | undefined {
  try {
    const seq = (JSON.parse(detail) as { seq?: unknown }).seq;
    return typeof seq === 'number' ? seq : undefined;
  } catch {
    return undefined;
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

async function inParallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
