// A real witness for the log tests: its key made by `log:witness-key`, the `log:witness` process, and the check of a
// cosignature line written from the tlog-cosignature text alone (not from src/log).
import { spawn, type ChildProcess } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { cli, ROOT } from '../ops/process.js';
import { sha256 } from './support.js';

export const WITNESS_NAME = 'witness.example.jp/w1';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The witness's verifier key checked from the tlog-cosignature text: name+id+base64(0x04 ‖ key), id from 0x04. */
function witnessPublicKey(verifierKey: string) {
  // <name>+<8 hex>+<base64>: the base64 may itself hold '+'.
  const plus = verifierKey.indexOf('+');
  const [name, hexId, b64] = [
    verifierKey.slice(0, plus),
    verifierKey.slice(plus + 1, plus + 9),
    verifierKey.slice(plus + 10),
  ];
  const raw = Buffer.from(b64, 'base64');
  expect(raw.length).toBe(33);
  expect(raw[0]).toBe(0x04);
  const keyId = sha256(Buffer.from(`${name}\n`), Buffer.of(0x04), raw.subarray(1)).subarray(0, 4);
  expect(keyId.toString('hex')).toBe(hexId);
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.subarray(1).toString('base64url') },
    format: 'jwk',
  });
  return { name, keyId, key };
}

/** Checks the witness's line on a served note as the spec defines the Ed25519 cosignature/v1 message. */
export function checkCosignature(note: string, verifierKey: string): { time: number } {
  const { name, keyId, key } = witnessPublicKey(verifierKey);
  const at = note.indexOf('\n\n');
  const body = note.slice(0, at + 1);
  const lines = note.slice(at + 2, -1).split('\n');
  const line = lines.find((l) => l.startsWith(`— ${name} `));
  if (!line) throw new Error('no cosignature line of the witness');
  const raw = Buffer.from(line.slice(`— ${name} `.length), 'base64');
  expect(raw.length).toBe(4 + 8 + 64);
  expect(raw.subarray(0, 4).equals(keyId)).toBe(true);
  const time = Number(raw.readBigUInt64BE(4));
  const message = Buffer.from(`cosignature/v1\ntime ${time}\n${body}`, 'utf8');
  if (!verify(null, message, key, raw.subarray(12))) throw new Error('the cosignature does not verify');
  return { time };
}

export interface Witness {
  url: string;
  verifierKey: string;
  stateFile: string;
  child: ChildProcess;
  /** What the witness printed about refused submissions. */
  stderr: () => string;
}

/** A witness key made by the real command (never printed, mode 0600), and a free port for the witness. */
export async function prepareWitness(cleanup: (() => Promise<void>)[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-witness-'));
  cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const keyFile = path.join(dir, 'witness.key');
  const made = cli(['log:witness-key', '--key-file', keyFile, '--name', WITNESS_NAME], {});
  expect(made.code).toBe(0);
  expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
  const secret = fs.readFileSync(keyFile, 'utf8').trim().split('+').slice(4).join('+');
  expect(secret).toMatch(/^[A-Za-z0-9+/]{44}$/);
  expect(made.stdout + made.stderr).not.toContain(secret);
  const verifierKey = made.stdout.trim();
  const again = cli(['log:witness-key', '--key-file', keyFile, '--name', WITNESS_NAME], {});
  expect(again.code).toBe(1);
  return { dir, keyFile, verifierKey, port: await freePort() };
}

export async function startWitness(
  cleanup: (() => Promise<void>)[],
  prep: Awaited<ReturnType<typeof prepareWitness>>,
  logKey: string,
): Promise<Witness> {
  const stateFile = path.join(prep.dir, 'state.json');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli.ts',
      'log:witness',
      '--listen',
      String(prep.port),
      '--key-file',
      prep.keyFile,
      '--state',
      stateFile,
      '--log',
      logKey,
    ],
    { cwd: ROOT, env: process.env },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  cleanup.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
  const deadline = Date.now() + 30_000;
  while (!/witness listening on/.test(stdout)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`witness did not start: ${stdout}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${prep.port}`,
    verifierKey: prep.verifierKey,
    stateFile,
    child,
    stderr: () => stderr,
  };
}
