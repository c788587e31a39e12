// Use case: the administrator's 設定 screen — the effective configuration (read-only: it comes from the environment
// at start-up, DESIGN §6), the signing keys, mail and database status. Secrets never leave this function: for
// DATABASE_URL and SMTP_URL (which carry passwords) and the secrets file only whether they are set is returned.
import fs from 'node:fs';
import path from 'node:path';
import { isPostgres, migrationsCurrent } from '../../../db/connection.js';
import { migrations } from '../../../db/migrations/index.js';
import { DomainError } from '../../errors.js';
import { latestAudit, latestAuditOf } from '../../repositories/audit-log.js';
import { databaseBytes } from '../../repositories/meta.js';
import { countOutboxByState, type OutboxState } from '../../repositories/outbox.js';
import { countSureties } from '../../repositories/sureties.js';
import { listSigningKeys } from '../../repositories/signing-keys.js';
import { countSignedPdfs, failingSignedPdfs } from '../../repositories/signed-pdfs.js';
import type { SealSummary } from '../../pdf-sign/open-seal.js';
import { DEMO_ISSUER_NAME, type ThrottleConfig } from '../../config.js';
import type { Actor, ServiceContext } from '../context.js';

/** One configuration line: a value, a list, a flag, or — for secrets — only whether it is set. */
export type SettingValue =
  | { type: 'text'; value: string }
  | { type: 'list'; value: string[] }
  | { type: 'flag'; value: boolean }
  | { type: 'secret'; set: boolean };

export type SettingName =
  | 'NODE_ENV'
  | 'HOST'
  | 'PORT'
  | 'ESURETY_PUBLIC_URL'
  | 'ESURETY_ISSUER_NAME'
  | 'ESURETY_OFFICE_CODE'
  | 'ESURETY_DATA_DIR'
  | 'ESURETY_SECRETS_FILE'
  | 'DATABASE_URL'
  | 'SMTP_URL'
  | 'ESURETY_MAIL_FROM'
  | 'ESURETY_TRUST_PROXY'
  | 'ESURETY_THROTTLE_EXEMPT'
  | 'ESURETY_DEMO';

export interface SettingLine {
  name: SettingName;
  value: SettingValue;
  /** Something to look at (a demo issuer name in use, a secrets file readable by others, …). */
  warning?: 'demoIssuer' | 'secretsMode' | 'secretsMissing' | 'noSmtp' | 'demoData' | undefined;
}

export interface SettingsOverview {
  config: SettingLine[];
  throttle: ThrottleConfig;
  /** `refused`: listed by the database but not trusted (not in the secrets file, not endorsed by a key in it). */
  keys: { kid: string; createdAt: string; retiredAt: string | null; active: boolean; refused: boolean }[];
  /** Where the active key's private half is: the secrets file, or a PKCS#11 token (issue 19). */
  activeKeyStore: { kind: 'file' } | { kind: 'pkcs11'; token: string; label: string };
  mail: { smtpConfigured: boolean; from: string; counts: Record<OutboxState, number> };
  /** Signed as-issued PDFs (DESIGN §13): the e-seal (never its password or PIN) and the signing queue. */
  eSeal: {
    configured: 'none' | 'p12' | 'pkcs11';
    /** What this process opened at start-up; null when it has not opened the e-seal (configured, not started). */
    seal: SealSummary | null;
    longTerm: 'auto' | 'off';
    queue: { signed: number; pending: number; failing: number };
    failures: { contractNumber: string; seq: number; attempts: number; lastError: string; nextAttemptAt: string }[];
  };
  database: {
    dialect: 'sqlite' | 'postgres';
    migrationsCurrent: boolean;
    latestMigration: string;
    migrationCount: number;
    bytes: number | null;
    /** The SQLite write-ahead log's size on disk (capped by the checkpointer); null on PostgreSQL. */
    walBytes: number | null;
    guarantees: number;
    auditHead: { id: number; at: string; hash: string | null } | null;
    lastBackup: { at: string; actor: string; detail: Record<string, unknown> } | null;
  };
}

function fileMode(file: string): number | null {
  try {
    return fs.statSync(file).mode & 0o777;
  } catch {
    return null;
  }
}

/** @throws DomainError forbidden (administrators only) */
export async function settingsOverview(ctx: ServiceContext, actor: Actor): Promise<SettingsOverview> {
  if (actor.type !== 'staff' || actor.role !== 'admin') {
    throw new DomainError('forbidden', 'この操作を行う権限がありません');
  }
  const { config, db } = ctx;
  const postgres = isPostgres(db);
  const secretsMode = fileMode(config.secretsFile);
  const text = (value: string): SettingValue => ({ type: 'text', value });
  const lines: SettingLine[] = [
    { name: 'NODE_ENV', value: text(config.env) },
    { name: 'HOST', value: text(config.host) },
    { name: 'PORT', value: text(String(config.port)) },
    { name: 'ESURETY_PUBLIC_URL', value: text(config.publicUrl) },
    {
      name: 'ESURETY_ISSUER_NAME',
      value: text(config.issuerName),
      warning: config.issuerName === DEMO_ISSUER_NAME ? 'demoIssuer' : undefined,
    },
    { name: 'ESURETY_OFFICE_CODE', value: text(config.officeCode) },
    { name: 'ESURETY_DATA_DIR', value: text(config.dataDir) },
    {
      name: 'ESURETY_SECRETS_FILE',
      value: { type: 'secret', set: secretsMode !== null },
      // Group or others may read it: anyone with a shell account could sign certificates.
      warning: secretsMode === null ? 'secretsMissing' : (secretsMode & 0o077) !== 0 ? 'secretsMode' : undefined,
    },
    { name: 'DATABASE_URL', value: { type: 'secret', set: config.databaseUrl !== undefined } },
    {
      name: 'SMTP_URL',
      value: { type: 'secret', set: config.smtpUrl !== undefined },
      warning: config.smtpUrl === undefined ? 'noSmtp' : undefined,
    },
    { name: 'ESURETY_MAIL_FROM', value: text(config.mailFrom) },
    { name: 'ESURETY_TRUST_PROXY', value: text(String(config.trustProxy)) },
    { name: 'ESURETY_THROTTLE_EXEMPT', value: { type: 'list', value: [...config.throttleExempt] } },
    {
      name: 'ESURETY_DEMO',
      value: { type: 'flag', value: config.demo },
      warning: config.demo && config.env === 'production' ? 'demoData' : undefined,
    },
  ];

  const [keys, counts, current, guarantees, head, backup, bytes, signedPdfs, failures] = await Promise.all([
    listSigningKeys(db),
    countOutboxByState(db),
    migrationsCurrent(db).catch(() => false),
    countSureties(db),
    latestAudit(db),
    latestAuditOf(db, 'backup.verified'),
    databaseBytes(db, postgres).catch(() => null),
    countSignedPdfs(db),
    failingSignedPdfs(db, 20),
  ]);
  const names = Object.keys(migrations).sort();
  const refused = new Set(ctx.keyring.refused().map((r) => r.kid));
  return {
    config: lines,
    throttle: config.throttle,
    keys: keys
      .map((k) => ({
        kid: k.kid,
        createdAt: k.created_at,
        retiredAt: k.retired_at,
        active: k.kid === ctx.keyring.activeKid,
        refused: refused.has(k.kid),
      }))
      .reverse(),
    activeKeyStore: ctx.keyring.signer.pkcs11 ? { kind: 'pkcs11', ...ctx.keyring.signer.pkcs11 } : { kind: 'file' },
    mail: { smtpConfigured: config.smtpUrl !== undefined, from: config.mailFrom, counts },
    eSeal: {
      configured: config.pdfSign.kind,
      seal: ctx.eSeal ?? null,
      longTerm: config.pdfSignLt,
      queue: signedPdfs,
      failures: failures.map((f) => ({
        contractNumber: f.contract_number,
        seq: f.seq,
        attempts: f.attempts,
        lastError: f.last_error ?? '',
        nextAttemptAt: f.next_attempt_at,
      })),
    },
    database: {
      dialect: postgres ? 'postgres' : 'sqlite',
      migrationsCurrent: current,
      latestMigration: names[names.length - 1] ?? '',
      migrationCount: names.length,
      bytes,
      walBytes: postgres
        ? null
        : (fs.statSync(path.join(config.dataDir, 'esurety.sqlite-wal'), { throwIfNoEntry: false })?.size ?? 0),
      guarantees,
      auditHead: head ? { id: Number(head.id), at: head.at, hash: head.hash } : null,
      lastBackup: backup
        ? {
            at: backup.at,
            actor: `${backup.actor_type}:${backup.actor_id}`,
            detail: JSON.parse(backup.detail) as Record<string, unknown>,
          }
        : null,
    },
  };
}
