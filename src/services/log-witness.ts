// A tlog-witness (c2sp.org/tlog-witness) for transparency logs such as this platform's: `POST /add-checkpoint`
// verifies the log's signature and the consistency proof from the size it last cosigned, records the new checkpoint,
// and answers its Ed25519 cosignature/v1 line; `GET /<sha256(origin) hex>/checkpoint` serves the last cosigned one.
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { verifyConsistency } from '../log/merkle.js';
import { openNote, parseCheckpointBody, type NoteVerifier } from '../log/note.js';
import type { Cosigner } from '../log/cosignature.js';
import { parseAddCheckpoint } from '../log/witness-protocol.js';
import { readWitnessState, writeWitnessState, type WitnessState } from './log-witness-state.js';

const EMPTY_ROOT = createHash('sha256').digest();
const TEXT = { 'content-type': 'text/plain; charset=utf-8' } as const;

export interface WitnessOptions {
  cosigner: Cosigner;
  /** Trusted log keys; a key's name is the log's origin (DESIGN §12). */
  logs: NoteVerifier[];
  stateFile: string;
  /** Seconds since the epoch (the cosignature's timestamp). */
  now?: () => number;
  /** Told of every refused submission: a 422 from a log whose signature verified may be evidence of a fork. */
  onRefusal?: (status: number, reason: string) => void;
}

type Answer = { status: 200 | 400 | 403 | 404 | 409 | 422; body: string; type?: string; reason?: string };

/**
 * The add-checkpoint decision, in the spec's order of checks. Synchronous from reading the state to writing it:
 * Node runs it to the end before another request's check, so two requests can never both pass against one old size
 * (the spec's rollback race).
 */
function addCheckpoint(options: WitnessOptions, text: string): Answer {
  const request = parseAddCheckpoint(text);
  if (!request) return { status: 400, body: 'malformed add-checkpoint request\n' };
  const split = request.note.indexOf('\n\n');
  const checkpoint = split < 0 ? null : parseCheckpointBody(request.note.slice(0, split + 1));
  if (!checkpoint) return { status: 400, body: 'malformed checkpoint\n' };
  const verifiers = options.logs.filter((v) => v.name === checkpoint.origin);
  if (verifiers.length === 0) return { status: 404, body: 'unknown log origin\n' };
  const opened = verifiers.map((v) => ({ v, result: openNote(request.note, v) }));
  if (opened.some((o) => !o.result.ok && o.result.problem === 'malformed')) {
    return { status: 400, body: 'malformed signed note\n' };
  }
  if (opened.some((o) => !o.result.ok && o.result.problem === 'bad_signature') || !opened.some((o) => o.result.ok)) {
    return { status: 403, body: 'no valid signature of a trusted key for this log\n' };
  }
  if (request.oldSize > checkpoint.size) return { status: 400, body: 'old size is larger than the checkpoint\n' };
  const state = readWitnessState(options.stateFile);
  const known = state.logs[checkpoint.origin];
  const knownSize = known?.size ?? 0;
  if (request.oldSize !== knownSize) {
    return {
      status: 409,
      body: `${knownSize}\n`,
      type: 'text/x.tlog.size',
      reason: `${checkpoint.origin}: old size ${request.oldSize}, the last cosigned is ${knownSize}`,
    };
  }
  if (checkpoint.size === 0 && !checkpoint.root.equals(EMPTY_ROOT)) {
    return { status: 422, body: 'a checkpoint of size 0 has the empty root\n' };
  }
  const consistent =
    request.oldSize === 0
      ? request.proof.length === 0
      : verifyConsistency(
          request.oldSize,
          checkpoint.size,
          request.proof,
          Buffer.from(known!.root, 'base64'),
          checkpoint.root,
        );
  if (!consistent) {
    return {
      status: 422,
      body: 'the consistency proof does not verify\n',
      reason: `${checkpoint.origin}: size ${checkpoint.size} root ${checkpoint.root.toString('base64')} is not consistent with the cosigned size ${knownSize} root ${known?.root ?? '(empty)'}`,
    };
  }
  const body = request.note.slice(0, split + 1);
  const line = options.cosigner.cosign(body, (options.now ?? (() => Math.floor(Date.now() / 1000)))());
  const logLines = request.note
    .slice(split + 2)
    .split('\n')
    .filter((l) => verifiers.some((v) => l.startsWith(`— ${v.name} `)))
    .map((l) => `${l}\n`);
  const next: WitnessState = {
    logs: {
      ...state.logs,
      [checkpoint.origin]: {
        size: checkpoint.size,
        root: checkpoint.root.toString('base64'),
        checkpoint: `${body}\n${logLines.join('')}${line}`,
      },
    },
  };
  writeWitnessState(options.stateFile, next);
  return { status: 200, body: line };
}

export function witnessApp(options: WitnessOptions): Hono {
  const app = new Hono();
  // A checkpoint and 63 proof lines are a few kilobytes.
  app.post(
    '/add-checkpoint',
    bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.body('request too large\n', 413, TEXT) }),
    async (c) => {
      const answer = addCheckpoint(options, await c.req.text());
      if (answer.status !== 200) options.onRefusal?.(answer.status, answer.reason ?? answer.body.trim());
      return c.body(answer.body, answer.status, { 'content-type': answer.type ?? TEXT['content-type'] });
    },
  );
  app.get('/:originHash/checkpoint', (c) => {
    const state = readWitnessState(options.stateFile);
    const hash = c.req.param('originHash');
    const entry = Object.entries(state.logs).find(
      ([origin]) => createHash('sha256').update(origin, 'utf8').digest('hex') === hash,
    );
    return entry
      ? c.body(entry[1].checkpoint, 200, TEXT)
      : c.body('never cosigned a checkpoint of that log\n', 404, TEXT);
  });
  app.notFound((c) => c.body('not found\n', 404, TEXT));
  return app;
}
