// The signing keyring: the active private key from the secrets file; the public keys it trusts are the secrets
// file's own and those endorsed by them (src/signing/trust.ts) — a key found only in the database is refused.
import { importJWK, type CryptoKey, type JWK, type KeyObject } from 'jose';
import type { Secrets } from './secrets.js';
import { anchorKeysOf, resolveTrust, type KeyRecord, type RefusedKey, type TrustedKey } from './trust.js';

type Key = CryptoKey | KeyObject;

export interface Keyring {
  activeKid: string;
  privateKey: Key;
  /** The verification key for a trusted kid, or null (never published, or refused as untrusted). */
  publicKey(kid: string): Promise<Key | null>;
  /** Trusted public JWKs as served at /.well-known/jwks.json, retired ones included. */
  jwks(): Promise<{ keys: (JWK & { kid: string; alg: 'ES256'; use: 'sig' })[] }>;
  /** Keys the database lists that are refused (as of the last reload), with why. */
  refused(): readonly RefusedKey[];
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
): Promise<Keyring> {
  const active = secrets.signingKeys.find((k) => k.kid === secrets.activeKid);
  if (!active) throw new Error('active signing key missing from the secrets file');
  const privateKey = (await importJWK(active.privateJwk, 'ES256')) as Key;
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

  return {
    activeKid: active.kid,
    privateKey,
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
  };
}
