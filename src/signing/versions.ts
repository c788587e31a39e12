// Signed versions (DESIGN §3): compact JWS per version, verification as named checks, and chain verification.
import { createHash } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import { certificateSchema, type Certificate } from '../domain/certificate.js';
import { EVENTS, type VersionEvent } from '../domain/history.js';
import { signCompact } from './jws-signer.js';
import type { Keyring } from './keyring.js';

export const VERSION_TYP = 'esurety-version+jwt';

export interface VersionPayload {
  iss: string;
  sub: string;
  seq: number;
  event: VersionEvent;
  target: number | null;
  reason: string | null;
  issuedAt: string;
  prev: string | null;
  status: 'active' | 'cancelled';
  certificate: Certificate;
}

export const versionPayloadSchema = z.strictObject({
  iss: z.string(),
  sub: z.string().regex(/^\d{5}-\d{6}$/),
  seq: z.number().int().positive(),
  event: z.enum(EVENTS),
  target: z.number().int().positive().nullable(),
  reason: z.string().nullable(),
  issuedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+09:00$/),
  prev: z.string().nullable(),
  status: z.enum(['active', 'cancelled']),
  certificate: certificateSchema,
});

const decoder = new TextDecoder();

/** base64url(SHA-256(compact JWS as ASCII)): what the next version's `prev` holds. */
export function jwsHash(jws: string): string {
  return createHash('sha256').update(jws, 'ascii').digest('base64url');
}

export async function signVersion(keyring: Keyring, payload: VersionPayload): Promise<string> {
  return signJws(keyring, VERSION_TYP, payload);
}

/** Signs any platform statement (a version, a verification receipt) as a compact ES256 JWS of the given typ. */
export async function signJws(keyring: Pick<Keyring, 'signer'>, typ: string, payload: object): Promise<string> {
  return signCompact(keyring.signer, typ, payload);
}

/** What verification needs of a keyring: the public key of a kid (a JWKS file does for offline checks). */
export type KeyLookup = Pick<Keyring, 'publicKey'>;

export type CheckName = 'format' | 'header' | 'key' | 'signature' | 'payload' | 'identity' | 'sequence' | 'chain';

export class VerificationFailure extends Error {
  constructor(
    readonly check: CheckName,
    message: string,
  ) {
    super(message);
    this.name = 'VerificationFailure';
  }
}

export interface VerifiedVersion {
  kid: string;
  payload: VersionPayload;
  jws: string;
}

/**
 * Verifies one compact JWS: only ES256, the version typ and a kid the platform published; `jku`/`x5u`/`jwk`
 * headers are ignored. Throws VerificationFailure naming the failed check.
 */
export async function verifyVersionJws(keyring: KeyLookup, jws: string): Promise<VerifiedVersion> {
  const { kid, payload } = await verifySignedJws(keyring, jws, VERSION_TYP, versionPayloadSchema);
  return { kid, payload: payload as VersionPayload, jws };
}

/**
 * The checks of verifyVersionJws for any typ the platform signs, with the payload parsed by `schema`.
 * @throws VerificationFailure format | header | key | signature | payload
 */
export async function verifySignedJws<S extends z.ZodType>(
  keyring: KeyLookup,
  jws: string,
  typ: string,
  schema: S,
): Promise<{ kid: string; payload: z.output<S> }> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    if (jws.split('.').length !== 3) throw new Error('not compact');
    header = decodeProtectedHeader(jws);
  } catch {
    throw new VerificationFailure('format', 'JWS の形式が正しくありません');
  }
  if (header.alg !== 'ES256' || header.typ !== typ || typeof header.kid !== 'string') {
    const wrong =
      header.alg !== 'ES256'
        ? `alg が ES256 ではありません（${String(header.alg)}）`
        : header.typ !== typ
          ? `typ が ${typ} ではありません（${String(header.typ)}）`
          : 'kid がありません';
    throw new VerificationFailure('header', `署名ヘッダーが正しくありません：${wrong}`);
  }
  const key = await keyring.publicKey(header.kid);
  if (!key) throw new VerificationFailure('key', `未知の署名鍵です（kid ${header.kid}）`);
  let bytes: Uint8Array;
  try {
    ({ payload: bytes } = await compactVerify(jws, key, { algorithms: ['ES256'] }));
  } catch {
    throw new VerificationFailure('signature', '署名が一致しません（データが改ざんされている可能性があります）');
  }
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new VerificationFailure('payload', '署名された内容が JSON ではありません');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new VerificationFailure('payload', '署名された内容の形式が正しくありません');
  return { kid: header.kid, payload: parsed.data };
}

/**
 * Verification results keyed by the SHA-256 of the JWS itself (never by a stored column, which tampering could keep
 * unchanged): an unchanged JWS is verified once per process. Bounded; oldest entries leave first.
 */
export class VerifiedCache {
  private readonly entries = new Map<string, VerifiedVersion>();
  constructor(private readonly limit = 50_000) {}

  async verify(keyring: KeyLookup, jws: string, hash: string = jwsHash(jws)): Promise<VerifiedVersion> {
    const hit = this.entries.get(hash);
    if (hit) return hit;
    const verified = await verifyVersionJws(keyring, jws);
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(hash, verified);
    return verified;
  }
}

export interface StoredVersion {
  seq: number;
  event: string;
  target: number | null;
  jws: string;
}

export interface ChainProblem {
  seq: number;
  check: CheckName;
  message: string;
}

export type ChainResult =
  | { valid: true; versions: VerifiedVersion[] }
  | { valid: false; problems: ChainProblem[]; versions: VerifiedVersion[] };

/**
 * Verifies a guarantee's whole chain: each signature, that each payload belongs to this contract number and seq,
 * that the stored event/target columns agree with what was signed, and that `prev` links every version to the last.
 */
export async function verifyChain(
  keyring: KeyLookup,
  cache: VerifiedCache,
  contractNumber: string,
  rows: readonly StoredVersion[],
): Promise<ChainResult> {
  const problems: ChainProblem[] = [];
  const versions: VerifiedVersion[] = [];
  let previous: string | null = null;
  for (const [index, row] of rows.entries()) {
    const expectedSeq = index + 1;
    const hash = jwsHash(row.jws);
    try {
      const v = await cache.verify(keyring, row.jws, hash);
      const p = v.payload;
      if (p.sub !== contractNumber || p.certificate.contractNumber !== contractNumber) {
        throw new VerificationFailure('identity', '別の保証契約番号の署名データです');
      }
      if (p.seq !== expectedSeq || row.seq !== expectedSeq) {
        throw new VerificationFailure('sequence', `版番号が連続していません（${expectedSeq} 番目の版が ${p.seq}）`);
      }
      if (p.event !== row.event || p.target !== row.target) {
        throw new VerificationFailure('identity', '保存された履歴情報が署名内容と一致しません');
      }
      if (p.prev !== previous) {
        throw new VerificationFailure('chain', '前の版とのつながり（prev）が一致しません');
      }
      versions.push(v);
    } catch (error) {
      if (!(error instanceof VerificationFailure)) throw error;
      problems.push({ seq: row.seq, check: error.check, message: error.message });
    }
    previous = hash;
  }
  if (rows.length === 0) problems.push({ seq: 0, check: 'sequence', message: '版がありません' });
  return problems.length === 0 ? { valid: true, versions } : { valid: false, problems, versions };
}
