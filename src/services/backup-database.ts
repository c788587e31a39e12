// Use case: an online backup of the SQLite database, then a verification of the copy — SQLite's integrity and
// foreign-key checks, the secrets fingerprint, the migrations, and the full integrity audit — before it is trusted.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrations } from '../../db/migrations/index.js';
import type { Database } from '../../db/schema.js';
import { formatContractNumber } from '../domain/identifiers.js';
import { getMeta } from '../repositories/meta.js';
import { legacySecretsFingerprint, secretsFingerprint, type Secrets } from '../signing/secrets.js';
import { markCopyHeld } from './number-hold.js';
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

export interface CopyContents {
  /** When the copy was taken (ISO instant); null for a file `backup` did not write. */
  takenAt: string | null;
  /** Row counts of the tables a restore must bring back. */
  rows: {
    sureties: number;
    versions: number;
    auditLog: number;
    obligees: number;
  };
  /** The last number per office the copy knows: numbering resumes above what the operator states (numbers:resume). */
  lastNumbers: Record<string, string>;
}

/**
 * `VACUUM INTO` reads one snapshot of the database, so the copy is consistent however many writes other processes
 * commit meanwhile (WAL mode: they are not blocked), and unlike the page-by-page backup API it never restarts
 * because the source changed. The copy is written under a temporary name in the target's directory (mode 0600 from
 * the start), marked as a restored copy (its numbering holds until an operator states the last number issued),
 * verified, flushed, and only then linked to the target name: a backup killed or failing midway never leaves a file
 * under the name an operator will restore from, and an existing target is never overwritten.
 * @throws Error with code EEXIST when the target exists
 */
export async function backupSqlite(
  source: SQLite.Database,
  file: string,
  secrets: Secrets,
  onProblem?: (problem: IntegrityProblem) => void,
  now: Date = new Date(),
): Promise<BackupReport & { contents: CopyContents }> {
  const started = performance.now();
  if (fs.existsSync(file))
    throw Object.assign(new Error(`${file} already exists`), {
      code: 'EEXIST',
    });
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.partial-${process.pid}`);
  fs.writeFileSync(partial, '', { mode: 0o600, flag: 'wx' });
  try {
    source.prepare('vacuum into ?').run(partial);
    fs.chmodSync(partial, 0o600);
    const contents = sealCopy(partial, now);
    const report = await verifySqliteCopy(partial, secrets, onProblem);
    if (report.ok) publishCopy(partial, file);
    return { ...report, file, contents, ms: performance.now() - started };
  } finally {
    for (const suffix of ['', '-journal', '-wal', '-shm']) fs.rmSync(partial + suffix, { force: true });
  }
}

/**
 * Stamps the copy with when it was taken, marks it as on hold for numbering, and reads what it holds: the report's
 * claims come from the copy itself.
 */
function sealCopy(file: string, now: Date): CopyContents {
  const copy = new SQLite(file, { fileMustExist: true });
  try {
    copy.prepare(`insert into meta (key, value) values ('backup_taken_at', ?)`).run(now.toISOString());
    markCopyHeld(copy, now);
    return describeCopy(copy);
  } finally {
    copy.close();
  }
}

/** What a copy holds: read again before a restore (`backup:check`) and compared with what `backup` printed. */
export function describeCopy(copy: SQLite.Database): CopyContents {
  const count = (table: string) => (copy.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  const offices = copy.prepare('select office_code, last_value from office_sequences order by office_code').all() as {
    office_code: string;
    last_value: number;
  }[];
  const taken = copy.prepare(`select value from meta where key = 'backup_taken_at'`).get() as
    { value: string } | undefined;
  return {
    takenAt: taken?.value ?? null,
    rows: {
      sureties: count('sureties'),
      versions: count('versions'),
      auditLog: count('audit_log'),
      obligees: count('obligees'),
    },
    lastNumbers: Object.fromEntries(
      offices.map((o) => [o.office_code, formatContractNumber(o.office_code, o.last_value)]),
    ),
  };
}

/** fsync, then a hard link (atomic, and fails rather than replace a file created meanwhile), then the directory. */
function publishCopy(partial: string, file: string): void {
  const fd = fs.openSync(partial, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.linkSync(partial, file);
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

/** Checks a SQLite copy (a backup, or a file about to be restored) without writing to it. */
export async function verifySqliteCopy(
  file: string,
  secrets: Secrets,
  onProblem?: (problem: IntegrityProblem) => void,
): Promise<BackupReport> {
  const started = performance.now();
  const raw = new SQLite(file, { readonly: true, fileMustExist: true });
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: raw }),
  });
  try {
    const checks: BackupCheck[] = [];
    const integrity = raw.pragma('integrity_check', { simple: true }) as string;
    checks.push({
      name: 'integrity_check',
      ok: integrity === 'ok',
      detail: integrity,
    });
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
      (
        raw.prepare('select name from kysely_migration').all() as {
          name: string;
        }[]
      ).map((r) => r.name),
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
