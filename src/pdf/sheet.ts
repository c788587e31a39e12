// A small A4 layout engine over pdf-lib: a top-down cursor, Japanese line breaking (禁則), text boxes, ruled
// tables, a vector QR code, watermarks and attachments. The three documents (notice, certificate, receipt) are
// written against it so that typography is decided in one place.
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import {
  PDFDocument,
  degrees,
  fill,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  rgb,
  setCharacterSpacing,
  setFillingRgbColor,
  type PDFFont,
  type PDFPage,
  type RGB,
} from 'pdf-lib';
import { encode as encodeQr } from 'uqr';
import { addSealPlaceholder, type SealPlaceholder } from '../pdf-sign/placeholder.js';
import { fontkitAdapter, loadFont, type FontId, type LoadedFont } from './fonts.js';

export const A4 = { width: 595.28, height: 841.89 } as const;
export const mm = (value: number) => (value * 72) / 25.4;

export const INK = rgb(0.1, 0.1, 0.1);
export const MUTED = rgb(0.33, 0.33, 0.35);
export const RULE = rgb(0.45, 0.47, 0.5);
export const TINT = rgb(0.95, 0.955, 0.965);

// Kinsoku shori (JIS X 4051): characters that never start a line hang into the margin; those that never end one
// move down with the next character.
const NO_START = new Set(
  '、。，．,.・：；:;？！?!ー―‐〜～）)］]｝}〕〉》」』】〙〗’”ゝゞヽヾ々ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ％%',
);
const NO_END = new Set('（(［[｛{〔〈《「『【〘〖‘“￥$＄');
// Printed instead of a character the font lacks (the geta mark, the typesetter's convention for a missing glyph).
const GETA = '〓';

export interface TextStyle {
  font: FontId;
  size: number;
  color?: RGB;
}

export interface SheetOptions {
  title: string;
  subject: string;
  keywords: string[];
  author: string;
  createdAt: Date;
  fonts: FontId[];
  margin?: { top: number; bottom: number; left: number; right: number };
}

export interface Attachment {
  name: string;
  bytes: Uint8Array;
  mimeType: string;
  description: string;
}

export class Sheet {
  readonly doc: PDFDocument;
  page!: PDFPage;
  /** Cursor: distance from the top edge of the current page, in points. */
  y = 0;
  readonly margin: { top: number; bottom: number; left: number; right: number };
  private readonly fonts = new Map<FontId, { pdf: PDFFont; metrics: LoadedFont }>();
  private readonly pageHooks: ((sheet: Sheet) => void)[] = [];

  private constructor(doc: PDFDocument, options: SheetOptions) {
    this.doc = doc;
    this.margin = options.margin ?? { top: mm(18), bottom: mm(18), left: mm(20), right: mm(20) };
  }

  static async create(options: SheetOptions): Promise<Sheet> {
    const doc = await PDFDocument.create({ updateMetadata: false });
    useNativeDeflate(doc);
    // pdf-lib types its fontkit after @pdf-lib/fontkit; upstream fontkit 2's Font has what the embedder reads.
    doc.registerFontkit(fontkitAdapter as unknown as Parameters<PDFDocument['registerFontkit']>[0]);
    doc.setTitle(options.title, { showInWindowTitleBar: true });
    doc.setSubject(options.subject);
    doc.setKeywords(options.keywords);
    doc.setAuthor(options.author);
    doc.setCreator('e-Surety Platform (電子保証プラットフォーム)');
    doc.setProducer('e-Surety Platform / pdf-lib');
    doc.setCreationDate(options.createdAt);
    doc.setModificationDate(options.createdAt);
    doc.setLanguage('ja-JP');
    const sheet = new Sheet(doc, options);
    for (const id of options.fonts) {
      const metrics = loadFont(id);
      // "ABCDEF+Name" marks an embedded subset (ISO 32000 §9.6.4), so viewers never substitute a system font.
      const customName = `${subsetTag()}+${metrics.font.postscriptName}`;
      sheet.fonts.set(id, { pdf: await doc.embedFont(metrics.bytes, { subset: true, customName }), metrics });
    }
    sheet.newPage();
    return sheet;
  }

  get left(): number {
    return this.margin.left;
  }
  get right(): number {
    return A4.width - this.margin.right;
  }
  get contentWidth(): number {
    return this.right - this.left;
  }
  get bottom(): number {
    return A4.height - this.margin.bottom;
  }

  /** Runs on every page as it is added (headers, watermarks), before any content of that page. */
  onPage(hook: (sheet: Sheet) => void): void {
    this.pageHooks.push(hook);
    hook(this);
  }

  newPage(): void {
    this.page = this.doc.addPage([A4.width, A4.height]);
    this.y = this.margin.top;
    for (const hook of this.pageHooks) hook(this);
  }

  /** Starts a new page unless `height` more points fit above the bottom margin. */
  ensure(height: number): void {
    if (this.y + height > this.bottom) this.newPage();
  }

  private font(id: FontId) {
    const f = this.fonts.get(id);
    if (!f) throw new Error(`font ${id} was not embedded in this document`);
    return f;
  }

  /** The text as it will be drawn: control characters dropped, characters the font lacks shown as 〓. */
  printable(text: string, id: FontId): string {
    const metrics = this.font(id).metrics;
    let out = '';
    for (const ch of text.replace(/\t/g, ' ')) {
      const cp = ch.codePointAt(0)!;
      if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
      out += metrics.advance(cp) === null ? GETA : ch;
    }
    return out;
  }

  measure(text: string, style: TextStyle): number {
    const metrics = this.font(style.font).metrics;
    let units = 0;
    for (const ch of text) units += metrics.advance(ch.codePointAt(0)!) ?? metrics.advance(0x3013) ?? 0;
    return (units * style.size) / metrics.unitsPerEm;
  }

  /** Draws one line with its baseline at `baseline` (from the top); `align` positions it within [x, x + width]. */
  text(
    text: string,
    x: number,
    baseline: number,
    style: TextStyle,
    options: { align?: 'left' | 'center' | 'right'; width?: number; rotate?: number; opacity?: number } = {},
  ): number {
    const line = this.printable(text, style.font);
    const width = this.measure(line, style);
    const box = options.width ?? 0;
    const dx = options.align === 'center' ? (box - width) / 2 : options.align === 'right' ? box - width : 0;
    if (line.trim() !== '') {
      this.page.drawText(line, {
        x: x + dx,
        y: A4.height - baseline,
        size: style.size,
        font: this.font(style.font).pdf,
        color: style.color ?? INK,
        ...(options.rotate !== undefined ? { rotate: degrees(options.rotate) } : {}),
        ...(options.opacity !== undefined ? { opacity: options.opacity } : {}),
      });
    }
    return width;
  }

  /**
   * A title set with wide tracking (字間を空けた表題), centred in [x, x + width]. One text object with character
   * spacing rather than one per character, so that copying or searching the title finds the word.
   */
  spacedText(text: string, x: number, width: number, baseline: number, style: TextStyle, tracking: number): void {
    const line = this.printable(text, style.font);
    const count = [...line].length;
    const natural = this.measure(line, style);
    const start = x + (width - (natural + tracking * (count - 1))) / 2;
    this.page.pushOperators(setCharacterSpacing(tracking));
    this.page.drawText(line, {
      x: start,
      y: A4.height - baseline,
      size: style.size,
      font: this.font(style.font).pdf,
      color: style.color ?? INK,
    });
    this.page.pushOperators(setCharacterSpacing(0));
  }

  /** Japanese line breaking: breaks between any two CJK characters, keeps Latin words whole, honours 禁則. */
  wrap(text: string, style: TextStyle, width: number): string[] {
    const lines: string[] = [];
    for (const paragraph of this.printable(text.replace(/\r\n?/g, '\n'), style.font).split('\n')) {
      lines.push(...this.wrapParagraph(paragraph, style, width));
    }
    return lines;
  }

  private wrapParagraph(paragraph: string, style: TextStyle, width: number): string[] {
    const units = paragraph.match(/[!-~]+|\s|[\s\S]/gu) ?? [];
    const lines: string[] = [];
    let line = '';
    let lineWidth = 0;
    const push = () => {
      let text = line.trimEnd();
      let carry = '';
      // A line never ends with an opening bracket: it moves down with what it opens.
      while (text.length > 1 && NO_END.has(text[text.length - 1]!)) {
        carry = text[text.length - 1]! + carry;
        text = text.slice(0, -1);
      }
      lines.push(text);
      line = carry;
      lineWidth = this.measure(carry, style);
    };
    for (const unit of units) {
      const w = this.measure(unit, style);
      if (/^\s$/.test(unit)) {
        if (line !== '') {
          line += ' ';
          lineWidth += w;
        }
      } else if (lineWidth + w <= width + 0.01 || line.trim() === '') {
        if (w > width && unit.length > 1) {
          // A Latin word (a URL, a hash) longer than the line is broken where it must be.
          for (const ch of unit) {
            const cw = this.measure(ch, style);
            if (lineWidth + cw > width + 0.01 && line !== '') push();
            line += ch;
            lineWidth += cw;
          }
        } else {
          line += unit;
          lineWidth += w;
        }
      } else if (NO_START.has(unit)) {
        // Hanging punctuation (ぶら下げ): a closing mark stays on the line it closes.
        line += unit;
        lineWidth += w;
      } else {
        push();
        if (w > width && unit.length > 1) {
          for (const ch of unit) {
            const cw = this.measure(ch, style);
            if (lineWidth + cw > width + 0.01 && line !== '') push();
            line += ch;
            lineWidth += cw;
          }
        } else {
          line += unit;
          lineWidth += w;
        }
      }
    }
    if (line.trim() !== '' || lines.length === 0) push();
    return lines;
  }

  /** The baseline of a line box of `lineHeight` whose top is at `top` (CJK glyphs sit on an 0.88 em ascent). */
  static baseline(top: number, style: TextStyle, lineHeight: number): number {
    return top + (lineHeight - style.size) / 2 + style.size * 0.88;
  }

  /**
   * A wrapped paragraph at the cursor, moving the cursor below it; lines that do not fit continue on a new page.
   * `indent` indents the first line (字下げ).
   */
  paragraph(
    text: string,
    style: TextStyle,
    options: { x?: number; width?: number; lineHeight?: number; indent?: number; align?: 'left' | 'center' } = {},
  ): void {
    const x = options.x ?? this.left;
    const width = options.width ?? this.right - x;
    const lineHeight = options.lineHeight ?? style.size * 1.7;
    const indent = options.indent ?? 0;
    const lines = this.wrap(text, style, width - indent);
    for (const [i, line] of lines.entries()) {
      this.ensure(lineHeight);
      const dx = i === 0 ? indent : 0;
      this.text(line, x + dx, Sheet.baseline(this.y, style, lineHeight), style, {
        ...(options.align ? { align: options.align } : {}),
        width: width - dx,
      });
      this.y += lineHeight;
    }
  }

  line(x1: number, y1: number, x2: number, y2: number, options: { thickness?: number; color?: RGB } = {}): void {
    this.page.drawLine({
      start: { x: x1, y: A4.height - y1 },
      end: { x: x2, y: A4.height - y2 },
      thickness: options.thickness ?? 0.6,
      color: options.color ?? RULE,
    });
  }

  /** A rectangle whose top-left corner is (x, top). */
  box(
    x: number,
    top: number,
    width: number,
    height: number,
    options: { fill?: RGB; border?: RGB; thickness?: number } = {},
  ): void {
    this.page.drawRectangle({
      x,
      y: A4.height - top - height,
      width,
      height,
      ...(options.fill ? { color: options.fill } : {}),
      ...(options.border ? { borderColor: options.border, borderWidth: options.thickness ?? 0.6 } : {}),
    });
  }

  /**
   * A QR code (error correction M, 4-module quiet zone) as vector rectangles — one filled path, one rectangle per
   * horizontal run of dark modules — with its top-left corner at (x, top) and `size` points wide.
   */
  qr(data: string, x: number, top: number, size: number): void {
    const { data: modules, size: n } = encodeQr(data, { ecc: 'M', boostEcc: false, border: 0 });
    const unit = size / (n + 8);
    const ops = [pushGraphicsState(), setFillingRgbColor(0, 0, 0)];
    for (const [row, dark] of modules.entries()) {
      let col = 0;
      while (col < n) {
        if (!dark[col]) {
          col++;
          continue;
        }
        const start = col;
        while (col < n && dark[col]) col++;
        ops.push(
          rectangle(x + (start + 4) * unit, A4.height - top - (row + 5) * unit, (col - start) * unit, unit + 0.01),
        );
      }
    }
    ops.push(fill(), popGraphicsState());
    this.page.pushOperators(...ops);
  }

  /** Large diagonal text across the page (取消, 保証期間満了), behind nothing: drawn last so it shows on top, faintly. */
  watermark(text: string, color: RGB): void {
    const style: TextStyle = { font: 'gothicBold', size: text.length > 3 ? 84 : 150, color };
    const width = this.measure(text, style);
    const angle = (35 * Math.PI) / 180;
    const cx = A4.width / 2;
    const cy = A4.height / 2;
    // Start point so that the rotated line's centre (text middle, half the cap height up) is the page centre.
    const half = width / 2;
    const rise = style.size * 0.35;
    const x = cx - half * Math.cos(angle) + rise * Math.sin(angle);
    const yFromBottom = A4.height - cy - half * Math.sin(angle) - rise * Math.cos(angle);
    this.text(text, x, A4.height - yFromBottom, style, { rotate: 35, opacity: 0.16 });
  }

  /** @param seal an empty e-seal field to add (the as-issued PDF): saved without object streams, for the signer */
  async save(attachments: Attachment[] = [], seal?: SealPlaceholder): Promise<Uint8Array> {
    for (const a of attachments) {
      await this.doc.attach(a.bytes, a.name, {
        mimeType: a.mimeType,
        description: a.description,
        creationDate: this.doc.getCreationDate() ?? new Date(0),
        modificationDate: this.doc.getCreationDate() ?? new Date(0),
      });
    }
    if (seal) addSealPlaceholder(this.doc, seal);
    return this.doc.save({ useObjectStreams: !seal });
  }
}

function subsetTag(): string {
  return Array.from(randomBytes(6), (b) => String.fromCharCode(65 + (b % 26))).join('');
}

/**
 * pdf-lib compresses streams with pako (pure JavaScript); zlib's native deflate writes the same FlateDecode data
 * several times faster (measured: fonts are most of a document's bytes). Embedded files are stored uncompressed so
 * that the signed JWS is visible in the file as the text it is — a byte edited in it stays an edited JWS, which the
 * verifier then reports as a broken signature rather than as an unreadable file.
 */
function useNativeDeflate(doc: PDFDocument): void {
  const context = doc.context;
  context.flateStream = (contents, dict = {}) => {
    const bytes = typeof contents === 'string' ? Buffer.from(contents, 'latin1') : contents;
    if (dict.Type === 'EmbeddedFile') return context.stream(bytes, dict);
    return context.stream(deflateSync(bytes), { ...dict, Filter: 'FlateDecode' });
  };
}
