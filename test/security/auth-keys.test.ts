// The stored key copy (DESIGN §2: JWE dir/A256GCM): what the vault writes is a standard compact JWE that jose reads,
// copies written earlier by jose still open, and a changed byte is refused.
import { randomBytes } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuthKeyVault } from '../../src/security/auth-keys.js';

const encryptionKey = randomBytes(32);
const vault = createAuthKeyVault(randomBytes(32).toString('base64url'), encryptionKey.toString('base64url'));

describe('the key vault', () => {
  it('writes a compact JWE (dir, A256GCM) that jose decrypts, with a fresh IV each time', async () => {
    const jwe = await vault.encrypt('qL8G3rmqDjq9');
    const [header, encryptedKey, iv, ciphertext, tag] = jwe.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'dir', enc: 'A256GCM' });
    expect(encryptedKey).toBe('');
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(ciphertext!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
    const { plaintext } = await compactDecrypt(jwe, new Uint8Array(encryptionKey));
    expect(new TextDecoder().decode(plaintext)).toBe('qL8G3rmqDjq9');
    expect(await vault.encrypt('qL8G3rmqDjq9')).not.toBe(jwe);
    expect(await vault.decrypt(jwe)).toBe('qL8G3rmqDjq9');
  });

  it('opens copies written by jose before, and refuses one changed byte', async () => {
    const old = await new CompactEncrypt(new TextEncoder().encode('7kjU3hpJCGFL'))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(new Uint8Array(encryptionKey));
    expect(await vault.decrypt(old)).toBe('7kjU3hpJCGFL');
    const jwe = await vault.encrypt('7kjU3hpJCGFL');
    const parts = jwe.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64url');
    await expect(vault.decrypt(parts.join('.'))).rejects.toThrow();
  });
});
