// `log:witness-key` and `log:witness`: an outsider's witness process (no database, no platform secrets). The key
// file is created once, mode 0600, and never printed; only its public verifier key is.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { formatCosignerKeyFile, isKeyName, parseCosignerKeyFile } from '../log/cosignature.js';
import { parseVerifierKey, type NoteVerifier } from '../log/note.js';
import { readWitnessState } from './log-witness-state.js';
import { witnessApp } from './log-witness.js';

/** `log:witness-key --key-file <file> --name <witness name>` */
export function witnessKeyCommand(file: string | undefined, name: string | undefined): number {
  if (!file || !name) {
    console.error('log:witness-key needs --key-file <new file> --name <witness name, e.g. witness.example.jp/w1>');
    return 2;
  }
  if (!isKeyName(name)) {
    console.error('the witness name must not contain spaces or "+"');
    return 2;
  }
  let fd: number;
  try {
    // 'wx': never overwrite a witness key (its cosignatures would no longer verify under the published key).
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      console.error(`${file} already exists: a witness key is never replaced; choose a new path`);
      return 1;
    }
    throw error;
  }
  const seed = randomBytes(32);
  try {
    fs.writeSync(fd, formatCosignerKeyFile(name, seed));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(file, 0o600);
  console.error(`witness key written to ${file} (mode 0600); keep it secret. Its verifier key (public):`);
  console.log(parseCosignerKeyFile(fs.readFileSync(file, 'utf8')).verifierKey);
  return 0;
}

/** `log:witness --listen <port> [--host <addr>] --key-file <file> --state <file> --log <verifier key> …` */
export async function witnessCommand(options: {
  listen: string | undefined;
  host: string | undefined;
  keyFile: string | undefined;
  state: string | undefined;
  logs: string[];
}): Promise<number> {
  const port = Number(options.listen);
  if (!options.listen || !Number.isInteger(port) || port < 0 || port > 65535 || !options.keyFile || !options.state) {
    console.error('log:witness needs --listen <port> --key-file <file> --state <file> --log <log verifier key> …');
    return 2;
  }
  if (options.logs.length === 0) {
    console.error('log:witness needs at least one --log <verifier key> (GET /log/key of the platform)');
    return 2;
  }
  const mode = fs.statSync(options.keyFile).mode & 0o077;
  if (mode !== 0) {
    console.error(`${options.keyFile} is readable by others: chmod 600 it`);
    return 1;
  }
  const cosigner = parseCosignerKeyFile(fs.readFileSync(options.keyFile, 'utf8'));
  let logs: NoteVerifier[];
  try {
    logs = options.logs.map((k) => parseVerifierKey(k));
  } catch (error) {
    console.error(`--log: ${(error as Error).message}`);
    return 2;
  }
  readWitnessState(options.state); // a damaged state file stops the start, never resets the witness
  const server = serve({
    fetch: witnessApp({
      cosigner,
      logs,
      stateFile: options.state,
      // Kept by the operator: a refused, validly signed checkpoint may be the evidence of a log's misbehaviour.
      onRefusal: (status, reason) =>
        console.error(`${new Date().toISOString()} add-checkpoint refused ${status}: ${reason}`),
    }).fetch,
    port,
    hostname: options.host ?? '127.0.0.1',
  });
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => resolve(server.address() as AddressInfo));
  });
  console.log(`witness ${cosigner.verifierKey}`);
  console.log(
    `witness listening on http://${address.address}:${address.port} for ${logs.map((l) => l.name).join(', ')}`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}
