// A version-signing key whose private half lives in the PKCS#11 token of DESIGN §13 (issue 19): found by label,
// checked against the public JWK the secrets file holds before it signs anything, and created there by
// `keys:rotate --pkcs11-label` when the token has no key of that label yet.
import { createHash, createPublicKey, randomBytes, verify, type JsonWebKey } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { keyTypeOf, openTokenSession, Pkcs11Error, type TokenOptions, type TokenSession } from '../pkcs11/token.js';
import type { JwsSigner } from './jws-signer.js';
import { thumbprintOf, type PublicJwk } from './trust.js';

export { Pkcs11Error };

/** DER of the named curve P-256 (OID 1.2.840.10045.3.1.7), the CKA_EC_PARAMS of every key made here. */
const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');

const privateKeyTemplate = (label: string): pkcs11js.Template => [
  { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
  { type: pkcs11js.CKA_LABEL, value: label },
];

function findPrivateKey(token: TokenSession, options: TokenOptions, label: string): Buffer {
  const found = token.find(privateKeyTemplate(label), 2);
  if (found.length === 0)
    throw new Pkcs11Error(`no private key labelled "${label}" on the PKCS#11 token "${options.token}"`);
  if (found.length > 1)
    throw new Pkcs11Error(`several private keys are labelled "${label}" on the PKCS#11 token "${options.token}"`);
  const [type] = token.p11.C_GetAttributeValue(token.session, found[0]!, [{ type: pkcs11js.CKA_KEY_TYPE }]);
  if (keyTypeOf(type?.value) !== pkcs11js.CKK_EC) {
    throw new Pkcs11Error(`the key "${label}" on the PKCS#11 token "${options.token}" is not an EC (P-256) key`);
  }
  return found[0]!;
}

/** ES256 with the token: CKM_ECDSA over the SHA-256 of the input returns r ‖ s, exactly the JWS signature. */
const tokenSign = (token: TokenSession, key: Buffer) => async (input: Uint8Array) =>
  new Uint8Array(await token.sign(pkcs11js.CKM_ECDSA, key, createHash('sha256').update(input).digest()));

/**
 * Opens the token and the key labelled `label`, and proves with a probe signature that it is the private half of
 * `publicJwk`: a key replaced in the token (or a label pointing at another key) stops the start instead of
 * publishing versions nobody can verify.
 * @throws Pkcs11Error token missing, login refused (never the PIN), key absent, key not matching
 */
export async function openTokenKey(
  options: TokenOptions,
  key: { kid: string; label: string; publicJwk: PublicJwk },
): Promise<JwsSigner & { close(): void }> {
  const token = openTokenSession(options);
  try {
    const handle = findPrivateKey(token, options, key.label);
    const sign = tokenSign(token, handle);
    const probe = Buffer.concat([Buffer.from(`esurety token probe\0${key.kid}\0`), randomBytes(16)]);
    const publicKey = createPublicKey({ key: { ...key.publicJwk } as JsonWebKey, format: 'jwk' });
    let matches = false;
    try {
      matches = verify('sha256', probe, { key: publicKey, dsaEncoding: 'ieee-p1363' }, await sign(probe));
    } catch (error) {
      if (error instanceof Pkcs11Error) throw error;
    }
    if (!matches) {
      throw new Pkcs11Error(
        `the key "${key.label}" on the PKCS#11 token "${options.token}" is not the signing key ${key.kid} the ` +
          'secrets file names (its probe signature does not verify with the public key there)',
      );
    }
    return {
      kid: key.kid,
      describe: `PKCS#11 token "${options.token}", key "${key.label}"`,
      pkcs11: { token: options.token, label: key.label },
      sign,
      close: () => token.close(),
    };
  } catch (error) {
    token.close();
    throw error;
  }
}

/** The P-256 public key of an uncompressed point 04 ‖ X ‖ Y (CKA_EC_POINT, possibly wrapped in a DER OCTET STRING). */
function jwkOfPoint(value: Buffer): PublicJwk {
  const point = value[0] === 0x04 && value.length === 65 ? value : value.subarray(value.length - 65);
  if (point.length !== 65 || point[0] !== 0x04)
    throw new Pkcs11Error('the token returned an EC point that is not P-256');
  return {
    kty: 'EC',
    crv: 'P-256',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33).toString('base64url'),
  };
}

export interface RotationKey {
  kid: string;
  publicJwk: PublicJwk;
  /** Generated in the token by this rotation (else the token already held it). */
  created: boolean;
}

/**
 * The public JWK of the key labelled `label`: the token's own key when it has one (its public-key object is read),
 * else a new P-256 key pair generated in the token (private half sensitive, never extractable).
 * @returns the key and whether it was created here
 * @throws Pkcs11Error token unusable, or a private key of that label without its public-key object
 */
export async function tokenKeyForRotation(options: TokenOptions, label: string): Promise<RotationKey> {
  const token = openTokenSession({ ...options, readWrite: true });
  try {
    const { p11, session } = token;
    let created = false;
    if (token.find(privateKeyTemplate(label), 1).length === 0) {
      const id = randomBytes(8);
      p11.C_GenerateKeyPair(
        session,
        { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
        [
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_VERIFY, value: true },
          { type: pkcs11js.CKA_EC_PARAMS, value: P256_PARAMS },
          { type: pkcs11js.CKA_LABEL, value: label },
          { type: pkcs11js.CKA_ID, value: id },
        ],
        [
          { type: pkcs11js.CKA_TOKEN, value: true },
          { type: pkcs11js.CKA_PRIVATE, value: true },
          { type: pkcs11js.CKA_SENSITIVE, value: true },
          { type: pkcs11js.CKA_EXTRACTABLE, value: false },
          { type: pkcs11js.CKA_SIGN, value: true },
          { type: pkcs11js.CKA_LABEL, value: label },
          { type: pkcs11js.CKA_ID, value: id },
        ],
      );
      created = true;
    }
    findPrivateKey(token, options, label);
    const [publicHandle] = token.find(
      [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
        { type: pkcs11js.CKA_LABEL, value: label },
      ],
      1,
    );
    if (!publicHandle) {
      throw new Pkcs11Error(
        `the PKCS#11 token "${options.token}" holds a private key "${label}" but no public-key object of that label; ` +
          'import its public key into the token (same label) and rotate again',
      );
    }
    const [point] = p11.C_GetAttributeValue(session, publicHandle, [{ type: pkcs11js.CKA_EC_POINT }]);
    const publicJwk = jwkOfPoint(point!.value as Buffer);
    return { kid: thumbprintOf(publicJwk), publicJwk, created };
  } finally {
    token.close();
  }
}
