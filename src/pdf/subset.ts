// A TrueType subsetter over the raw font file: copies the chosen glyphs' outlines from their `glyf` records
// (renumbering the components of composite glyphs) and rebuilds loca/hmtx, so the embedded program draws exactly the
// original outlines. Hinting instructions are left out, with the cvt/fpgm/prep tables they need: they steer
// rasterising at screen sizes only, yet are ≈ 20 % of each glyph and ≈ 5 KB per font (measured on a certificate:
// 83 KB with hinting, see `npm run bench -- pdf` for the figures without). ISO 32000 §9.9 requires those tables only
// when instructions use them. pdf-lib calls includeGlyph() while drawing and encodeStream() on save.
import { Readable } from 'node:stream';
import type * as fontkit from 'fontkit';

/** The per-font data every subset reads: raw tables and glyph offsets, computed once per font. */
export interface GlyphSource {
  tables: Map<string, Uint8Array>;
  /** Byte offsets of each glyph in `glyf` (numGlyphs + 1 entries). */
  loca: Uint32Array;
  glyf: Uint8Array;
  hmtx: Uint8Array;
  numberOfHMetrics: number;
}

interface DirectoryEntry {
  offset: number;
  length: number;
}

const u16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** @throws Error when the font is not a TrueType-outline font (a CFF font would need a different subsetter) */
export function glyphSourceOf(font: fontkit.Font, bytes: Uint8Array): GlyphSource {
  const directory = (font as unknown as { directory: { tables: Record<string, DirectoryEntry> } }).directory.tables;
  const tables = new Map<string, Uint8Array>();
  for (const [tag, entry] of Object.entries(directory)) {
    tables.set(tag, bytes.subarray(entry.offset, entry.offset + entry.length));
  }
  const head = tables.get('head');
  const hhea = tables.get('hhea');
  const maxp = tables.get('maxp');
  const locaRaw = tables.get('loca');
  const glyf = tables.get('glyf');
  const hmtx = tables.get('hmtx');
  if (!head || !hhea || !maxp || !locaRaw || !glyf || !hmtx) throw new Error('not a TrueType-outline font');
  const numGlyphs = u16(maxp, 4);
  const longOffsets = u16(head, 50) === 1;
  const loca = new Uint32Array(numGlyphs + 1);
  for (let i = 0; i <= numGlyphs; i++) loca[i] = longOffsets ? u32(locaRaw, i * 4) : u16(locaRaw, i * 2) * 2;
  return { tables, loca, glyf, hmtx, numberOfHMetrics: u16(hhea, 34) };
}

// Composite glyph flags (OpenType `glyf` spec).
const ARG_1_AND_2_ARE_WORDS = 0x0001;
const WE_HAVE_A_SCALE = 0x0008;
const MORE_COMPONENTS = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE = 0x0040;
const WE_HAVE_A_TWO_BY_TWO = 0x0080;
const WE_HAVE_INSTRUCTIONS = 0x0100;

export class TrueTypeSubset {
  /** pdf-lib asks: TrueType outlines, so the font is embedded as CIDFontType2 / FontFile2. */
  readonly cff = false;
  private readonly glyphs: number[] = [];
  private readonly mapping = new Map<number, number>();

  constructor(private readonly source: GlyphSource) {
    // Glyph 0 (.notdef) always comes first, as every TrueType font requires.
    this.includeGlyph(0);
  }

  /** The glyph's id in the subset (pdf-lib writes these ids as the CIDs of the text it draws). */
  includeGlyph(glyph: number | { id: number }): number {
    const id = typeof glyph === 'number' ? glyph : glyph.id;
    let mapped = this.mapping.get(id);
    if (mapped === undefined) {
      mapped = this.glyphs.length;
      this.glyphs.push(id);
      this.mapping.set(id, mapped);
    }
    return mapped;
  }

  encodeStream(): Readable {
    return Readable.from([this.encode()]);
  }

  encode(): Uint8Array {
    const { loca, glyf, hmtx, numberOfHMetrics, tables } = this.source;
    const records: Uint8Array[] = [];
    // Composite glyphs may add their components while we go, so the length is read on every turn.
    for (let i = 0; i < this.glyphs.length; i++) {
      const gid = this.glyphs[i]!;
      const record = glyf.subarray(loca[gid]!, loca[gid + 1]!);
      if (record.length < 10) records.push(record);
      else records.push((record[0]! & 0x80) !== 0 ? this.renumberComponents(record) : withoutInstructions(record));
    }
    const count = this.glyphs.length;
    const newLoca = new Uint8Array((count + 1) * 4);
    const locaView = new DataView(newLoca.buffer);
    let size = 0;
    for (const [i, r] of records.entries()) {
      locaView.setUint32(i * 4, size);
      size += (r.length + 3) & ~3;
    }
    locaView.setUint32(count * 4, size);
    const newGlyf = new Uint8Array(size);
    for (const [i, r] of records.entries()) newGlyf.set(r, locaView.getUint32(i * 4));

    const newHmtx = new Uint8Array(count * 4);
    const lastAdvance = u16(hmtx, (numberOfHMetrics - 1) * 4);
    for (let i = 0; i < count; i++) {
      const gid = this.glyphs[i]!;
      const long = gid < numberOfHMetrics;
      const advance = long ? u16(hmtx, gid * 4) : lastAdvance;
      const lsbAt = long ? gid * 4 + 2 : numberOfHMetrics * 4 + (gid - numberOfHMetrics) * 2;
      newHmtx[i * 4] = advance >> 8;
      newHmtx[i * 4 + 1] = advance & 0xff;
      newHmtx[i * 4 + 2] = hmtx[lsbAt]!;
      newHmtx[i * 4 + 3] = hmtx[lsbAt + 1]!;
    }

    const head = Uint8Array.from(tables.get('head')!);
    head.set([0, 0, 0, 0], 8); // checkSumAdjustment, computed over the whole file below
    head.set([0, 1], 50); // indexToLocFormat: long offsets
    const hhea = Uint8Array.from(tables.get('hhea')!);
    hhea.set([count >> 8, count & 0xff], 34);
    const maxp = Uint8Array.from(tables.get('maxp')!);
    maxp.set([count >> 8, count & 0xff], 4);

    return writeSfnt(
      new Map([
        ['glyf', newGlyf],
        ['head', head],
        ['hhea', hhea],
        ['hmtx', newHmtx],
        ['loca', newLoca],
        ['maxp', maxp],
      ]),
    );
  }

  /** A copy of a composite glyph record whose component glyph ids point into this subset, without instructions. */
  private renumberComponents(record: Uint8Array): Uint8Array {
    const copy = Uint8Array.from(record);
    let at = 10;
    for (;;) {
      const flags = u16(copy, at);
      const component = this.includeGlyph(u16(copy, at + 2));
      copy[at] = (flags & ~WE_HAVE_INSTRUCTIONS) >> 8;
      copy[at + 2] = component >> 8;
      copy[at + 3] = component & 0xff;
      at += 4 + (flags & ARG_1_AND_2_ARE_WORDS ? 4 : 2);
      if (flags & WE_HAVE_A_SCALE) at += 2;
      else if (flags & WE_HAVE_AN_X_AND_Y_SCALE) at += 4;
      else if (flags & WE_HAVE_A_TWO_BY_TWO) at += 8;
      if (!(flags & MORE_COMPONENTS)) return copy.subarray(0, at);
    }
  }
}

/** A simple glyph record with its instructions removed (instructionLength set to 0). */
function withoutInstructions(record: Uint8Array): Uint8Array {
  const contours = u16(record, 0);
  const lengthAt = 10 + contours * 2;
  const instructions = u16(record, lengthAt);
  if (instructions === 0) return record;
  const out = new Uint8Array(record.length - instructions);
  out.set(record.subarray(0, lengthAt));
  out.set(record.subarray(lengthAt + 2 + instructions), lengthAt + 2);
  return out;
}

function checksum(bytes: Uint8Array): number {
  let sum = 0;
  const whole = bytes.length & ~3;
  for (let i = 0; i < whole; i += 4) sum = (sum + u32(bytes, i)) >>> 0;
  if (whole < bytes.length) {
    const tail = new Uint8Array(4);
    tail.set(bytes.subarray(whole));
    sum = (sum + u32(tail, 0)) >>> 0;
  }
  return sum;
}

/** An sfnt file (table directory sorted by tag, tables 4-byte aligned) with head.checkSumAdjustment set. */
function writeSfnt(tables: Map<string, Uint8Array>): Uint8Array {
  const tags = [...tables.keys()].sort();
  const headerSize = 12 + tags.length * 16;
  let size = headerSize;
  for (const tag of tags) size += (tables.get(tag)!.length + 3) & ~3;
  const file = new Uint8Array(size);
  const view = new DataView(file.buffer);
  const pow2 = 2 ** Math.floor(Math.log2(tags.length));
  view.setUint32(0, 0x00010000);
  view.setUint16(4, tags.length);
  view.setUint16(6, pow2 * 16);
  view.setUint16(8, Math.log2(pow2));
  view.setUint16(10, tags.length * 16 - pow2 * 16);
  let offset = headerSize;
  let headOffset = 0;
  for (const [i, tag] of tags.entries()) {
    const table = tables.get(tag)!;
    const record = 12 + i * 16;
    for (let c = 0; c < 4; c++) file[record + c] = tag.charCodeAt(c);
    view.setUint32(record + 4, checksum(table));
    view.setUint32(record + 8, offset);
    view.setUint32(record + 12, table.length);
    file.set(table, offset);
    if (tag === 'head') headOffset = offset;
    offset += (table.length + 3) & ~3;
  }
  view.setUint32(headOffset + 8, (0xb1b0afba - checksum(file)) >>> 0);
  return file;
}
