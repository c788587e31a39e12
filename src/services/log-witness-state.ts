// The witness's one piece of state (c2sp.org/tlog-witness): per log origin, the latest checkpoint it cosigned. A JSON
// file replaced atomically (temporary file, fsync, rename, directory fsync) before the witness answers, so a crash
// never leaves it cosigning a size it has not recorded.
import fs from 'node:fs';
import path from 'node:path';

export interface WitnessedLog {
  size: number;
  /** base64 root hash of that checkpoint */
  root: string;
  /** The checkpoint with the log's verified signature and this witness's cosignature (the monitoring answer). */
  checkpoint: string;
}

export interface WitnessState {
  logs: Record<string, WitnessedLog>;
}

/** @throws Error when the file exists but is not a witness state */
export function readWitnessState(file: string): WitnessState {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { logs: {} };
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<WitnessState>;
  if (typeof parsed.logs !== 'object' || parsed.logs === null) throw new Error(`${file} is not a witness state file`);
  for (const [origin, log] of Object.entries(parsed.logs)) {
    if (!Number.isSafeInteger(log.size) || log.size < 0 || typeof log.root !== 'string') {
      throw new Error(`${file}: the entry of ${origin} is damaged`);
    }
  }
  return { logs: parsed.logs };
}

export function writeWitnessState(file: string, state: WitnessState): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  const dirFd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}
