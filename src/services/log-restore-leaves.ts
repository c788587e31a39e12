// `log:restore-leaves --from <url|dir>` (issue 18 item 3): after a rollback, the leaves a published checkpoint covered
// but the restored database lacks come back from a mirror of the public log — another instance's /log/entries/*, or
// a directory of entries a monitor kept — and go in only if, with the leaves still held, they reproduce that signed
// checkpoint's root exactly. They are inserted as leaves whose version was lost (audit reports them so), so the log
// resumes at the next index without reissuing one.
import fs from 'node:fs';
import path from 'node:path';
import { writeTransaction } from '../../db/connection.js';
import { Frontier, leafHash } from '../log/merkle.js';
import { openNote, parseCheckpointBody, parseVerifierKey, type Checkpoint } from '../log/note.js';
import { DomainError } from '../errors.js';
import { insertAudit } from '../repositories/audit-log.js';
import {
  insertRestoredLeaves,
  latestCheckpoint,
  listLeafDigests,
  raiseLogHead,
} from '../repositories/transparency-log.js';
import type { Actor, ServiceContext } from './context.js';
import { readRecordedCheckpointNote } from './log-hold.js';
import { largestWitnessedSize } from '../repositories/log-witnesses.js';

/** Where missing entries come from: the leaf input (32 bytes) at an index. */
export interface LeafSource {
  /** For reports and the audit row: a URL without credentials, or a directory. */
  name: string;
  read(index: number): Promise<Buffer>;
  /** The mirror's signed checkpoint (`/log/checkpoint`, or a file `checkpoint` in the directory), when it has one. */
  checkpoint(): Promise<string | null>;
}

const CHUNK = 10_000;
const READERS = 16;

/**
 * A mirror: an http(s) base URL whose `/log/entries/{index}` answers as §12 says, or a directory holding one file per
 * index (named by the index, the base64 leaf input as that route serves it).
 */
export function leafSourceOf(
  from: string,
  fetchFn: (url: string, init?: RequestInit) => Promise<Response> = fetch,
): LeafSource {
  if (/^https?:\/\//i.test(from)) {
    const url = new URL(from);
    // Basic credentials of a private mirror go in a header: fetch refuses a URL that holds them (and its error would
    // print them), and they stay out of reports and the audit row.
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    url.username = '';
    url.password = '';
    const init: RequestInit =
      user || password
        ? { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } }
        : {};
    const base = url.toString().replace(/\/+$/, '');
    return {
      name: base,
      async read(index) {
        const res = await fetchFn(`${base}/log/entries/${index}`, init);
        if (res.status !== 200)
          throw new DomainError('conflict', `ミラーがエントリ ${index} に ${res.status} を返しました`);
        return entryBytes(await res.text(), index);
      },
      async checkpoint() {
        const res = await fetchFn(`${base}/log/checkpoint`, init);
        return res.status === 200 ? await res.text() : null;
      },
    };
  }
  const dir = path.resolve(from);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new DomainError('bad_request', `--from は http(s) の URL かエントリのディレクトリです: ${dir} がありません`);
  }
  return {
    name: dir,
    async read(index) {
      const file = path.join(dir, String(index));
      if (!fs.existsSync(file)) throw new DomainError('conflict', `エントリ ${index} のファイル ${file} がありません`);
      return entryBytes(fs.readFileSync(file, 'utf8'), index);
    },
    async checkpoint() {
      const file = path.join(dir, 'checkpoint');
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    },
  };
}

function entryBytes(text: string, index: number): Buffer {
  const trimmed = text.trim();
  const bytes = Buffer.from(trimmed, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== trimmed) {
    throw new DomainError('conflict', `エントリ ${index} は 32 バイトのダイジェスト（base64）ではありません`);
  }
  return bytes;
}

/** The last checkpoint this deployment published, checked with its own log key: the database's or the outside record. */
function lastPublished(ctx: ServiceContext, dbNote: string | undefined): (Checkpoint & { note: string }) | null {
  const verifier = parseVerifierKey(ctx.logSigner.verifierKey);
  let best: (Checkpoint & { note: string }) | null = null;
  for (const note of [dbNote, readRecordedCheckpointNote(ctx.config.numbersDir)]) {
    if (!note) continue;
    const opened = openNote(note, verifier);
    const body = opened.ok ? parseCheckpointBody(opened.body) : null;
    if (!body) throw new Error(`a recorded log checkpoint is not signed by this log's key (${ctx.config.numbersDir})`);
    if (!best || body.size > best.size) best = { ...body, note };
  }
  return best;
}

/** Reads entries a few at a time (a mirror over HTTP answers one entry per request). */
async function readAll(source: LeafSource, indices: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  let next = 0;
  const lane = async () => {
    while (next < indices.length) {
      const i = indices[next++]!;
      try {
        out.set(i, (await source.read(i)).toString('base64'));
      } catch (error) {
        next = indices.length; // the other readers stop too: the restore fails as a whole
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READERS, indices.length) }, lane));
  return out;
}

export interface RestoreLeavesResult {
  checkpoint: number;
  restored: number[];
}

/**
 * Restores the leaves missing below the last published checkpoint from `source`, all or none.
 * @throws DomainError conflict when the mirror's entries (with the leaves held) do not reproduce the checkpoint's
 *   signed root, or the mirror lacks one; nothing is written then
 */
export async function restoreLogLeaves(
  ctx: ServiceContext,
  actor: Actor,
  source: LeafSource,
): Promise<RestoreLeavesResult> {
  let target = lastPublished(ctx, (await latestCheckpoint(ctx.db))?.note);
  // A witness that cosigned more than both this database and the record outside it knows (the hold's
  // behind_witness): the checkpoint of that size comes from the mirror, and only if this log's key signed it.
  const witnessed = await largestWitnessedSize(ctx.db);
  if (witnessed !== null && witnessed > (target?.size ?? 0)) {
    const note = await source.checkpoint();
    const opened = note ? openNote(note, parseVerifierKey(ctx.logSigner.verifierKey)) : null;
    const body = opened?.ok ? parseCheckpointBody(opened.body) : null;
    if (!note || !body || body.size < witnessed) {
      throw new DomainError(
        'conflict',
        `ウィットネスが署名したツリーサイズ ${witnessed} 以上のチェックポイントを、このログの鍵で署名されたものとしてミラー` +
          `（${source.name}）から取得できません`,
      );
    }
    target = { ...body, note };
  }
  if (!target || target.size === 0) return { checkpoint: 0, restored: [] };
  const frontier = new Frontier();
  const restored: { idx: number; digest: string }[] = [];
  for (let start = 0; start < target.size; start += CHUNK) {
    const end = Math.min(target.size, start + CHUNK);
    const held = new Map((await listLeafDigests(ctx.db, start, end)).map((r) => [Number(r.idx), r.digest]));
    const missing: number[] = [];
    for (let i = start; i < end; i++) if (!held.has(i)) missing.push(i);
    const fetched = await readAll(source, missing);
    for (let i = start; i < end; i++) {
      let digest = held.get(i);
      if (digest === undefined) {
        digest = fetched.get(i)!;
        restored.push({ idx: i, digest });
      }
      frontier.append(leafHash(Buffer.from(digest, 'base64')));
    }
  }
  if (restored.length === 0) return { checkpoint: target.size, restored: [] };
  if (!Buffer.from(frontier.root()).equals(target.root)) {
    throw new DomainError(
      'conflict',
      `ミラー（${source.name}）のエントリでは公開済みチェックポイント（サイズ ${target.size}）の署名済みルートを再現できません。` +
        '何も書き込んでいません',
    );
  }
  const at = ctx.clock().toISOString();
  await writeTransaction(ctx.db, async (tx) => {
    await insertRestoredLeaves(tx, restored, at);
    await raiseLogHead(tx, target.size);
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'log.leaves_restored',
      contract_number: null,
      detail: JSON.stringify({
        from: source.name,
        checkpoint: target.size,
        count: restored.length,
        first: restored[0]!.idx,
        last: restored[restored.length - 1]!.idx,
      }),
    });
  });
  return { checkpoint: target.size, restored: restored.map((r) => r.idx) };
}
