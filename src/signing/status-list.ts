// The status list credential of DESIGN §13 on the wire: the W3C Bitstring Status List codec (GZIP, multibase
// base64url) and the vc+jwt it travels in — signed with the version keyring, checked against any key lookup.
import { gunzipSync, gzipSync } from 'node:zlib';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import { LIST_ENTRIES, STATUS_SIZE } from '../domain/status-list.js';
import type { KeyLookup } from './versions.js';

export const STATUS_LIST_TYP = 'vc+jwt';

/** encodedList: multibase base64url (prefix `u`, no padding) of the GZIP-compressed bitstring. */
export function encodeList(bits: Uint8Array): string {
  return `u${gzipSync(bits).toString('base64url')}`;
}

/** @throws Error for anything that is not a multibase base64url GZIP bitstring of at least LIST_ENTRIES entries */
export function decodeList(encoded: string): Uint8Array {
  if (!/^u[A-Za-z0-9_-]+$/.test(encoded)) throw new Error('encodedList is not multibase base64url');
  // Bounded: a hostile list cannot inflate past 16 MiB in memory.
  const bits = new Uint8Array(gunzipSync(Buffer.from(encoded.slice(1), 'base64url'), { maxOutputLength: 1 << 24 }));
  if ((bits.length * 8) / STATUS_SIZE < LIST_ENTRIES) throw new Error('the list is shorter than 131,072 entries');
  return bits;
}

const credentialSchema = z.looseObject({
  id: z.string().optional(),
  type: z.array(z.string()).refine((t) => t.includes('BitstringStatusListCredential')),
  issuer: z.union([z.string(), z.looseObject({ id: z.string() })]),
  validFrom: z.string().optional(),
  validUntil: z.string().optional(),
  credentialSubject: z.looseObject({
    type: z.literal('BitstringStatusList'),
    statusPurpose: z.union([z.string(), z.array(z.string())]),
    statusSize: z.number().int().optional(),
    encodedList: z.string(),
  }),
});

export type StatusListProblem = 'format' | 'header' | 'key' | 'signature' | 'payload';

export class StatusListFailure extends Error {
  constructor(
    readonly code: StatusListProblem,
    message: string,
  ) {
    super(message);
    this.name = 'StatusListFailure';
  }
}

export interface OpenedStatusList {
  kid: string;
  id: string | undefined;
  issuer: string;
  validUntil: string | undefined;
  bits: Uint8Array;
}

/**
 * Checks a status list JWT as a verifier must before reading a bit: ES256, typ vc+jwt, a kid the lookup trusts (no
 * jku/x5u/jwk header is used), a valid signature, and a BitstringStatusListCredential with purpose `message`,
 * statusSize 2 and a list of at least 131,072 entries.
 * @throws StatusListFailure naming the failed check
 */
export async function openStatusList(lookup: KeyLookup, jwt: string): Promise<OpenedStatusList> {
  let header;
  try {
    header = decodeProtectedHeader(jwt);
  } catch {
    throw new StatusListFailure('format', 'ステータスリストが JWT（compact serialization）ではありません');
  }
  if (header.alg !== 'ES256' || header.typ !== STATUS_LIST_TYP || typeof header.kid !== 'string') {
    throw new StatusListFailure(
      'header',
      `ステータスリストの署名ヘッダーが ES256・typ ${STATUS_LIST_TYP} ではありません`,
    );
  }
  const key = await lookup.publicKey(header.kid);
  if (!key)
    throw new StatusListFailure('key', `ステータスリストの署名鍵（kid ${header.kid}）は信頼する公開鍵にありません`);
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(jwt, key, { algorithms: ['ES256'] }));
  } catch {
    throw new StatusListFailure('signature', 'ステータスリストの署名が正しくありません（改ざんされています）');
  }
  try {
    const vc = credentialSchema.parse(JSON.parse(new TextDecoder().decode(payload)));
    const subject = vc.credentialSubject;
    const purposes = [subject.statusPurpose].flat();
    if (!purposes.includes('message') || subject.statusSize !== STATUS_SIZE) throw new Error('purpose');
    return {
      kid: header.kid,
      id: vc.id,
      issuer: typeof vc.issuer === 'string' ? vc.issuer : vc.issuer.id,
      validUntil: vc.validUntil,
      bits: decodeList(subject.encodedList),
    };
  } catch {
    throw new StatusListFailure(
      'payload',
      'ステータスリストの内容が Bitstring Status List（statusPurpose message・statusSize 2・131,072 件以上）ではありません',
    );
  }
}
