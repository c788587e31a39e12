// What the last passing audit vouched for — the log's size and root (with the stream hash of its leaves and its
// frontier), how many versions were stored, the audit chain's head — kept in a file OUTSIDE the database (by default `audit-state.json` in the issued-numbers directory,
// ESURETY_NUMBERS_DIR, where log-hold.ts keeps the last published checkpoint for the same reason; or `--state
// <file>`): an insider who edits the database cannot move it forward, so the next incremental audit still compares
// the stored leaves with the root audited before. Written only after an audit without findings.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const AUDIT_STATE_FILE = 'audit-state.json';

const stateSchema = z.strictObject({
  size: z.number().int().nonnegative(),
  root: z.string().regex(/^[A-Za-z0-9+/]{43}=$/),
  /** SHA-256 over the leaf digests 0 … size-1 in index order (audit-log-leaves.ts). */
  leaves: z.string().regex(/^[A-Za-z0-9+/]{43}=$/),
  /** The tree's right edge: the complete subtrees' hashes, largest first. */
  frontier: z.array(z.string().regex(/^[A-Za-z0-9+/]{43}=$/)),
  versions: z.number().int().nonnegative(),
  auditHead: z.strictObject({ id: z.number().int().positive(), hash: z.string() }).nullable(),
  at: z.string(),
});

export type AuditState = z.infer<typeof stateSchema>;

export class AuditStateError extends Error {
  override name = 'AuditStateError';
}

/**
 * @returns the recorded state, or null when there is none yet (the first audit is a full one)
 * @throws AuditStateError when the file exists but is not an audit state (never silently treated as absent)
 */
export function readAuditState(file: string): AuditState | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AuditStateError(`cannot read the audit state ${file}: ${(error as Error).message}`);
  }
  try {
    return stateSchema.parse(JSON.parse(text));
  } catch {
    throw new AuditStateError(`${file} is not an audit state; move it away and run \`audit --full\``);
  }
}

/** Temporary file, fsync, rename: a crash leaves the old state or the new one, never half of one. */
export function writeAuditState(file: string, state: AuditState): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}
