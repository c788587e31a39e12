// The one way the platform signs a compact ES256 JWS (versions, receipts, key endorsements), whether the private key
// is in the secrets file or in a PKCS#11 token: a signer turns the JWS signing input into the 64-byte r ‖ s of RFC 7518
// §3.4, which is also what a token's CKM_ECDSA returns, so both kinds produce the same JWS.
import { webcrypto } from 'node:crypto';
import type { JWK } from 'jose';

export interface JwsSigner {
  kid: string;
  /** ES256 over `input` (SHA-256 then ECDSA P-256), as r ‖ s. */
  sign(input: Uint8Array): Promise<Uint8Array>;
  /** Where the key is, for start-up (no secret). */
  describe: string;
  /** Set when the private key is in a PKCS#11 token: which token and label (the settings screen shows them). */
  pkcs11?: { token: string; label: string };
}

/**
 * A signer over a private JWK of the secrets file. WebCrypto, as jose used before: its ECDSA runs on libuv's thread
 * pool, so a batch's signatures (publish-surety.ts sealPublication) proceed in parallel off the event loop.
 */
export async function fileKeySigner(kid: string, privateJwk: JWK): Promise<JwsSigner> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
  const key = await webcrypto.subtle.importKey('jwk', { ...privateJwk } as webcrypto.JsonWebKey, algorithm, false, [
    'sign',
  ]);
  return {
    kid,
    describe: 'the secrets file',
    sign: async (input) => new Uint8Array(await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, input)),
  };
}

const encoder = new TextEncoder();
const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

/** A compact JWS of `payload` (JSON) with the protected header { alg: ES256, kid, typ }. */
export async function signCompact(signer: JwsSigner, typ: string, payload: object): Promise<string> {
  const input = `${b64url(JSON.stringify({ alg: 'ES256', kid: signer.kid, typ }))}.${b64url(JSON.stringify(payload))}`;
  const signature = await signer.sign(encoder.encode(input));
  return `${input}.${b64url(signature)}`;
}
