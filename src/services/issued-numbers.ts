// The high-water mark of contract numbers kept OUTSIDE the database (ESURETY_NUMBERS_DIR, default
// <data dir>/issued-numbers): a restored database forgets the numbers it handed out after its backup, this does not.
// One small file per office holding the last number issued (e.g. `10001-000123`), written durably after the
// publication that takes the number commits and before it is answered, so no answer ever carries a number this file
// has not seen, and a crash before the commit never leaves the file ahead of the database (number-hold.ts).
import fs from 'node:fs';
import path from 'node:path';
import { formatContractNumber, isContractNumber } from '../domain/identifiers.js';

const OFFICE = /^\d{5}$/;

/** Every office's last number recorded here, as { officeCode: sequence }; null when the directory does not exist. */
export function readIssuedNumbers(dir: string): Record<string, number> | null {
  if (!fs.existsSync(dir)) return null;
  const numbers: Record<string, number> = {};
  for (const name of fs.readdirSync(dir)) {
    if (!OFFICE.test(name)) continue;
    const text = fs.readFileSync(path.join(dir, name), 'utf8').trim();
    if (!isContractNumber(text) || !text.startsWith(`${name}-`)) {
      throw new Error(`${path.join(dir, name)} does not hold a contract number of office ${name}: "${text}"`);
    }
    numbers[name] = Number(text.slice(6));
  }
  return numbers;
}

/**
 * Records that `sequence` was issued for the office, unless a higher one is recorded already. Synchronous, so the
 * records of one process never interleave (instances on PostgreSQL each keep their own directory). Temporary file,
 * fsync, rename: the file is always whole, and its content is on disk before the publication is answered.
 * @throws the file system's error (the publication then fails and rolls back: better no number than a forgettable one)
 */
export function recordIssuedNumber(dir: string, officeCode: string, sequence: number): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, officeCode);
  const current = readOne(file);
  if (current !== null && current >= sequence) return;
  const temp = path.join(dir, `.${officeCode}.${process.pid}.tmp`);
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.writeSync(fd, `${formatContractNumber(officeCode, sequence)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  // No fsync of the directory: should a power failure undo the rename, the file is BEHIND the database,
  // which start-up repairs from the database (only a file AHEAD of the database means forgotten numbers). That
  // saves one of the two flushes this adds to a publication (≈19 ms → ≈10 ms on the test VM).
  fs.renameSync(temp, file);
}

/** Creates the directory (empty: no office has taken a number through it yet). */
export function ensureIssuedNumbersDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

function readOne(file: string): number | null {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    return isContractNumber(text) ? Number(text.slice(6)) : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
