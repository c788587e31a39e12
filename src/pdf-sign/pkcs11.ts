// The e-seal key in an HSM or token over PKCS#11 (ESURETY_PDF_SIGN_PKCS11_*): the private key never leaves the
// token; the token signs the SHA-256 of the CMS signed attributes (CKM_ECDSA, or CKM_SHA256_RSA_PKCS for RSA). The
// certificate is read from the token (the certificate object with the key's label or CKA_ID), the chain from the other
// certificate objects on it. Tested with SoftHSM from Debian; pkcs11js (PeculiarVentures) is the binding.
import { createHash } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { parseCertificate, type SealSigner } from './cms.js';

export interface Pkcs11Options {
  module: string;
  token: string;
  pin: string;
  key: string;
}

export class Pkcs11Error extends Error {}

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
  const p11 = new pkcs11js.PKCS11();
  try {
    p11.load(options.module);
  } catch (error) {
    throw new Pkcs11Error(`the PKCS#11 module ${options.module} cannot be loaded: ${(error as Error).message}`);
  }
  p11.C_Initialize();
  const fail = (message: string): never => {
    p11.C_Finalize();
    throw new Pkcs11Error(message);
  };
  const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === options.token);
  if (slot === undefined) return fail(`no PKCS#11 token labelled "${options.token}" in ${options.module}`);
  const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
  try {
    p11.C_Login(session, pkcs11js.CKU_USER, options.pin);
  } catch (error) {
    // The PIN is never in the message; the token's own code (CKR_PIN_INCORRECT, CKR_PIN_LOCKED …) is.
    return fail(`cannot log in to the PKCS#11 token "${options.token}": ${(error as Error).message.split(':')[0]}`);
  }
  const find = (template: pkcs11js.Template) => {
    p11.C_FindObjectsInit(session, template);
    const found = p11.C_FindObjects(session, 100);
    p11.C_FindObjectsFinal(session);
    return found;
  };
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
  // One signature at a time on the session (PKCS#11 sessions are not re-entrant).
  let queue: Promise<unknown> = Promise.resolve();
  const signOnce = (data: Uint8Array): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      const mechanism = isEc ? pkcs11js.CKM_ECDSA : pkcs11js.CKM_SHA256_RSA_PKCS;
      const input = isEc ? createHash('sha256').update(data).digest() : Buffer.from(data);
      p11.C_SignInit(session, { mechanism }, key);
      p11.C_Sign(session, input, Buffer.alloc(512), (error, signature) => {
        if (error) reject(new Pkcs11Error(`the PKCS#11 token refused to sign: ${error.message}`));
        else resolve(isEc ? ecdsaDer(new Uint8Array(signature)) : new Uint8Array(signature));
      });
    });
  return {
    algorithm: isEc ? 'ES256' : 'RS256',
    certificates: [own.der, ...certificates.filter((c) => c !== own).map((c) => c.der)],
    describe: `PKCS#11 token "${options.token}", key "${options.key}"`,
    sign: (data) => {
      const next = queue.then(() => signOnce(data));
      queue = next.catch(() => undefined);
      return next;
    },
    close: () => {
      try {
        p11.C_Logout(session);
        p11.C_CloseSession(session);
      } finally {
        p11.C_Finalize();
      }
    },
  };
}

function keyTypeOf(value: unknown): number {
  if (Buffer.isBuffer(value)) return value.length >= 4 ? value.readUInt32LE(0) : (value[0] ?? -1);
  return Number(value);
}
