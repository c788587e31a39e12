// Japanese fonts for the PDFs: BIZ UD Mincho (body) and BIZ UD Gothic (headings, notices, the key), read from the
// npm packages that ship them (OFL-1.1; see FONT_LICENSES) and parsed once per process with upstream fontkit 2.x.
// pdf-lib reaches them through `fontkitAdapter`: its subsets come from ./subset.ts, because pdf-lib's bundled
// @pdf-lib/fontkit renders most CJK glyphs blank when subsetting (DESIGN §9) and upstream fontkit's own subsetter
// decodes every glyph outline on each document (measured: ≈ 20% of a certificate's render time).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import { TrueTypeSubset, glyphSourceOf, type GlyphSource } from './subset.js';

export type FontId = 'mincho' | 'gothic' | 'gothicBold';

const require = createRequire(import.meta.url);

const FILES: Record<FontId, string> = {
  mincho: '@expo-google-fonts/biz-udmincho/400Regular/BIZUDMincho_400Regular.ttf',
  gothic: '@expo-google-fonts/biz-udgothic/400Regular/BIZUDGothic_400Regular.ttf',
  gothicBold: '@expo-google-fonts/biz-udgothic/700Bold/BIZUDGothic_700Bold.ttf',
};

/** The SIL Open Font License files that travel with the fonts (kept in node_modules by their npm packages). */
export const FONT_LICENSES = [
  '@expo-google-fonts/biz-udmincho/LICENSE_FONT',
  '@expo-google-fonts/biz-udgothic/LICENSE_FONT',
] as const;

/** A parsed font with what the layout code needs to measure text without going through pdf-lib. */
export interface LoadedFont {
  id: FontId;
  bytes: Uint8Array;
  font: fontkit.Font;
  unitsPerEm: number;
  /** Advance width of a code point in font units; null when the font has no glyph for it. */
  advance(codePoint: number): number | null;
}

const LAYOUT_CACHE_LIMIT = 4000;
const loaded = new Map<FontId, LoadedFont>();
const byBytes = new WeakMap<Uint8Array, fontkit.Font>();

/** The font, parsed on first use and kept for the life of the process (≈ 20–40 ms and ≈ 6 MB each). */
export function loadFont(id: FontId): LoadedFont {
  const hit = loaded.get(id);
  if (hit) return hit;
  const bytes = new Uint8Array(fs.readFileSync(require.resolve(FILES[id])));
  const font = fontkit.create(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as fontkit.Font;
  adapt(font, glyphSourceOf(font, bytes));
  const advances = new Map<number, number | null>();
  const entry: LoadedFont = {
    id,
    bytes,
    font,
    unitsPerEm: font.unitsPerEm,
    advance(codePoint) {
      let width = advances.get(codePoint);
      if (width === undefined) {
        width = font.hasGlyphForCodePoint(codePoint) ? font.glyphForCodePoint(codePoint).advanceWidth : null;
        advances.set(codePoint, width);
      }
      return width;
    },
  };
  loaded.set(id, entry);
  byBytes.set(bytes, font);
  return entry;
}

/**
 * Gives the shared fontkit font what pdf-lib expects of a font per document: a fresh subset with `encodeStream()`
 * (ours, from raw glyph data), and a layout whose results are memoised — labels repeat in every document, and
 * fontkit's shaping is the costliest step of drawing a line.
 */
function adapt(font: fontkit.Font, source: GlyphSource): void {
  const layout = font.layout.bind(font);
  const runs = new Map<string, fontkit.GlyphRun>();
  const target = font as unknown as Record<string, unknown>;
  target.createSubset = () => new TrueTypeSubset(source);
  target.layout = (text: string, features?: unknown) => {
    if (features !== undefined) return layout(text, features as string[]);
    let run = runs.get(text);
    if (!run) {
      run = layout(text);
      if (runs.size >= LAYOUT_CACHE_LIMIT) runs.delete(runs.keys().next().value as string);
      runs.set(text, run);
    }
    return run;
  };
}

/**
 * What `PDFDocument.registerFontkit` receives: `create()` hands back the font parsed once for these exact bytes
 * (those of loadFont), so embedding costs no parsing. Any other bytes are refused rather than parsed silently.
 */
export const fontkitAdapter = {
  create(bytes: Uint8Array): fontkit.Font {
    const font = byBytes.get(bytes);
    if (!font) throw new Error('fontkitAdapter: embed fonts through loadFont() so that they are parsed once');
    return font;
  },
};
