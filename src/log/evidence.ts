// The log evidence a document carries (`transparency-log.json`, issue 18 item 2) and its offline check: the inclusion
// proof of the version's leaf against the attached checkpoint, the checkpoint's signature against the log key, and
// SHA-256 of the attached JWS as the leaf. Pure: the verifier runs it on a file's bytes with no database.
import { createHash } from 'node:crypto';
import { leafHash, verifyInclusion } from './merkle.js';
import { openNote, parseCheckpointBody, parseVerifierKey } from './note.js';

/** The attachment's file name in certificate and receipt PDFs. */
export const LOG_EVIDENCE_FILE = 'transparency-log.json';

/** What the attachment holds: hashes base64 with padding, the proof from the leaf up (DESIGN §12). */
export interface LogEvidenceFile {
  index: number;
  size: number;
  leafHash: string;
  proof: string[];
  /** The checkpoint's signed note, exactly as GET /log/checkpoint served it. */
  checkpoint: string;
  /** The log's verifier key, as GET /log/key serves it. */
  key: string;
}

export type LogInclusion =
  | { status: 'verified'; index: number; size: number; keyConfirmed: boolean }
  | { status: 'failed'; reason: string }
  | { status: 'absent' };

const B64_HASH = /^[A-Za-z0-9+/]{43}=$/;

function parseEvidence(bytes: Uint8Array): LogEvidenceFile | null {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  const e = json as Partial<LogEvidenceFile> | null;
  const ok =
    e !== null &&
    typeof e === 'object' &&
    Number.isSafeInteger(e.index) &&
    Number.isSafeInteger(e.size) &&
    typeof e.leafHash === 'string' &&
    B64_HASH.test(e.leafHash) &&
    Array.isArray(e.proof) &&
    e.proof.every((p) => typeof p === 'string' && B64_HASH.test(p)) &&
    typeof e.checkpoint === 'string' &&
    typeof e.key === 'string';
  return ok ? (e as LogEvidenceFile) : null;
}

/**
 * Checks a document's log evidence for the version JWS it carries. `knownKey` is the log's published verifier key
 * when the checker knows it (the platform's own, or `--log-key`); the attached key must then equal it. Every reason
 * is Japanese, for the officer's report.
 */
export function checkLogEvidence(file: Uint8Array | null, versionJws: string, knownKey: string | null): LogInclusion {
  if (!file) return { status: 'absent' };
  const evidence = parseEvidence(file);
  if (!evidence) return { status: 'failed', reason: `${LOG_EVIDENCE_FILE} の形式が正しくありません` };
  if (knownKey !== null && knownKey.trim() !== evidence.key.trim()) {
    return { status: 'failed', reason: '添付のログ公開鍵が、公開されている透明性ログの公開鍵と異なります' };
  }
  let verifier;
  try {
    verifier = parseVerifierKey(evidence.key);
  } catch {
    return { status: 'failed', reason: '添付のログ公開鍵の形式が正しくありません' };
  }
  const opened = openNote(evidence.checkpoint, verifier);
  if (!opened.ok) {
    return {
      status: 'failed',
      reason:
        opened.problem === 'bad_signature'
          ? 'チェックポイントの署名がログ公開鍵で検証できません'
          : 'チェックポイントにログ公開鍵の署名がありません',
    };
  }
  const checkpoint = parseCheckpointBody(opened.body);
  if (!checkpoint || checkpoint.origin !== verifier.name) {
    return { status: 'failed', reason: 'チェックポイントの形式または origin が正しくありません' };
  }
  if (checkpoint.size !== evidence.size) {
    return {
      status: 'failed',
      reason: `証明のツリーサイズ（${evidence.size}）がチェックポイント（${checkpoint.size}）と異なります`,
    };
  }
  const leaf = leafHash(createHash('sha256').update(versionJws, 'ascii').digest());
  if (Buffer.from(leaf).toString('base64') !== evidence.leafHash) {
    return { status: 'failed', reason: '添付の署名データの SHA-256 がログの葉と一致しません' };
  }
  const proof = evidence.proof.map((p) => Buffer.from(p, 'base64'));
  if (!verifyInclusion(evidence.index, evidence.size, leaf, proof, checkpoint.root)) {
    return { status: 'failed', reason: `包含証明がチェックポイントのルートと一致しません（索引 ${evidence.index}）` };
  }
  return { status: 'verified', index: evidence.index, size: evidence.size, keyConfirmed: knownKey !== null };
}
