// The public status list of DESIGN §13 as pure rules: what 2-bit value a version has, and the W3C Bitstring Status
// List layout (first index at the left-most bits); the GZIP/multibase codec is in src/signing/status-list.ts.
import { hiddenSeqs, type VersionEvent } from './history.js';

/** Entries per list: the specification's minimum (131,072), so every list has the same size and a new one opens when full. */
export const LIST_ENTRIES = 131_072;
export const STATUS_SIZE = 2;

export const STATUS_CODES = { current: 0, superseded: 1, cancelled: 2, expired: 3 } as const;
export type StatusName = keyof typeof STATUS_CODES;
export const STATUS_NAMES = ['current', 'superseded', 'cancelled', 'expired'] as const satisfies readonly StatusName[];

/** The statusMessage array of the specification (status as a hex string, message in English). */
export const STATUS_MESSAGES = STATUS_NAMES.map((name, i) => ({ status: `0x${i.toString(16)}`, message: name }));

/**
 * The status of each version of one guarantee, by seq: cancelled after a 取消 (for every version: the guarantee is
 * withdrawn); otherwise expired once `today` (JST) is after the current guarantee end; otherwise superseded when the
 * version is not the current one (a later visible version exists, or it was corrected or undone); otherwise current.
 * Cancellation and expiry come first because they say the guarantee no longer stands, whichever version one holds.
 */
export function versionStatuses(
  versions: readonly { seq: number; event: VersionEvent; target: number | null }[],
  guaranteeEnd: string | null,
  today: string,
): Map<number, StatusName> {
  const out = new Map<number, StatusName>();
  const cancelled = versions.some((v) => v.event === 'cancellation');
  const expired = guaranteeEnd !== null && today > guaranteeEnd;
  const hidden = hiddenSeqs(versions);
  const current = versions.filter((v) => !hidden.has(v.seq)).at(-1)?.seq;
  for (const v of versions) {
    out.set(v.seq, cancelled ? 'cancelled' : expired ? 'expired' : v.seq === current ? 'current' : 'superseded');
  }
  return out;
}

/** A zeroed list of LIST_ENTRIES 2-bit entries (32 KiB). */
export function emptyBitstring(): Uint8Array {
  return new Uint8Array((LIST_ENTRIES * STATUS_SIZE) / 8);
}

/** Writes a 2-bit value at a list position; position 0 is the two left-most (most significant) bits of byte 0. */
export function setEntry(bits: Uint8Array, position: number, value: number): void {
  const bit = position * STATUS_SIZE;
  const shift = 8 - STATUS_SIZE - (bit % 8);
  const byte = bit >> 3;
  bits[byte] = ((bits[byte] ?? 0) & ~(0b11 << shift)) | ((value & 0b11) << shift);
}

export function getEntry(bits: Uint8Array, position: number): number {
  const bit = position * STATUS_SIZE;
  return ((bits[bit >> 3] ?? 0) >> (8 - STATUS_SIZE - (bit % 8))) & 0b11;
}

/** Which list and which position a global status index falls in. */
export function listOf(statusIndex: number): { list: number; position: number } {
  return { list: Math.floor(statusIndex / LIST_ENTRIES), position: statusIndex % LIST_ENTRIES };
}
