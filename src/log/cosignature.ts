// C2SP tlog-cosignature/v1 with Ed25519 (c2sp.org/tlog-cosignature): a witness's timestamped note signature over
// `cosignature/v1\ntime <t>\n` followed by the checkpoint body; its key ID is SHA-256(name ‖ 0x0A ‖ 0x04 ‖ key)[:4],
// its verifier key `<name>+<8 hex key ID>+<base64(0x04 ‖ key)>`.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** The signature type byte of an Ed25519 cosignature/v1 key (signed-note §verifier keys). */
const COSIGNATURE_V1 = 0x04;
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** `— <name> base64(key ID ‖ u64 timestamp ‖ signature)`: 4 + 8 + 64 bytes. */
const SIGNATURE_BYTES = 76;

export interface CosignatureVerifier {
  name: string;
  keyId: Buffer;
  key: KeyObject;
  /** The verifier key text it was parsed from. */
  verifierKey: string;
}

export interface Cosigner {
  name: string;
  keyId: Buffer;
  verifierKey: string;
  /** The signature line (ending in a newline) over a checkpoint body, timestamped `seconds`. */
  cosign(body: string, seconds: number): string;
}

export function cosignerKeyId(name: string, publicKey: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.of(COSIGNATURE_V1), publicKey]))
    .digest()
    .subarray(0, 4);
}

/** The exact message an Ed25519 cosignature/v1 signs. */
export function cosignedMessage(body: string, seconds: number): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${seconds}\n${body}`, 'utf8');
}

/** A key name per signed-note: non-empty, no whitespace, no '+'. */
export function isKeyName(name: string): boolean {
  return /^[^\s+]+$/u.test(name);
}

export function ed25519Cosigner(name: string, seed: Buffer): Cosigner {
  if (!isKeyName(name)) throw new Error('a witness name has no spaces and no "+"');
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = Buffer.from(spki.subarray(spki.length - 32));
  const keyId = cosignerKeyId(name, publicKey);
  return {
    name,
    keyId,
    verifierKey: `${name}+${keyId.toString('hex')}+${Buffer.concat([Buffer.of(COSIGNATURE_V1), publicKey]).toString('base64')}`,
    cosign(body, seconds) {
      if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new RangeError('a cosignature carries a timestamp');
      const time = Buffer.alloc(8);
      time.writeBigUInt64BE(BigInt(seconds));
      const signature = sign(null, cosignedMessage(body, seconds), privateKey);
      return `— ${name} ${Buffer.concat([keyId, time, signature]).toString('base64')}\n`;
    },
  };
}

/**
 * Parses a witness verifier key `<name>+<hex key ID>+<base64(0x04 ‖ key)>`.
 * @throws Error when it is malformed, not an Ed25519 cosignature/v1 key, or its key ID does not match
 */
export function parseCosignatureKey(text: string): CosignatureVerifier {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec(text.trim());
  if (!m) throw new Error('malformed witness verifier key');
  const [, name, hexId, b64] = m as unknown as [string, string, string, string];
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 33 || raw[0] !== COSIGNATURE_V1) {
    throw new Error('the witness verifier key is not an Ed25519 cosignature/v1 key (type 0x04)');
  }
  const keyId = cosignerKeyId(name, raw.subarray(1));
  if (keyId.toString('hex') !== hexId) throw new Error('the witness verifier key ID does not match its key');
  return {
    name,
    keyId,
    verifierKey: text.trim(),
    key: createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw.subarray(1)]), format: 'der', type: 'spki' }),
  };
}

/**
 * The cosignature of `verifier` among signature lines (one per line, as a witness answers add-checkpoint), checked
 * over `body`. Lines of other keys are ignored, as the spec requires of clients.
 * @returns the verified line (with its newline) and its timestamp, or null when there is none or it does not verify
 */
export function findCosignature(
  lines: string,
  body: string,
  verifier: CosignatureVerifier,
): { line: string; seconds: number } | null {
  for (const line of lines.split('\n')) {
    const m = /^— (\S+) ([A-Za-z0-9+/]+=*)$/.exec(line);
    if (!m || m[1] !== verifier.name) continue;
    const sig = Buffer.from(m[2]!, 'base64');
    if (sig.length !== SIGNATURE_BYTES || !sig.subarray(0, 4).equals(verifier.keyId)) continue;
    const seconds = sig.readBigUInt64BE(4);
    if (seconds === 0n || seconds > BigInt(Number.MAX_SAFE_INTEGER)) continue;
    if (!verify(null, cosignedMessage(body, Number(seconds)), verifier.key, sig.subarray(12))) continue;
    return { line: `${line}\n`, seconds: Number(seconds) };
  }
  return null;
}

/** The witness's key file: Go note's private key form with the cosignature type, `PRIVATE+KEY+<name>+<id>+<b64>`. */
export function formatCosignerKeyFile(name: string, seed: Buffer): string {
  const cosigner = ed25519Cosigner(name, seed);
  return `PRIVATE+KEY+${name}+${cosigner.keyId.toString('hex')}+${Buffer.concat([Buffer.of(COSIGNATURE_V1), seed]).toString('base64')}\n`;
}

/** @throws Error when the text is not a cosigner key file (the message never holds the key) */
export function parseCosignerKeyFile(text: string): Cosigner {
  const m = /^PRIVATE\+KEY\+([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec(text.trim());
  const raw = m ? Buffer.from(m[3]!, 'base64') : null;
  if (!m || !raw || raw.length !== 33 || raw[0] !== COSIGNATURE_V1) {
    throw new Error('not a witness key file (PRIVATE+KEY+<name>+<id>+<Ed25519 cosignature/v1 seed>)');
  }
  const cosigner = ed25519Cosigner(m[1]!, raw.subarray(1));
  if (cosigner.keyId.toString('hex') !== m[2]) throw new Error('the witness key file is damaged (key ID mismatch)');
  return cosigner;
}
