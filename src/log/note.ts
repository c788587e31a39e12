// C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, and the tlog-checkpoint body they carry (DESIGN §12):
// `<origin>\n<size>\n<base64 root>\n`, an empty line, then `— <key name> <base64(key ID ‖ signature)>` lines.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

const ED25519 = 0x01;
/** The PKCS#8 DER prefix of an Ed25519 private key: followed by the 32-byte seed. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** The SPKI DER prefix of an Ed25519 public key: followed by the 32 raw bytes. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface NoteSigner {
  /** The key name, which is the log's origin. */
  name: string;
  /** Key ID = the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key). */
  keyId: Buffer;
  publicKey: Buffer;
  /** `<name>+<8 hex key ID>+<base64(0x01 ‖ public key)>` (GET /log/key). */
  verifierKey: string;
  sign(message: Buffer): Buffer;
}

export interface NoteVerifier {
  name: string;
  keyId: Buffer;
  key: KeyObject;
}

export function keyIdOf(name: string, publicKey: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.of(ED25519), publicKey]))
    .digest()
    .subarray(0, 4);
}

export function ed25519Signer(name: string, seed: Buffer): NoteSigner {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = Buffer.from(spki.subarray(spki.length - 32));
  const keyId = keyIdOf(name, publicKey);
  return {
    name,
    keyId,
    publicKey,
    verifierKey: `${name}+${keyId.toString('hex')}+${Buffer.concat([Buffer.of(ED25519), publicKey]).toString('base64')}`,
    sign: (message) => sign(null, message, privateKey),
  };
}

/**
 * Parses a verifier key `<name>+<hex key ID>+<base64(0x01 ‖ key)>`.
 * @throws Error when it is malformed, not Ed25519, or its key ID does not match
 */
export function parseVerifierKey(text: string): NoteVerifier {
  // The base64 key may itself hold '+': split at the first two only (as Go's note.NewVerifier does).
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec(text.trim());
  if (!m) throw new Error('malformed verifier key');
  const [, name, hexId, b64] = m as unknown as [string, string, string, string];
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 33 || raw[0] !== ED25519) throw new Error('the verifier key is not an Ed25519 key');
  const publicKey = raw.subarray(1);
  const keyId = keyIdOf(name, publicKey);
  if (keyId.toString('hex') !== hexId) throw new Error('the verifier key ID does not match its key');
  return {
    name,
    keyId,
    key: createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' }),
  };
}

/** A signed note of `body` (which ends in a newline) with one signature line. */
export function signNote(body: string, signer: NoteSigner): string {
  if (!body.endsWith('\n')) throw new Error('a note body ends in a newline');
  const signature = signer.sign(Buffer.from(body, 'utf8'));
  return `${body}\n— ${signer.name} ${Buffer.concat([signer.keyId, signature]).toString('base64')}\n`;
}

export type NoteProblem = 'malformed' | 'unsigned' | 'bad_signature';

/**
 * Opens a signed note and checks the signature of `verifier` on it (other signers' lines, e.g. witnesses, are kept
 * but not checked here).
 */
export function openNote(
  text: string,
  verifier: NoteVerifier,
): { ok: true; body: string } | { ok: false; problem: NoteProblem } {
  const split = text.lastIndexOf('\n\n');
  if (split < 0 || !text.endsWith('\n')) return { ok: false, problem: 'malformed' };
  const body = text.slice(0, split + 1);
  const lines = text.slice(split + 2, -1).split('\n');
  let found = false;
  for (const line of lines) {
    const m = /^— (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) return { ok: false, problem: 'malformed' };
    const sig = Buffer.from(m[2]!, 'base64');
    if (m[1] !== verifier.name || sig.length < 4 || !sig.subarray(0, 4).equals(verifier.keyId)) continue;
    found = true;
    if (sig.length !== 68 || !verify(null, Buffer.from(body, 'utf8'), verifier.key, sig.subarray(4))) {
      return { ok: false, problem: 'bad_signature' };
    }
  }
  return found ? { ok: true, body } : { ok: false, problem: 'unsigned' };
}

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
}

export function checkpointBody({ origin, size, root }: Checkpoint): string {
  return `${origin}\n${size}\n${root.toString('base64')}\n`;
}

/** Parses a tlog-checkpoint body; null when it is not one (extension lines after the root are allowed). */
export function parseCheckpointBody(body: string): Checkpoint | null {
  const lines = body.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') return null;
  const [origin, size, root] = lines as [string, string, string];
  if (!origin || !/^(0|[1-9][0-9]*)$/.test(size) || !/^[A-Za-z0-9+/]{43}=$/.test(root)) return null;
  const n = Number(size);
  if (!Number.isSafeInteger(n)) return null;
  return { origin, size: n, root: Buffer.from(root, 'base64') };
}
