// The signing keyring: the active private key from the secrets file, public keys from the database (JWKS).
import { importJWK, type CryptoKey, type JWK, type KeyObject } from 'jose';
import type { Secrets } from './secrets.js';

type Key = CryptoKey | KeyObject;

export interface PublicKeyRecord {
  kid: string;
  jwk: JWK;
  retired: boolean;
}

export interface Keyring {
  activeKid: string;
  privateKey: Key;
  /** The verification key for a kid, or null when the platform never published it. */
  publicKey(kid: string): Promise<Key | null>;
  /** Public JWKs as served at /.well-known/jwks.json, retired ones included. */
  jwks(): Promise<{ keys: (JWK & { kid: string; alg: 'ES256'; use: 'sig' })[] }>;
}

/**
 * Builds the keyring. `loadPublicKeys` reads the database; it is called again (at most every 10 s) when an unknown
 * kid appears, so a key rotated by another instance verifies without a restart.
 */
export async function createKeyring(
  secrets: Secrets,
  loadPublicKeys: () => Promise<PublicKeyRecord[]>,
): Promise<Keyring> {
  const active = secrets.signingKeys.find((k) => k.kid === secrets.activeKid);
  if (!active) throw new Error('active signing key missing from the secrets file');
  const privateKey = (await importJWK(active.privateJwk, 'ES256')) as Key;
  const cache = new Map<string, Key>();
  let records: PublicKeyRecord[] = [];
  let loadedAt = 0;

  async function reload(): Promise<void> {
    records = await loadPublicKeys();
    loadedAt = Date.now();
    for (const r of records) {
      if (!cache.has(r.kid)) cache.set(r.kid, (await importJWK(r.jwk, 'ES256')) as Key);
    }
  }
  await reload();

  return {
    activeKid: active.kid,
    privateKey,
    async publicKey(kid) {
      const hit = cache.get(kid);
      if (hit) return hit;
      if (Date.now() - loadedAt > 10_000) await reload();
      return cache.get(kid) ?? null;
    },
    async jwks() {
      if (Date.now() - loadedAt > 60_000) await reload();
      return {
        keys: records.map((r) => ({ ...r.jwk, kid: r.kid, alg: 'ES256' as const, use: 'sig' as const })),
      };
    },
  };
}
