// Independent checks for the log tests, written from RFC 6962 §2.1 and the C2SP signed-note / tlog-checkpoint specs
// (not from src/log): the reference tree hash, the key ID rule and Ed25519 signature checks of a checkpoint note.
import { createHash, createPublicKey, verify } from 'node:crypto';
import type { TestEnv } from '../support/harness.js';

export const sha256 = (...parts: (Uint8Array | string)[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

function split(n: number) {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}

/** MTH of RFC 6962 §2.1 over the leaf inputs. */
export function referenceRoot(inputs: Buffer[]): Buffer {
  if (inputs.length === 0) return sha256();
  if (inputs.length === 1) return sha256(Buffer.of(0), inputs[0]!);
  const k = split(inputs.length);
  return sha256(Buffer.of(1), referenceRoot(inputs.slice(0, k)), referenceRoot(inputs.slice(k)));
}

/** PATH(m, D[n]) of RFC 6962 §2.1.1, leaf up. */
export function referencePath(m: number, inputs: Buffer[]): Buffer[] {
  if (inputs.length <= 1) return [];
  const k = split(inputs.length);
  return m < k
    ? [...referencePath(m, inputs.slice(0, k)), referenceRoot(inputs.slice(k))]
    : [...referencePath(m - k, inputs.slice(k)), referenceRoot(inputs.slice(0, k))];
}

/** PROOF(m, D[n]) of RFC 6962 §2.1.2. */
export function referenceConsistency(m: number, inputs: Buffer[], complete = true): Buffer[] {
  if (m === inputs.length) return complete ? [] : [referenceRoot(inputs)];
  const k = split(inputs.length);
  return m <= k
    ? [...referenceConsistency(m, inputs.slice(0, k), complete), referenceRoot(inputs.slice(k))]
    : [...referenceConsistency(m - k, inputs.slice(k), false), referenceRoot(inputs.slice(0, k))];
}

export interface OpenedCheckpoint {
  origin: string;
  size: number;
  root: Buffer;
}

/** Parses `GET /log/key` and checks a checkpoint note's signature with it; throws on anything off. */
export function openCheckpoint(verifierKey: string, note: string): OpenedCheckpoint {
  // <name>+<hex id>+<base64 key>: the base64 may itself hold '+', so split at the first two only.
  const [name, hexId] = verifierKey.split('+') as [string, string];
  const keyB64 = verifierKey.slice(name.length + hexId.length + 2);
  const raw = Buffer.from(keyB64, 'base64');
  if (raw.length !== 33 || raw[0] !== 1) throw new Error('not an Ed25519 verifier key');
  const keyId = sha256(Buffer.from(`${name}\n`), Buffer.of(1), raw.subarray(1)).subarray(0, 4);
  if (keyId.toString('hex') !== hexId) throw new Error('key ID rule broken');
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.subarray(1).toString('base64url') },
    format: 'jwk',
  });
  const at = note.indexOf('\n\n');
  const body = note.slice(0, at + 1);
  const lines = note.slice(at + 2).split('\n');
  if (lines.pop() !== '') throw new Error('the note does not end in a newline');
  const mine = lines.filter((l) => l.startsWith(`— ${name} `));
  if (mine.length !== 1) throw new Error('no signature line of the log key');
  const sig = Buffer.from(mine[0]!.slice(`— ${name} `.length), 'base64');
  if (!sig.subarray(0, 4).equals(keyId) || !verify(null, Buffer.from(body), publicKey, sig.subarray(4))) {
    throw new Error('bad signature');
  }
  const [origin, size, root, rest] = body.split('\n');
  if (rest !== '' || !/^[A-Za-z0-9+/]{43}=$/.test(root!)) throw new Error('not a checkpoint body');
  return { origin: origin!, size: Number(size), root: Buffer.from(root!, 'base64') };
}

export async function getText(env: TestEnv, path: string): Promise<{ status: number; text: string; type: string }> {
  const res = await env.app.request(path);
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}

/** Every leaf input 0 … size-1 as the public routes serve them. */
export async function fetchEntries(env: TestEnv, size: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < size; i++) out.push(Buffer.from((await getText(env, `/log/entries/${i}`)).text, 'base64'));
  return out;
}
