// The e-seal key in an HSM or token over PKCS#11 (ESURETY_PDF_SIGN_PKCS11_*): the private key never leaves the
// token; the token signs the SHA-256 of the CMS signed attributes (CKM_ECDSA, or CKM_SHA256_RSA_PKCS for RSA). The
// certificate is read from the token (the certificate object with the key's label or CKA_ID), the chain from the other
// certificate objects on it. Tested with SoftHSM from Debian; pkcs11js (PeculiarVentures) is the binding.
import { createHash } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { keyTypeOf, openTokenSession, Pkcs11Error } from '../pkcs11/token.js';
import { parseCertificate, type SealSigner } from './cms.js';

export { Pkcs11Error };

export interface Pkcs11Options {
  module: string;
  token: string;
  pin: string;
  key: string;
}

/** An ECDSA signature as PKCS#11 returns it (r ‖ s, fixed width) in the DER form CMS carries. */
export function ecdsaDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const integer = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    const trimmed = bytes.subarray(i);
    const body = trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : Buffer.from(trimmed);
    return Buffer.concat([Buffer.from([0x02, body.length]), body]);
  };
  const seq = Buffer.concat([integer(raw.subarray(0, half)), integer(raw.subarray(half))]);
  return new Uint8Array(Buffer.concat([Buffer.from([0x30, seq.length]), seq]));
}

/** Opens the token, logs in and finds the key and its certificate; the session stays open for signing. */
export function pkcs11Signer(options: Pkcs11Options): SealSigner & { close(): void } {
  const token = openTokenSession(options);
  const fail = (message: string): never => {
    token.close();
    throw new Pkcs11Error(message);
  };
  const { p11, session, find } = token;
  const [key] = find([
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_LABEL, value: options.key },
  ]);
  if (!key) return fail(`no private key labelled "${options.key}" on the PKCS#11 token "${options.token}"`);
  const [keyType, keyId] = p11.C_GetAttributeValue(session, key, [
    { type: pkcs11js.CKA_KEY_TYPE },
    { type: pkcs11js.CKA_ID },
  ]);
  const isEc = Number(keyTypeOf(keyType?.value)) === pkcs11js.CKK_EC;
  const certificates = find([{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }]).map((handle) => {
    const [value, label, id] = p11.C_GetAttributeValue(session, handle, [
      { type: pkcs11js.CKA_VALUE },
      { type: pkcs11js.CKA_LABEL },
      { type: pkcs11js.CKA_ID },
    ]);
    return {
      der: new Uint8Array(value!.value as Buffer),
      own:
        String(label?.value ?? '') === options.key ||
        (keyId?.value !== undefined && Buffer.compare(id?.value as Buffer, keyId.value as Buffer) === 0),
    };
  });
  const own = certificates.find((c) => c.own);
  if (!own) return fail(`no certificate for the key "${options.key}" on the PKCS#11 token "${options.token}"`);
  parseCertificate(own.der);
  const mechanism = isEc ? pkcs11js.CKM_ECDSA : pkcs11js.CKM_SHA256_RSA_PKCS;
  return {
    algorithm: isEc ? 'ES256' : 'RS256',
    certificates: [own.der, ...certificates.filter((c) => c !== own).map((c) => c.der)],
    describe: `PKCS#11 token "${options.token}", key "${options.key}"`,
    sign: async (data) => {
      const input = isEc ? createHash('sha256').update(data).digest() : Buffer.from(data);
      const signature = new Uint8Array(await token.sign(mechanism, key, input));
      return isEc ? ecdsaDer(signature) : signature;
    },
    close: () => token.close(),
  };
}
