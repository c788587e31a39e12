// Authentication-key storage (DESIGN §2): HMAC-SHA256 with a pepper for checking, JWE dir/A256GCM for reprinting.
import { createCipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { compactDecrypt } from 'jose';

export interface AuthKeyVault {
  hmac(contractNumber: string, authKey: string): string;
  /** Constant-time comparison; `storedHmac` null (unknown number) still costs one HMAC, so timing reveals nothing. */
  matches(contractNumber: string, authKey: string, storedHmac: string | null): boolean;
  encrypt(authKey: string): Promise<string>;
  decrypt(jwe: string): Promise<string>;
}

// Compared against when the number is unknown: same length as a real HMAC, matches nothing.
const DUMMY = '0'.repeat(64);

/** The JWE protected header of every stored key, base64url (also the AES-GCM additional data, RFC 7516 §5.1). */
const JWE_HEADER = Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM' })).toString('base64url');

export function createAuthKeyVault(pepper: string, encryptionKey: string): AuthKeyVault {
  const pepperBytes = Buffer.from(pepper, 'base64url');
  const encKey = new Uint8Array(Buffer.from(encryptionKey, 'base64url'));
  // Imported once for decryption: given raw bytes, jose imports the key into WebCrypto on every call.
  let cryptoKey: Promise<CryptoKey> | undefined;
  const aesKey = () => (cryptoKey ??= crypto.subtle.importKey('raw', encKey, 'AES-GCM', false, ['decrypt']));
  const hmac = (contractNumber: string, authKey: string) =>
    createHmac('sha256', pepperBytes).update(`${contractNumber}:${authKey}`).digest('hex');
  return {
    hmac,
    matches(contractNumber, authKey, storedHmac) {
      const actual = Buffer.from(hmac(contractNumber, authKey), 'hex');
      const expected = Buffer.from(storedHmac ?? DUMMY, 'hex');
      return expected.length === actual.length && timingSafeEqual(actual, expected) && storedHmac !== null;
    },
    // The compact JWE (alg dir, enc A256GCM) built with node:crypto in a few microseconds: through jose it goes via
    // WebCrypto's thread pool, which was the largest single cost of a bulk-import publication. jose decrypts it (the
    // serialisation is RFC 7516's: header, empty encrypted key, 96-bit IV, ciphertext, 128-bit tag).
    async encrypt(authKey) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      cipher.setAAD(Buffer.from(JWE_HEADER, 'ascii'));
      const ciphertext = Buffer.concat([cipher.update(authKey, 'utf8'), cipher.final()]);
      return [JWE_HEADER, '', iv, ciphertext, cipher.getAuthTag()]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    async decrypt(jwe) {
      const { plaintext } = await compactDecrypt(jwe, await aesKey(), {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      return new TextDecoder().decode(plaintext);
    },
  };
}
