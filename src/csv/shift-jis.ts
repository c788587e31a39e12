// Shift_JIS (CP932) bytes of a text, as Japanese Excel reads and saves a CSV by default. Node decodes Shift_JIS but does
// not encode it: the table is the decoder run backwards over every one- and two-byte sequence (the first sequence that
// decodes to a character wins, as CP932's own encoder picks NEC's row 13 over IBM's duplicates). No dependency: the
// mapping is by construction exactly the one decodeCsv reads back, which a third-party table would only promise.
let built: Map<string, number[]> | undefined;
/** Built on first use (≈ 11,000 two-byte sequences decoded once). */
const table = (): Map<string, number[]> => (built ??= build());

function build(): Map<string, number[]> {
  const decoder = new TextDecoder('shift_jis', { fatal: true });
  const map = new Map<string, number[]>();
  const tryBytes = (bytes: number[]) => {
    try {
      const ch = decoder.decode(new Uint8Array(bytes));
      if ([...ch].length === 1 && !map.has(ch)) map.set(ch, bytes);
    } catch {
      // not a character in CP932
    }
  };
  for (let b = 0; b < 0x80; b++) tryBytes([b]);
  for (let b = 0xa1; b <= 0xdf; b++) tryBytes([b]);
  for (const lead of [...range(0x81, 0x9f), ...range(0xe0, 0xfc)]) {
    for (const trail of range(0x40, 0xfc)) tryBytes([lead, trail]);
  }
  return map;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/**
 * @param fallback written for a character Shift_JIS cannot hold (e.g. 𠮷); without one, such a character throws
 * @throws Error naming the first character Shift_JIS cannot hold, when no fallback is given
 */
export function encodeShiftJis(text: string, fallback?: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const bytes = table().get(ch) ?? (fallback !== undefined ? table().get(fallback) : undefined);
    if (!bytes) throw new Error(`Shift_JIS cannot hold ${ch}`);
    out.push(...bytes);
  }
  return new Uint8Array(out);
}
