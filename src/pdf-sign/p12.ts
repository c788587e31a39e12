// The e-seal key and certificate chain from a PKCS#12 file (ESURETY_PDF_SIGN_P12): for development and e-seal
// Level 1. PBES2 (OpenSSL 3's default) and the legacy PKCS#12 encryptions that WebCrypto offers are read; the MAC is
// checked, so a wrong password is a clear error rather than garbage.
import { createPrivateKey, createPublicKey, sign as nodeSign, webcrypto, type KeyObject } from 'node:crypto';
import * as pkijs from 'pkijs';
import { arrayBuffer, parseCertificate, type SealSigner } from './cms.js';

const KEY_BAG = '1.2.840.113549.1.12.10.1.1';
const SHROUDED_KEY_BAG = '1.2.840.113549.1.12.10.1.2';
const CERT_BAG = '1.2.840.113549.1.12.10.1.3';

let engineSet = false;
function useNodeCrypto() {
  if (engineSet) return;
  pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as Crypto }));
  engineSet = true;
}

export class Pkcs12Error extends Error {}

export async function readPkcs12(
  bytes: Uint8Array,
  password: string,
): Promise<{ key: KeyObject; certificates: Uint8Array[] }> {
  useNodeCrypto();
  const pass = arrayBuffer(new TextEncoder().encode(password));
  let pfx: pkijs.PFX;
  try {
    pfx = pkijs.PFX.fromBER(arrayBuffer(bytes));
    await pfx.parseInternalValues({ password: pass, checkIntegrity: true });
  } catch (error) {
    throw new Pkcs12Error(
      `the PKCS#12 file cannot be opened (wrong password or not PKCS#12): ${(error as Error).message}`,
    );
  }
  const safe = pfx.parsedValue?.authenticatedSafe;
  if (!safe) throw new Pkcs12Error('the PKCS#12 file holds no authenticated safe');
  await safe.parseInternalValues({ safeContents: safe.safeContents.map(() => ({ password: pass })) });
  const keys: Uint8Array[] = [];
  const certs: Uint8Array[] = [];
  for (const contents of safe.parsedValue?.safeContents ?? []) {
    for (const bag of contents.value.safeBags) {
      if (bag.bagId === SHROUDED_KEY_BAG) {
        // Declared protected in pkijs's types, but it is how the library itself decrypts a shrouded key bag.
        const shrouded = bag.bagValue as pkijs.PKCS8ShroudedKeyBag & {
          parseInternalValues(parameters: { password: ArrayBuffer }): Promise<void>;
        };
        await shrouded.parseInternalValues({ password: pass });
        if (shrouded.parsedValue) keys.push(new Uint8Array(shrouded.parsedValue.toSchema().toBER()));
      } else if (bag.bagId === KEY_BAG) {
        keys.push(new Uint8Array((bag.bagValue as pkijs.PrivateKeyInfo).toSchema().toBER()));
      } else if (bag.bagId === CERT_BAG) {
        const value = (bag.bagValue as pkijs.CertBag).parsedValue;
        if (value instanceof pkijs.Certificate) certs.push(new Uint8Array(value.toSchema().toBER()));
      }
    }
  }
  if (keys.length !== 1)
    throw new Pkcs12Error(`the PKCS#12 file must hold exactly one private key (it holds ${keys.length})`);
  const key = createPrivateKey({ key: Buffer.from(keys[0]!), format: 'der', type: 'pkcs8' });
  return { key, certificates: orderChain(key, certs) };
}

/** The certificate of `key` first, then the others (the chain), so CMS names the right signer. */
function orderChain(key: KeyObject, certs: Uint8Array[]): Uint8Array[] {
  const publicDer = (der: Uint8Array) =>
    Buffer.from(parseCertificate(der).subjectPublicKeyInfo.toSchema().toBER()).toString('base64');
  const own = Buffer.from(createPublicKey(key).export({ type: 'spki', format: 'der' })).toString('base64');
  const index = certs.findIndex((c) => publicDer(c) === own);
  if (index < 0) throw new Pkcs12Error('the PKCS#12 file holds no certificate for its private key');
  return [certs[index]!, ...certs.filter((_, i) => i !== index)];
}

/** A signer over a private key held in memory (PKCS#12). */
export function keySigner(key: KeyObject, certificates: Uint8Array[], describe: string): SealSigner {
  const type = key.asymmetricKeyType;
  if (type !== 'ec' && type !== 'rsa')
    throw new Pkcs12Error(`the e-seal key must be ECDSA P-256 or RSA (it is ${type})`);
  if (type === 'ec' && key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new Pkcs12Error('the e-seal ECDSA key must be on the P-256 curve');
  return {
    algorithm: type === 'ec' ? 'ES256' : 'RS256',
    certificates,
    describe,
    sign: async (data) => new Uint8Array(nodeSign('sha256', data, { key, dsaEncoding: 'der' })),
  };
}
