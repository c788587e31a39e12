// The secrets file of DESIGN §2: signing keys, HMAC pepper, encryption key, cookie secret (mode 0600).
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { z } from 'zod';

const jwkSchema = z.looseObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string() });

const secretsSchema = z.object({
  version: z.literal(1),
  pepper: z.string().min(43),
  encryptionKey: z.string().min(43),
  cookieSecret: z.string().min(43),
  activeKid: z.string(),
  /**
   * Each key holds its private JWK, or (issue 19) only its public JWK and the label of its private half in the
   * PKCS#11 token of DESIGN §13 (ESURETY_PDF_SIGN_PKCS11_MODULE/TOKEN/PIN), which never leaves the token.
   */
  signingKeys: z
    .array(
      z.union([
        z.object({ kid: z.string(), createdAt: z.string(), privateJwk: jwkSchema.extend({ d: z.string() }) }),
        z.object({
          kid: z.string(),
          createdAt: z.string(),
          publicJwk: jwkSchema,
          pkcs11Label: z.string().min(1),
        }),
      ]),
    )
    .min(1),
  /**
   * Public halves only: keys this deployment signed with whose private half is no longer kept here (or that
   * `keys:trust` adopted). Together with `signingKeys` they are the trust anchor: the only keys verification accepts
   * without an endorsement chained to one of them.
   */
  publicKeys: z.array(z.object({ kid: z.string(), createdAt: z.string(), publicJwk: jwkSchema })).optional(),
  /** The transparency log's Ed25519 key (DESIGN §12): base64 of its 32-byte seed. Absent in files made before the log. */
  logKey: z.object({ seed: z.string().regex(/^[A-Za-z0-9+/]{43}=$/), createdAt: z.string() }).optional(),
});

export type Secrets = z.infer<typeof secretsSchema>;
export type SigningKeyEntry = Secrets['signingKeys'][number];
/** A signing key whose private half is in the secrets file. */
export type SigningKeySecret = Extract<SigningKeyEntry, { privateJwk: unknown }>;
/** A signing key whose private half is in the PKCS#11 token, found by its label. */
export type TokenKeySecret = Extract<SigningKeyEntry, { pkcs11Label: string }>;

export const isTokenKey = (key: SigningKeyEntry): key is TokenKeySecret => 'pkcs11Label' in key;

/** The public JWK of any signing key of the file. */
export function publicJwkOfKey(key: SigningKeyEntry): JWK {
  return isTokenKey(key) ? publicJwkOf(key.publicJwk) : publicJwkOf(key.privateJwk);
}

export class SecretsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretsError';
  }
}

const b64 = (bytes: number) => randomBytes(bytes).toString('base64url');

export function publicJwkOf(privateJwk: JWK): JWK {
  const { kty, crv, x, y } = privateJwk;
  return { kty, crv, x, y };
}

/** A new ES256 signing key; the kid is the RFC 7638 SHA-256 thumbprint of the public JWK. */
export async function newSigningKey(now: Date): Promise<SigningKeySecret> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicJwkOf(jwk), 'sha256');
  return { kid, createdAt: now.toISOString(), privateJwk: jwk as SigningKeySecret['privateJwk'] };
}

export async function generateSecrets(now: Date): Promise<Secrets> {
  const key = await newSigningKey(now);
  return {
    version: 1,
    pepper: b64(32),
    encryptionKey: b64(32),
    cookieSecret: b64(32),
    activeKid: key.kid,
    signingKeys: [key],
    logKey: { seed: randomBytes(32).toString('base64'), createdAt: now.toISOString() },
  };
}

/**
 * The log key's 32-byte Ed25519 seed. A secrets file from before the log has none, and is often mounted read-only
 * on several instances: rather than rewrite it (or let each instance generate its own key), the seed is derived
 * from the file's encryption key and pepper with HKDF under a label of its own — every instance sharing the file
 * derives the same key, nothing is written, and the log key reveals nothing of the secrets it came from.
 */
export function logKeySeed(secrets: Secrets): Buffer {
  if (secrets.logKey) return Buffer.from(secrets.logKey.seed, 'base64');
  return Buffer.from(
    hkdfSync('sha256', `${secrets.encryptionKey}\0${secrets.pepper}`, 'esurety-log-key', 'ed25519 seed v1', 32),
  );
}

export function readSecrets(file: string): Secrets | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SecretsError(`cannot read the secrets file ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SecretsError(`the secrets file ${file} is not valid JSON`);
  }
  const parsed = secretsSchema.safeParse(json);
  if (!parsed.success)
    throw new SecretsError(`the secrets file ${file} is malformed: ${parsed.error.issues[0]?.message}`);
  if (!parsed.data.signingKeys.some((k) => k.kid === parsed.data.activeKid)) {
    throw new SecretsError(`the secrets file ${file} names an active key it does not hold`);
  }
  return parsed.data;
}

/**
 * Writes the secrets file with mode 0600. `exclusive` fails when the file exists, so two instances starting on an
 * empty database cannot both generate secrets; otherwise it replaces the file atomically (rename).
 */
export function writeSecrets(file: string, secrets: Secrets, options: { exclusive: boolean }): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const body = `${JSON.stringify(secrets, null, 2)}\n`;
  const tmp = `${file}.${process.pid}.tmp`;
  if (options.exclusive) {
    // Written aside, then linked into place (link fails if the file exists): another instance starting at the same
    // moment never reads a half-written file.
    fs.writeFileSync(tmp, body, { mode: 0o600 });
    try {
      fs.linkSync(tmp, file);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    return;
  }
  try {
    fs.writeFileSync(tmp, body, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      // Production mounts the file read-only (docs/deploy.md): say where such commands are meant to run.
      throw new SecretsError(
        `the secrets file ${file} is not writable (${code}); run this command where a copy of the file is writable ` +
          '(ESURETY_SECRETS_FILE pointing at it), then replace the mounted secret on every instance and restart them',
      );
    }
    throw error;
  }
}

/**
 * What the database remembers of the secrets: the pepper, the encryption key and the first signing key. A database
 * restored next to other secrets (or a second instance with its own file) then refuses to start instead of silently
 * disagreeing — with another encryption key every notice PDF and key reprint would fail.
 */
export function secretsFingerprint(secrets: Secrets): string {
  const genesis = secrets.signingKeys[0]?.kid ?? '';
  return createHash('sha256')
    .update(`esurety-secrets-v2\0${secrets.pepper}\0${secrets.encryptionKey}\0${genesis}`)
    .digest('base64url');
}

/** The fingerprint databases bound before v2 hold (pepper and first signing key only); frozen. */
export function legacySecretsFingerprint(secrets: Secrets): string {
  const genesis = secrets.signingKeys[0]?.kid ?? '';
  return createHash('sha256').update(`esurety-secrets-v1\0${secrets.pepper}\0${genesis}`).digest('base64url');
}

/**
 * Every signing key of the file imports as an ES256 private key and its kid is the thumbprint of its public part:
 * one flipped byte otherwise surfaces as a bare "Invalid keyData" at start, or as signatures nobody can verify.
 * @throws SecretsError naming the file, the key and what to do
 */
export async function checkSigningKeys(file: string, secrets: Secrets): Promise<void> {
  for (const key of secrets.signingKeys) {
    let problem: string | null = null;
    try {
      // A token key's private half is checked against its public one when the token opens (src/signing/token-key.ts).
      if (!isTokenKey(key)) await importJWK(key.privateJwk, 'ES256');
      if ((await calculateJwkThumbprint(publicJwkOfKey(key), 'sha256')) !== key.kid) {
        problem = 'its public key does not match its kid';
      }
    } catch {
      problem = isTokenKey(key) ? 'it is not a valid P-256 public key' : 'it is not a valid P-256 private key';
    }
    if (problem) {
      throw new SecretsError(
        `the secrets file ${file} holds a damaged signing key ${key.kid} (${problem}); restore the file from its ` +
          'backup copy — a used database never gets new secrets, and versions signed with this key must stay verifiable',
      );
    }
  }
}
