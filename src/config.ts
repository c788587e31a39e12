// Configuration: one zod schema parses process.env once into a frozen object; the only reader of process.env.
import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { parseCosignatureKey } from './log/cosignature.js';

const boolish = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no', 'on', 'off'], { error: 'use 1/0, true/false, yes/no or on/off' })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

/** Why a CIDR block (or a single address) is not one, or null when it is. */
function cidrProblem(entry: string): string | null {
  const [address = '', bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return `"${entry}" is not an IPv4 or IPv6 address or CIDR block`;
  if (bits === undefined) return null;
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return `"${entry}" has a prefix length outside 0–${max}`;
  return null;
}

const cidrList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .check((ctx) => {
    const problems = ctx.value.map(cidrProblem).filter((p): p is string => p !== null);
    if (problems.length > 0) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: `${problems.join('; ')} (a comma-separated list of CIDR blocks, e.g. 203.0.113.0/24,2001:db8::/48)`,
      });
    }
  });

/** A witness of the transparency log: its cosignature verifier key and its submission prefix (tlog-witness). */
export interface LogWitnessConfig {
  name: string;
  verifierKey: string;
  url: string;
}

/** `<witness verifier key> <submission URL>` entries, separated by newlines or commas. */
const witnessList = z.string().transform((s, ctx) => {
  const out: LogWitnessConfig[] = [];
  for (const entry of s
    .split(/[\n,]/)
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [key = '', url = '', extra] = entry.split(/\s+/);
    const problem = (() => {
      if (extra !== undefined || !url) return 'is not "<witness verifier key> <URL>"';
      try {
        const parsed = new URL(url);
        if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'has a URL that is not http(s)';
      } catch {
        return 'has a URL that is not absolute';
      }
      try {
        parseCosignatureKey(key);
      } catch (error) {
        return `has an unusable key: ${(error as Error).message}`;
      }
      if (out.some((w) => w.verifierKey === key)) return 'lists the same witness twice';
      return null;
    })();
    if (problem) {
      ctx.issues.push({ code: 'custom', input: s, message: `entry ${out.length + 1} ${problem}` });
      return z.NEVER;
    }
    out.push({ name: key.split('+')[0]!, verifierKey: key, url: url.replace(/\/+$/, '') });
  }
  return out;
});

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  ESURETY_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: 'must start with postgres:// or postgresql://' })
    .optional(),
  ESURETY_SECRETS_FILE: z.string().min(1).optional(),
  ESURETY_NUMBERS_DIR: z.string().min(1).optional(),
  ESURETY_PUBLIC_URL: z.url({ error: 'must be an absolute http(s) URL' }).optional(),
  ESURETY_ISSUER_NAME: z.string().min(1).max(200).optional(),
  ESURETY_OFFICE_CODE: z
    .string()
    .regex(/^\d{5}$/, { error: 'must be 5 digits' })
    .default('10001'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, { error: 'must start with smtp:// or smtps://' })
    .optional(),
  ESURETY_MAIL_FROM: z.email({ error: 'must be an email address, e.g. no-reply@esurety.example.jp' }).optional(),
  ESURETY_TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  ESURETY_THROTTLE_EXEMPT: cidrList.default([]),
  ESURETY_DEMO: boolish.optional(),
  ESURETY_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  ESURETY_ACCESS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  ESURETY_PDF_SIGN_P12: z.string().min(1).optional(),
  ESURETY_PDF_SIGN_P12_PASSWORD: z.string().optional(),
  ESURETY_PDF_SIGN_P12_PASSWORD_FILE: z.string().min(1).optional(),
  ESURETY_PDF_SIGN_PKCS11_MODULE: z.string().min(1).optional(),
  ESURETY_PDF_SIGN_PKCS11_TOKEN: z.string().min(1).optional(),
  ESURETY_PDF_SIGN_PKCS11_PIN: z.string().optional(),
  ESURETY_PDF_SIGN_PKCS11_PIN_FILE: z.string().min(1).optional(),
  ESURETY_PDF_SIGN_PKCS11_KEY: z.string().min(1).optional(),
  ESURETY_TSA_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  ESURETY_PDF_SIGN_LT: z.enum(['auto', 'off'], { error: 'must be auto or off' }).default('auto'),
  ESURETY_LOG_WITNESSES: witnessList.default([]),
  // The DNS server that issuer-identity checks ask (host or host:port); unset = the system's resolvers.
  ESURETY_DNS_RESOLVER: z
    .string()
    .regex(/^(\[[0-9a-f:]+\]|[0-9a-z.-]+)(:\d{1,5})?$/i, { error: 'must be a host or host:port, e.g. 127.0.0.1:5353' })
    .optional(),
});

/**
 * The e-seal that signs as-issued PDFs (DESIGN §13). A password or PIN is read when the signer opens (from the
 * variable or its `…_FILE`), never kept in the configuration object, so printing the configuration prints no secret.
 */
export type PdfSignConfig =
  | { kind: 'none' }
  | { kind: 'p12'; path: string; password: () => string }
  | { kind: 'pkcs11'; module: string; token: string; key: string; pin: () => string };

export interface ThrottleConfig {
  clientLimit: number;
  clientWindowMs: number;
  pairLimit: number;
  pairWindowMs: number;
  numberAlertThreshold: number;
  numberAlertWindowMs: number;
  /** Files checked on /verify-file per client and window, whatever their result (each costs a PDF parse). */
  uploadLimit: number;
  uploadWindowMs: number;
}

/** At most `limit` in any `windowMs` (a fixed window in throttle_counters, shared by every instance). */
export interface Budget {
  limit: number;
  windowMs: number;
}

/**
 * What holding number + key lets a client repeat (pen test issue 14): budgets that re-verifying does not reset,
 * per certificate and client and per certificate, so nobody can mint signed receipts or mail-bomb addresses at will.
 */
export interface FollowUpLimits {
  /** Verification receipts (確認証跡) one client may have signed for one certificate. */
  receiptsPerCertificateClient: Budget;
  /** Verification receipts of one certificate, all clients together (each is kept ten years). */
  receiptsPerCertificate: Budget;
  /** Subscription confirmation mails to one address, whatever the certificate. */
  subscriptionMailsPerAddress: Budget;
  /** Subscription confirmation mails for one certificate, whatever the address. */
  subscriptionMailsPerCertificate: Budget;
  /**
   * Receipt confirmations (受領確認) kept per version: every officer's, but not an unbounded list; and per version
   * and client, so that one key holder cannot fill the list and shut the real officers out.
   */
  receiptConfirmationsPerVersion: number;
  receiptConfirmationsPerVersionClient: number;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  secretsFile: string;
  /** Where the last contract number taken per office is kept outside the database (survives a restore). */
  numbersDir: string;
  publicUrl: string;
  issuerName: string;
  officeCode: string;
  smtpUrl: string | undefined;
  /** Sender address of notification mail (default no-reply@<public host>). */
  mailFrom: string;
  trustProxy: number;
  throttleExempt: string[];
  demo: boolean;
  /** Port of the Prometheus /metrics listener (on HOST); undefined = no metrics listener. */
  metricsPort: number | undefined;
  /**
   * Days failed and throttled verification attempts are kept (for investigating an alert). Successful verifications
   * and views stay: they are the contractor's evidence that the certificate was seen.
   */
  accessRetentionDays: number;
  pdfSign: PdfSignConfig;
  /** RFC 3161 time-stamp authority; credentials may be in its userinfo (never logged). */
  tsaUrl: string | undefined;
  /**
   * PAdES B-LT (validation data in a DSS): `auto` adds it when a TSA is configured and the e-seal's chain names a CRL
   * distribution point; `off` never (B-T).
   */
  pdfSignLt: 'auto' | 'off';
  /** Witnesses the log's checkpoints are submitted to (ESURETY_LOG_WITNESSES); empty = none. */
  logWitnesses: readonly LogWitnessConfig[];
  /** ESURETY_DNS_RESOLVER: where issuer-identity TXT records are looked up (host[:port]); undefined = system. */
  dnsResolver: string | undefined;
  throttle: ThrottleConfig;
  limits: FollowUpLimits;
}

export const DEMO_ISSUER_NAME = '架空保証株式会社（デモ）';

export const DEFAULT_THROTTLE: ThrottleConfig = {
  clientLimit: 30,
  clientWindowMs: 10 * 60_000,
  pairLimit: 5,
  pairWindowMs: 60 * 60_000,
  numberAlertThreshold: 100,
  numberAlertWindowMs: 60 * 60_000,
  uploadLimit: 30,
  uploadWindowMs: 10 * 60_000,
};

export const DEFAULT_LIMITS: FollowUpLimits = {
  receiptsPerCertificateClient: { limit: 20, windowMs: 60 * 60_000 },
  receiptsPerCertificate: { limit: 100, windowMs: 24 * 60 * 60_000 },
  subscriptionMailsPerAddress: { limit: 3, windowMs: 24 * 60 * 60_000 },
  subscriptionMailsPerCertificate: { limit: 10, windowMs: 24 * 60 * 60_000 },
  receiptConfirmationsPerVersion: 30,
  receiptConfirmationsPerVersionClient: 3,
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${String(i.path[0] ?? '?')}: ${i.message}`);
  if (parsed.success && parsed.data.NODE_ENV === 'production' && !parsed.data.ESURETY_ISSUER_NAME) {
    problems.push('ESURETY_ISSUER_NAME: required when NODE_ENV=production');
  }
  if (parsed.success) problems.push(...pdfSignProblems(parsed.data));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const dataDir = path.resolve(e.ESURETY_DATA_DIR);
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    secretsFile: path.resolve(e.ESURETY_SECRETS_FILE ?? path.join(dataDir, 'secrets.json')),
    numbersDir: path.resolve(e.ESURETY_NUMBERS_DIR ?? path.join(dataDir, 'issued-numbers')),
    publicUrl: (e.ESURETY_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    issuerName: e.ESURETY_ISSUER_NAME ?? DEMO_ISSUER_NAME,
    officeCode: e.ESURETY_OFFICE_CODE,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.ESURETY_MAIL_FROM ?? `no-reply@${new URL(e.ESURETY_PUBLIC_URL ?? 'http://localhost').hostname}`,
    trustProxy: e.ESURETY_TRUST_PROXY,
    throttleExempt: e.ESURETY_THROTTLE_EXEMPT,
    // A configured issuer is a real deployment whatever NODE_ENV says: no fictional guarantees next to its own.
    demo:
      (e.ESURETY_DEMO ?? e.NODE_ENV !== 'production') &&
      (e.ESURETY_ISSUER_NAME ?? DEMO_ISSUER_NAME) === DEMO_ISSUER_NAME,
    metricsPort: e.ESURETY_METRICS_PORT,
    accessRetentionDays: e.ESURETY_ACCESS_RETENTION_DAYS,
    pdfSign: pdfSignOf(e),
    tsaUrl: e.ESURETY_TSA_URL,
    pdfSignLt: e.ESURETY_PDF_SIGN_LT,
    logWitnesses: Object.freeze(e.ESURETY_LOG_WITNESSES),
    dnsResolver: e.ESURETY_DNS_RESOLVER,
    throttle: DEFAULT_THROTTLE,
    limits: DEFAULT_LIMITS,
  });
}

type Env = z.infer<typeof envSchema>;

const P12_VARS = [
  'ESURETY_PDF_SIGN_P12',
  'ESURETY_PDF_SIGN_P12_PASSWORD',
  'ESURETY_PDF_SIGN_P12_PASSWORD_FILE',
] as const;
const PKCS11_VARS = [
  'ESURETY_PDF_SIGN_PKCS11_MODULE',
  'ESURETY_PDF_SIGN_PKCS11_TOKEN',
  'ESURETY_PDF_SIGN_PKCS11_PIN',
  'ESURETY_PDF_SIGN_PKCS11_PIN_FILE',
  'ESURETY_PDF_SIGN_PKCS11_KEY',
] as const;

function pdfSignProblems(e: Env): string[] {
  const p12 = P12_VARS.some((v) => e[v] !== undefined);
  const pkcs11 = PKCS11_VARS.some((v) => e[v] !== undefined);
  if (p12 && pkcs11) return ['ESURETY_PDF_SIGN_P12 and ESURETY_PDF_SIGN_PKCS11_*: set one e-seal, not both'];
  const problems: string[] = [];
  const secret = (name: string, value: string | undefined, file: string | undefined) => {
    if (value !== undefined && file !== undefined) problems.push(`${name}: set it or ${name}_FILE, not both`);
    else if (value === undefined && file === undefined) problems.push(`${name} (or ${name}_FILE): required`);
  };
  if (p12) {
    if (!e.ESURETY_PDF_SIGN_P12) problems.push('ESURETY_PDF_SIGN_P12: required with its password');
    secret('ESURETY_PDF_SIGN_P12_PASSWORD', e.ESURETY_PDF_SIGN_P12_PASSWORD, e.ESURETY_PDF_SIGN_P12_PASSWORD_FILE);
  }
  if (pkcs11) {
    for (const v of [
      'ESURETY_PDF_SIGN_PKCS11_MODULE',
      'ESURETY_PDF_SIGN_PKCS11_TOKEN',
      'ESURETY_PDF_SIGN_PKCS11_KEY',
    ] as const)
      if (!e[v]) problems.push(`${v}: required for a PKCS#11 e-seal`);
    secret('ESURETY_PDF_SIGN_PKCS11_PIN', e.ESURETY_PDF_SIGN_PKCS11_PIN, e.ESURETY_PDF_SIGN_PKCS11_PIN_FILE);
  }
  return problems;
}

/** A secret from its variable or, read when needed, from its file (one trailing newline dropped). */
const secretOf = (value: string | undefined, file: string | undefined) => () =>
  value ?? fs.readFileSync(file!, 'utf8').replace(/\r?\n$/, '');

function pdfSignOf(e: Env): PdfSignConfig {
  if (e.ESURETY_PDF_SIGN_P12)
    return {
      kind: 'p12',
      path: path.resolve(e.ESURETY_PDF_SIGN_P12),
      password: secretOf(e.ESURETY_PDF_SIGN_P12_PASSWORD, e.ESURETY_PDF_SIGN_P12_PASSWORD_FILE),
    };
  if (e.ESURETY_PDF_SIGN_PKCS11_MODULE && e.ESURETY_PDF_SIGN_PKCS11_TOKEN && e.ESURETY_PDF_SIGN_PKCS11_KEY)
    return {
      kind: 'pkcs11',
      module: e.ESURETY_PDF_SIGN_PKCS11_MODULE,
      token: e.ESURETY_PDF_SIGN_PKCS11_TOKEN,
      key: e.ESURETY_PDF_SIGN_PKCS11_KEY,
      pin: secretOf(e.ESURETY_PDF_SIGN_PKCS11_PIN, e.ESURETY_PDF_SIGN_PKCS11_PIN_FILE),
    };
  return { kind: 'none' };
}
