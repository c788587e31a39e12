// Use case: an online backup of the SQLite database, then a verification of the copy — SQLite's integrity and
// foreign-key checks, the secrets fingerprint, the migrations, and the full integrity audit — before it is trusted.
import fs from 'node:fs';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrations } from '../../db/migrations/index.js';
import type { Database } from '../../db/schema.js';
import { getMeta } from '../repositories/meta.js';
import { legacySecretsFingerprint, secretsFingerprint, type Secrets } from '../signing/secrets.js';
import { auditIntegrity, trustedKeysOf, type IntegrityProblem, type IntegrityReport } from './audit-integrity.js';

export interface BackupCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface BackupReport {
  file: string;
  bytes: number;
  ms: number;
  checks: BackupCheck[];
  audit: IntegrityReport;
  ok: boolean;
}

/**
 * `VACUUM INTO` reads one snapshot of the database, so the copy is consistent however many writes other processes
 * commit meanwhile (WAL mode: they are not blocked), and unlike the page-by-page backup API it never restarts
 * because the source changed. The target is created empty with mode 0600 first, so the copy is never readable by
 * others, and an existing file is refused rather than overwritten.
 * @throws Error with code EEXIST when the target exists
 */
export async function backupSqlite(
  source: SQLite.Database,
  file: string,
  secrets: Secrets,
  onProblem?: (problem: IntegrityProblem) => void,
): Promise<BackupReport> {
  const started = performance.now();
  fs.writeFileSync(file, '', { mode: 0o600, flag: 'wx' });
  try {
    source.prepare('vacuum into ?').run(file);
  } catch (error) {
    fs.rmSync(file, { force: true });
    throw error;
  }
  fs.chmodSync(file, 0o600);
  const report = await verifySqliteCopy(file, secrets, onProblem);
  return { ...report, ms: performance.now() - started };
}

/** Checks a SQLite copy (a backup, or a file about to be restored) without writing to it. */
export async function verifySqliteCopy(
  file: string,
  secrets: Secrets,
  onProblem?: (problem: IntegrityProblem) => void,
): Promise<BackupReport> {
  const started = performance.now();
  const raw = new SQLite(file, { readonly: true, fileMustExist: true });
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  try {
    const checks: BackupCheck[] = [];
    const integrity = raw.pragma('integrity_check', { simple: true }) as string;
    checks.push({ name: 'integrity_check', ok: integrity === 'ok', detail: integrity });
    const fk = raw.pragma('foreign_key_check') as unknown[];
    checks.push({
      name: 'foreign_key_check',
      ok: fk.length === 0,
      detail: fk.length === 0 ? 'ok' : `${fk.length} rows break a foreign key`,
    });
    const stored = await getMeta(db, 'secrets_fingerprint');
    // A copy of a database bound before v2 holds the legacy fingerprint; the audit's auth_key check then covers
    // the encryption key.
    const belongs = stored === secretsFingerprint(secrets) || stored === legacySecretsFingerprint(secrets);
    checks.push({
      name: 'secrets',
      ok: belongs,
      detail: belongs
        ? 'the copy belongs to this secrets file (fingerprint matches): keep the two together'
        : 'the copy was signed with other secrets than this secrets file',
    });
    const applied = new Set(
      (raw.prepare('select name from kysely_migration').all() as { name: string }[]).map((r) => r.name),
    );
    const known = Object.keys(migrations);
    const missing = known.filter((m) => !applied.has(m));
    checks.push({
      name: 'migrations',
      ok: missing.length === 0,
      detail: missing.length === 0 ? `${known.length} of ${known.length} applied` : `missing ${missing.join(', ')}`,
    });
    const audit = await auditIntegrity(db, {
      trusted: await trustedKeysOf(secrets),
      integrityCheck: false, // ran above, as the copy's first check
      ...(onProblem ? { onProblem } : {}),
    });
    return {
      file,
      bytes: fs.statSync(file).size,
      ms: performance.now() - started,
      checks,
      audit,
      ok: checks.every((c) => c.ok) && audit.problems === 0,
    };
  } finally {
    await db.destroy();
  }
}
