// The signing keyring: the active key from the secrets file (or, for a token key, from the PKCS#11 token it names);
// the public keys it trusts are the secrets file's own and those endorsed by them (src/signing/trust.ts) — a key found
// only in the database is refused.
import { importJWK, type CryptoKey, type JWK, type KeyObject } from 'jose';
import type { TokenOptions } from '../pkcs11/token.js';
import { fileKeySigner, type JwsSigner } from './jws-signer.js';
import { isTokenKey, SecretsError, type Secrets, type SigningKeyEntry } from './secrets.js';
import { anchorKeysOf, resolveTrust, type KeyRecord, type RefusedKey, type TrustedKey } from './trust.js';

type Key = CryptoKey | KeyObject;

export interface Keyring {
  activeKid: string;
  /** Signs with the active key: every JWS the platform issues goes through it (src/signing/jws-signer.ts). */
  signer: JwsSigner;
  /** The verification key for a trusted kid, or null (never published, or refused as untrusted). */
  publicKey(kid: string): Promise<Key | null>;
  /** Trusted public JWKs as served at /.well-known/jwks.json, retired ones included. */
  jwks(): Promise<{ keys: (JWK & { kid: string; alg: 'ES256'; use: 'sig' })[] }>;
  /** Keys the database lists that are refused (as of the last reload), with why. */
  refused(): readonly RefusedKey[];
  /** Closes the token session of a token key (nothing for a file key). */
  close(): void;
}

/** How to reach the PKCS#11 token (DESIGN §13's module, token and PIN); the PIN is read only when the token opens. */
export type TokenAccess = Omit<TokenOptions, 'pin'> & { pin: () => string };

/**
 * The signer of a key of the secrets file: its private JWK, or its label in the token, checked against its public
 * JWK by a probe signature.
 * @throws SecretsError naming what is wrong (no token configured, token missing, PIN refused, key absent or not
 *   matching), never the PIN
 */
export async function openSigner(
  key: SigningKeyEntry,
  token: TokenAccess | undefined,
): Promise<JwsSigner & { close(): void }> {
  if (!isTokenKey(key)) return { ...(await fileKeySigner(key.kid, key.privateJwk)), close: () => {} };
  const where = `the signing key ${key.kid} is in a PKCS#11 token (label "${key.pkcs11Label}")`;
  if (!token) {
    throw new SecretsError(
      `${where}, but no token is configured: set ESURETY_PDF_SIGN_PKCS11_MODULE, _TOKEN, _PIN (or _PIN_FILE) and _KEY`,
    );
  }
  try {
    // Loaded only for a token key: the native binding is an optional dependency.
    const { openTokenKey } = await import('./token-key.js');
    return await openTokenKey(
      { module: token.module, token: token.token, pin: token.pin() },
      { kid: key.kid, label: key.pkcs11Label, publicJwk: key.publicJwk },
    );
  } catch (error) {
    throw new SecretsError(`${where} that cannot be used: ${(error as Error).message}`);
  }
}

/**
 * Builds the keyring. `loadKeyRecords` reads the database; it is called again (at most every 10 s of `now`, the
 * platform's clock) when an unknown kid appears, so a key rotated by another instance (endorsed by a key of this
 * file) verifies without a restart, while a flood of made-up kids costs one query per 10 s.
 */
export async function createKeyring(
  secrets: Secrets,
  loadKeyRecords: () => Promise<KeyRecord[]>,
  now: () => number = Date.now,
  token?: TokenAccess,
): Promise<Keyring> {
  const active = secrets.signingKeys.find((k) => k.kid === secrets.activeKid);
  if (!active) throw new Error('active signing key missing from the secrets file');
  const anchor = anchorKeysOf(secrets);
  const cache = new Map<string, Key>();
  let trusted: TrustedKey[] = [];
  let refused: readonly RefusedKey[] = [];
  let loadedAt = 0;

  async function reload(): Promise<void> {
    const records = await loadKeyRecords();
    const decision = await resolveTrust(anchor, records);
    // Database order (creation time) first, then anchor keys the database does not list.
    const order = [...records.map((r) => r.kid), ...anchor.keys()];
    trusted = [...new Set(order)].flatMap((kid) => decision.trusted.get(kid) ?? []);
    refused = decision.refused;
    loadedAt = now();
    for (const t of trusted) {
      if (!cache.has(t.kid)) cache.set(t.kid, (await importJWK({ ...t.jwk }, 'ES256')) as Key);
    }
  }
  await reload();
  const signer = await openSigner(active, token);

  return {
    activeKid: active.kid,
    signer,
    async publicKey(kid) {
      const hit = cache.get(kid);
      if (hit) return hit;
      if (now() - loadedAt > 10_000) await reload();
      return cache.get(kid) ?? null;
    },
    async jwks() {
      if (now() - loadedAt > 60_000) await reload();
      return {
        keys: trusted.map((t) => ({ ...t.jwk, kid: t.kid, alg: 'ES256' as const, use: 'sig' as const })),
      };
    },
    refused: () => refused,
    close: () => signer.close(),
  };
}
