// The audit's per-guarantee checks: each stored version's signature, kid, `prev` chain and seq, the history rules
// replayed over the signed payloads, the lookup columns, the authentication key and the audit row of each version.
// Run over a range of contract numbers (the full audit, in one thread or split over workers) or over named
// guarantees (the incremental audit re-checks the guarantees that gained a version).
import { isDeepStrictEqual } from 'node:util';
import { importJWK, type JWK } from 'jose';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { IMMUTABLE_FIELDS } from '../domain/certificate.js';
import { currentVersion, hiddenSeqs, historyViolation, visibleHistory } from '../domain/history.js';
import { illFormedTextPaths } from '../domain/well-formed.js';
import {
  listPublishedKeys,
  listSuretiesNamed,
  listSuretyBatch,
  listVersionAuditOf,
  listVersionsOf,
  readSnapshot,
} from '../repositories/integrity.js';
import type { AuthKeyVault } from '../security/auth-keys.js';
import { publicJwkOf } from '../signing/secrets.js';
import { refusedKeyMessage, resolveTrust, type PublicJwk, type TrustedKey } from '../signing/trust.js';
import { verifyChain, type KeyLookup, type VerifiedCache, type VerifiedVersion } from '../signing/versions.js';
import { authKeyProblem } from './audit-stored-data.js';

export type IntegrityArea =
  'versions' | 'sureties' | 'audit_log' | 'signing_keys' | 'idempotency_keys' | 'database' | 'log';

export interface IntegrityProblem {
  area: IntegrityArea;
  /** What the problem is about: a contract number (with seq), an audit row id, a kid or a log index. */
  subject: string;
  check: string;
  message: string;
}

export interface GuaranteeCounts {
  guarantees: number;
  versions: number;
  visibleVersions: number;
  hiddenVersions: number;
}

export const noGuarantees = (): GuaranteeCounts => ({
  guarantees: 0,
  versions: 0,
  visibleVersions: 0,
  hiddenVersions: 0,
});

/** What the guarantee checks verify with: trusted keys only, the database's key list, a result cache. */
export interface GuaranteeChecker {
  keyring: KeyLookup;
  listed: Set<string>;
  cache: VerifiedCache;
  vault: AuthKeyVault;
  problem: (p: IntegrityProblem) => void;
}

/**
 * The published keys checked against the trust anchor (each refused or differing key reported when `problem` is
 * given), and the keyring the version checks then use: the anchor's keys and those a trusted key endorsed.
 */
export async function checkedKeys(
  db: Kysely<Database>,
  anchor: Map<string, PublicJwk>,
  problem?: (p: IntegrityProblem) => void,
): Promise<{ keyring: KeyLookup; listed: Set<string>; signingKeys: number }> {
  const published = await listPublishedKeys(db);
  const decision = await resolveTrust(
    anchor,
    published.map((r) => ({ kid: r.kid, createdAt: r.created_at, endorsement: r.endorsement })),
  );
  if (problem) {
    for (const row of published) {
      const ours = anchor.get(row.kid);
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
  }
  return {
    keyring: lookupOf(decision.trusted),
    listed: new Set(published.map((r) => r.kid)),
    signingKeys: published.length,
  };
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

/** Guarantees in contract-number order: from `from` (inclusive), before `until` (null: to the end). */
export interface GuaranteeRange {
  from: string;
  until: string | null;
}

/** Checks every guarantee of the range, batch by batch (each batch one read snapshot); adds to `counts`. */
export async function auditGuaranteeRange(
  db: Kysely<Database>,
  checker: GuaranteeChecker,
  range: GuaranteeRange,
  counts: GuaranteeCounts,
  options: { batchSize: number; onBatch?: () => void },
): Promise<void> {
  let after = range.from;
  let first = true;
  for (;;) {
    const batch = await readSnapshot(db, async (snap) => {
      const sureties = await listSuretyBatch(snap, after, options.batchSize, range.until ?? undefined, first);
      return { sureties, ...(await versionsAndAudit(snap, sureties)) };
    }).catch((error: unknown) => {
      // The next batch would start at the same unreadable page: the guarantees after it stay unchecked, and say so.
      unreadable(checker, 'sureties', `after ${after || 'the start'}`, error);
      return null;
    });
    if (!batch || batch.sureties.length === 0) return;
    first = false;
    after = batch.sureties[batch.sureties.length - 1]?.contract_number ?? after;
    await checkBatch(checker, batch, counts);
    options.onBatch?.();
  }
}

/** Checks the named guarantees (one read snapshot); a number without a surety row is the caller's to report. */
export async function auditGuaranteesNamed(
  db: Kysely<Database>,
  checker: GuaranteeChecker,
  contractNumbers: readonly string[],
  counts: GuaranteeCounts,
): Promise<void> {
  for (let i = 0; i < contractNumbers.length; i += 500) {
    const numbers = contractNumbers.slice(i, i + 500);
    const batch = await readSnapshot(db, async (snap) => {
      const sureties = await listSuretiesNamed(snap, numbers);
      return { sureties, ...(await versionsAndAudit(snap, sureties)) };
    }).catch((error: unknown) => {
      unreadable(checker, 'sureties', numbers.join(', '), error);
      return null;
    });
    if (batch) await checkBatch(checker, batch, counts);
  }
}

type SuretyRow = Awaited<ReturnType<typeof listSuretyBatch>>[number];
interface Batch {
  sureties: SuretyRow[];
  versions: Awaited<ReturnType<typeof listVersionsOf>>;
  audit: Awaited<ReturnType<typeof listVersionAuditOf>>;
}

async function versionsAndAudit(snap: Kysely<Database>, sureties: SuretyRow[]): Promise<Omit<Batch, 'sureties'>> {
  const numbers = sureties.map((s) => s.contract_number);
  return { versions: await listVersionsOf(snap, numbers), audit: await listVersionAuditOf(snap, numbers) };
}

// A read that fails (a corrupt page, a row the driver cannot decode) is reported where it happened; the checks
// that do not depend on it still run.
function unreadable(checker: GuaranteeChecker, area: 'sureties', subject: string, error: unknown): void {
  checker.problem({ area, subject, check: 'unreadable', message: `cannot be checked: ${(error as Error).message}` });
}

const VERSION_ACTIONS: Record<string, string> = {
  issue: 'surety.publish',
  change: 'surety.change',
  correction: 'surety.correction',
  change_cancellation: 'surety.change_cancellation',
  cancellation: 'surety.cancellation',
};

async function checkBatch(checker: GuaranteeChecker, batch: Batch, counts: GuaranteeCounts): Promise<void> {
  const versionsOf = groupBy(batch.versions, (v) => v.contract_number);
  const auditOf = groupBy(batch.audit, (a) => a.contract_number ?? '');
  await inParallel(batch.sureties, 8, async (surety) => {
    try {
      await checkGuarantee(checker, surety, versionsOf.get(surety.contract_number) ?? [], auditOf, counts);
    } catch (error) {
      unreadable(checker, 'sureties', surety.contract_number, error);
    }
  });
}

async function checkGuarantee(
  checker: GuaranteeChecker,
  surety: SuretyRow,
  rows: Batch['versions'],
  auditOf: Map<string, Batch['audit']>,
  counts: GuaranteeCounts,
): Promise<void> {
  const { problem } = checker;
  const n = surety.contract_number;
  counts.guarantees++;
  counts.versions += rows.length;
  const at = (seq: number) => `${n} seq ${seq}`;
  const keyProblem = await authKeyProblem(checker.vault, surety);
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
  const chain = await verifyChain(checker.keyring, checker.cache, n, rows);
  for (const p of chain.valid ? [] : chain.problems)
    problem({ area: 'versions', subject: at(p.seq), check: p.check, message: p.message });
  for (const v of chain.versions) {
    if (!checker.listed.has(v.kid)) {
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
    counts.hiddenVersions += hidden.size;
    counts.visibleVersions += rows.length - hidden.size;
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
