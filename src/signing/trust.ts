// The trust anchor of DESIGN §2/§3: which public signing keys verification accepts. The secrets file decides, never
// the database alone: a key is trusted when the file holds it, or when a key already trusted endorsed it (the
// endorsement `keys:rotate` stores, so instances whose file predates a rotation verify the new key's versions).
import { createHash } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { z } from 'zod';
import { signCompact, type JwsSigner } from './jws-signer.js';
import { publicJwkOfKey, type Secrets } from './secrets.js';

export const ENDORSEMENT_TYP = 'esurety-key+jwt';

export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  y: string;
}

/** A signing key as the database lists it (its public JWK is ignored for keys the secrets file holds). */
export interface KeyRecord {
  kid: string;
  createdAt: string;
  endorsement: string | null;
}

export interface TrustedKey {
  kid: string;
  jwk: PublicJwk;
  /** `secrets`: held by the secrets file; otherwise the kid of the trusted key that endorsed it. */
  via: 'secrets' | { endorsedBy: string };
}

export interface RefusedKey {
  kid: string;
  reason: string;
}

export interface TrustDecision {
  trusted: Map<string, TrustedKey>;
  refused: RefusedKey[];
}

/** RFC 7638 SHA-256 thumbprint of a P-256 public JWK (the kid of DESIGN §3). */
export function thumbprintOf(jwk: PublicJwk): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

const publicOf = (jwk: JWK | PublicJwk): PublicJwk => ({
  kty: String(jwk.kty),
  crv: String(jwk.crv),
  x: String(jwk.x),
  y: String(jwk.y),
});

/** The public keys the secrets file vouches for: every signing key (retired ones included) and `publicKeys`. */
export function anchorKeysOf(secrets: Secrets): Map<string, PublicJwk> {
  const anchor = new Map<string, PublicJwk>();
  for (const k of secrets.signingKeys) anchor.set(k.kid, publicOf(publicJwkOfKey(k)));
  for (const k of secrets.publicKeys ?? []) anchor.set(k.kid, publicOf(k.publicJwk));
  return anchor;
}

const endorsementSchema = z.strictObject({
  kid: z.string(),
  jwk: z.strictObject({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string() }),
  createdAt: z.string(),
});

/**
 * The endorsement of `key` by `by` (the active key, in the secrets file or the token): what `keys:rotate` stores
 * with a new key.
 */
export async function endorseKey(
  by: JwsSigner,
  key: { kid: string; createdAt: string; publicJwk: JWK | PublicJwk },
): Promise<string> {
  return signCompact(by, ENDORSEMENT_TYP, { kid: key.kid, jwk: publicOf(key.publicJwk), createdAt: key.createdAt });
}

/** The endorsed key when `jws` is a valid endorsement of `kid` by a key in `trusted`, else the reason it is not. */
async function checkEndorsement(
  kid: string,
  jws: string,
  trusted: Map<string, TrustedKey>,
): Promise<TrustedKey | { reason: string }> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    return { reason: 'its endorsement is not a JWS' };
  }
  if (header.alg !== 'ES256' || header.typ !== ENDORSEMENT_TYP || typeof header.kid !== 'string') {
    return { reason: 'its endorsement has a wrong header' };
  }
  const by = trusted.get(header.kid);
  if (!by) return { reason: `its endorsement is signed by ${header.kid}, which is not trusted` };
  let parsed: z.infer<typeof endorsementSchema>;
  try {
    const { payload } = await compactVerify(jws, await importJWK({ ...by.jwk }, 'ES256'), { algorithms: ['ES256'] });
    parsed = endorsementSchema.parse(JSON.parse(new TextDecoder().decode(payload)));
  } catch {
    return { reason: `its endorsement does not verify with ${header.kid}` };
  }
  if (parsed.kid !== kid || thumbprintOf(parsed.jwk) !== kid) return { reason: 'its endorsement names another key' };
  return { kid, jwk: parsed.jwk, via: { endorsedBy: by.kid } };
}

/**
 * Decides which keys are trusted: the anchor's, then (until nothing changes, so that several rotations chain)
 * every database key with a valid endorsement by a trusted key. Every other database key is refused, with why.
 */
export async function resolveTrust(
  anchor: Map<string, PublicJwk>,
  records: readonly KeyRecord[],
): Promise<TrustDecision> {
  const trusted = new Map<string, TrustedKey>();
  for (const [kid, jwk] of anchor) trusted.set(kid, { kid, jwk, via: 'secrets' });
  let pending = records.filter((r) => !trusted.has(r.kid));
  const reasons = new Map<string, string>();
  for (let progress = true; progress && pending.length > 0;) {
    progress = false;
    const next: KeyRecord[] = [];
    for (const record of pending) {
      if (record.endorsement === null) {
        reasons.set(record.kid, 'it is not in the secrets file and carries no endorsement');
        continue;
      }
      const result = await checkEndorsement(record.kid, record.endorsement, trusted);
      if ('reason' in result) {
        reasons.set(record.kid, result.reason);
        next.push(record);
      } else {
        trusted.set(record.kid, result);
        progress = true;
      }
    }
    pending = next;
  }
  const refused = records
    .filter((r) => !trusted.has(r.kid))
    .map((r) => ({ kid: r.kid, reason: reasons.get(r.kid) ?? 'it is not trusted' }));
  return { trusted, refused };
}

/** What start-up and `audit` say about a refused key: which, why, and what the operator does about it. */
export function refusedKeyMessage(kid: string, reason: string): string {
  return (
    `signing key ${kid} in the database is refused: ${reason}. Versions signed with it fail verification, and ` +
    'neither the JWKS nor any page accepts it. If nobody here created it, treat the database as tampered with ' +
    '(run `audit`). If it is a key this deployment really used and only its entry is missing from the secrets ' +
    `file, add it from an older copy of the file, or run \`keys:trust --kid ${kid}\` where the file is writable`
  );
}
