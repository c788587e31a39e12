// Authentication-key storage (DESIGN §2): HMAC-SHA256 with a pepper for checking, JWE dir/A256GCM for reprinting.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';

export interface AuthKeyVault {
  hmac(contractNumber: string, authKey: string): string;
  /** Constant-time comparison; `storedHmac` null (unknown number) still costs one HMAC, so timing reveals nothing. */
  matches(contractNumber: string, authKey: string, storedHmac: string | null): boolean;
  encrypt(authKey: string): Promise<string>;
  decrypt(jwe: string): Promise<string>;
}

// Compared against when the number is unknown: same length as a real HMAC, matches nothing.
const DUMMY = '0'.repeat(64);

export function createAuthKeyVault(pepper: string, encryptionKey: string): AuthKeyVault {
  const pepperBytes = Buffer.from(pepper, 'base64url');
  const encKey = new Uint8Array(Buffer.from(encryptionKey, 'base64url'));
  const encoder = new TextEncoder();
  const hmac = (contractNumber: string, authKey: string) =>
    createHmac('sha256', pepperBytes).update(`${contractNumber}:${authKey}`).digest('hex');
  return {
    hmac,
    matches(contractNumber, authKey, storedHmac) {
      const actual = Buffer.from(hmac(contractNumber, authKey), 'hex');
      const expected = Buffer.from(storedHmac ?? DUMMY, 'hex');
      return expected.length === actual.length && timingSafeEqual(actual, expected) && storedHmac !== null;
    },
    async encrypt(authKey) {
      return new CompactEncrypt(encoder.encode(authKey))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .encrypt(encKey);
    },
    async decrypt(jwe) {
      const { plaintext } = await compactDecrypt(jwe, encKey, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      return new TextDecoder().decode(plaintext);
    },
  };
}
