// log:monitor's check of the daily checkpoint time-stamps (DESIGN §12): for every stamp of a checkpoint within the
// tree it has verified, the stamped note is signed by the log key and consistent with that tree, the token parses,
// is signed by the certificate it carries, covers SHA-256 of the note and carries a plausible time (not in the
// future, not before the stamp of a smaller checkpoint).
import { verifyConsistency } from '../log/merkle.js';
import { openNote, parseCheckpointBody, type NoteVerifier } from '../log/note.js';
import { checkpointImprint, readTimestampReply, TimestampReadError } from '../log/timestamp.js';

type Fetch = (url: string) => Promise<Response>;

/** How far a stamp's time may run ahead of this machine's clock (clock skew), in ms. */
const SKEW_MS = 5 * 60_000;

export interface StampProgress {
  /** Stamps of sizes up to this one were checked. */
  through: number;
  /** The time of the latest stamp checked (ISO), so a later stamp is never earlier. */
  time: string | null;
}

export interface VerifiedTree {
  size: number;
  root: Buffer;
}

export type StampCheck = { ok: true; checked: number; progress: StampProgress } | { ok: false; violation: string };

class StampViolation extends Error {}

/** Checks the stamps listed after `since.through` that lie within `tree`. Never throws for what the log serves. */
export async function checkStamps(
  fetchFn: Fetch,
  base: string,
  verifier: NoteVerifier,
  tree: VerifiedTree,
  since: StampProgress,
  now: Date,
): Promise<StampCheck> {
  let progress = since;
  let checked = 0;
  try {
    for (;;) {
      const res = await fetchFn(`${base}/log/timestamps?after=${progress.through}`);
      // A platform without time-stamps at all (an older version) answers 404: nothing to check.
      if (res.status === 404) break;
      if (res.status !== 200) throw new StampViolation(`GET ${base}/log/timestamps answered ${res.status}`);
      const page = (await res.json().catch(() => null)) as { sizes?: unknown; next?: unknown } | null;
      if (!Array.isArray(page?.sizes) || !page.sizes.every((s) => Number.isSafeInteger(s) && s > progress.through)) {
        throw new StampViolation('the list of time-stamped checkpoints is not a list of sizes');
      }
      const within = (page.sizes as number[]).filter((s) => s <= tree.size);
      for (const size of within) {
        progress = await checkStamp(fetchFn, base, verifier, tree, size, progress, now);
        checked++;
      }
      if (within.length < page.sizes.length || page.next === null) break;
    }
    return { ok: true, checked, progress };
  } catch (error) {
    if (error instanceof StampViolation) return { ok: false, violation: error.message };
    throw error;
  }
}

async function checkStamp(
  fetchFn: Fetch,
  base: string,
  verifier: NoteVerifier,
  tree: VerifiedTree,
  size: number,
  since: StampProgress,
  now: Date,
): Promise<StampProgress> {
  const noteRes = await fetchFn(`${base}/log/checkpoint/${size}`);
  if (noteRes.status !== 200) {
    throw new StampViolation(
      `the time-stamped checkpoint of size ${size} is not served (GET answered ${noteRes.status})`,
    );
  }
  const note = await noteRes.text();
  const opened = openNote(note, verifier);
  const body = opened.ok ? parseCheckpointBody(opened.body) : null;
  if (!body || body.size !== size || body.origin !== verifier.name) {
    throw new StampViolation(
      `the time-stamped checkpoint of size ${size} is not a checkpoint of that size signed by the log key`,
    );
  }
  if (!(await consistent(fetchFn, base, body.root, size, tree))) {
    throw new StampViolation(
      `fork: the time-stamped checkpoint of size ${size} is not consistent with the verified checkpoint of size ${tree.size}`,
    );
  }
  const tokenRes = await fetchFn(`${base}/log/checkpoint/${size}/timestamp`);
  if (tokenRes.status !== 200) {
    throw new StampViolation(
      `the time-stamp of checkpoint ${size} is listed but not served (GET answered ${tokenRes.status})`,
    );
  }
  let stamp;
  try {
    stamp = await readTimestampReply(new Uint8Array(await tokenRes.arrayBuffer()), Buffer.from(note, 'utf8'));
  } catch (error) {
    if (error instanceof TimestampReadError) {
      throw new StampViolation(`the time-stamp of checkpoint ${size} does not parse: ${error.message}`);
    }
    throw error;
  }
  if (stamp.hashAlgorithm !== 'sha256' || !stamp.imprint.equals(checkpointImprint(note))) {
    throw new StampViolation(`the time-stamp of checkpoint ${size} is not over its checkpoint text (imprint mismatch)`);
  }
  if (!stamp.signatureValid) {
    throw new StampViolation(
      `the time-stamp of checkpoint ${size} is not validly signed by the authority's certificate`,
    );
  }
  const time = stamp.genTime.toISOString();
  if (stamp.genTime.getTime() > now.getTime() + SKEW_MS) {
    throw new StampViolation(`the time-stamp of checkpoint ${size} is dated in the future (${time})`);
  }
  if (since.time && time < since.time) {
    throw new StampViolation(
      `the time-stamp of checkpoint ${size} (${time}) is earlier than that of a smaller checkpoint (${since.time})`,
    );
  }
  return { through: size, time };
}

/** The stamped root at `size` is the verified tree's at that size (equal, or a valid consistency proof). */
async function consistent(fetchFn: Fetch, base: string, root: Buffer, size: number, tree: VerifiedTree) {
  if (size === tree.size) return root.equals(tree.root);
  const res = await fetchFn(`${base}/log/proof/consistency?from=${size}&size=${tree.size}`);
  if (res.status !== 200) return false;
  const answer = (await res.json().catch(() => null)) as { proof?: unknown } | null;
  if (!Array.isArray(answer?.proof)) return false;
  const proof = (answer.proof as unknown[]).map((p) => Buffer.from(String(p), 'base64'));
  return verifyConsistency(size, tree.size, proof, root, tree.root);
}
