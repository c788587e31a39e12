// The tlog-witness add-checkpoint request body (c2sp.org/tlog-witness): `old <size>\n`, at most 63 base64 proof
// lines, an empty line, then the signed checkpoint note.

export const MAX_PROOF_LINES = 63;

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Buffer[];
  /** The checkpoint as a signed note (body, empty line, signature lines). */
  note: string;
}

export function formatAddCheckpoint({ oldSize, proof, note }: AddCheckpointRequest): string {
  return `old ${oldSize}\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${note}`;
}

/** @returns the request, or null when the body is not one (the witness answers 400) */
export function parseAddCheckpoint(text: string): AddCheckpointRequest | null {
  const end = text.indexOf('\n\n');
  if (end < 0) return null;
  const [first, ...proofLines] = text.slice(0, end).split('\n');
  const old = /^old (0|[1-9][0-9]*)$/.exec(first ?? '');
  if (!old || !Number.isSafeInteger(Number(old[1])) || proofLines.length > MAX_PROOF_LINES) return null;
  const proof: Buffer[] = [];
  for (const line of proofLines) {
    if (!/^[A-Za-z0-9+/]{43}=$/.test(line)) return null;
    proof.push(Buffer.from(line, 'base64'));
  }
  return { oldSize: Number(old[1]), proof, note: text.slice(end + 2) };
}
