// Looks at PDFs the way a reader would, with Debian's poppler-utils (pdftoppm, pdftotext, pdfdetach) and zbarimg:
// rendered pixels, the text a viewer extracts, the attachments a PDF reader lists, the QR code a phone reads.
// Every tool's stderr is kept: a warning from poppler fails the tests as surely as a wrong pixel.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadFont } from '../../src/pdf/fonts.js';

const run = promisify(execFile);

export interface Tool {
  stdout: string;
  stderr: string;
}

async function tool(command: string, args: string[]): Promise<Tool> {
  const { stdout, stderr } = await run(command, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
  return { stdout, stderr };
}

function tempFile(pdf: Uint8Array): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-pdf-'));
  const file = path.join(dir, 'doc.pdf');
  fs.writeFileSync(file, pdf);
  return { dir, file };
}

export interface Gray {
  width: number;
  height: number;
  pixels: Uint8Array;
}

export interface Rendered {
  pages: Gray[];
  dpi: number;
  /** Everything poppler said on stderr while rasterising and extracting text (should be nothing). */
  warnings: string;
}

/** Rasterises every page to 8-bit gray (PGM) and reads them back. */
export async function rasterise(pdf: Uint8Array, dpi = 150): Promise<Rendered> {
  const { dir, file } = tempFile(pdf);
  try {
    const { stderr } = await tool('pdftoppm', ['-r', String(dpi), '-gray', file, path.join(dir, 'page')]);
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.pgm'))
      .sort();
    return { pages: files.map((f) => parsePgm(fs.readFileSync(path.join(dir, f)))), dpi, warnings: stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function parsePgm(bytes: Buffer): Gray {
  // "P5\n<width> <height>\n255\n" then one byte per pixel.
  const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(bytes.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('not an 8-bit PGM');
  const width = Number(header[1]);
  const height = Number(header[2]);
  return { width, height, pixels: bytes.subarray(header[0].length, header[0].length + width * height) };
}

export interface Word {
  page: number;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
  text: string;
}

/** Words with their boxes in points from the top-left, as `pdftotext -bbox` extracts them. */
export async function words(pdf: Uint8Array): Promise<{ words: Word[]; warnings: string }> {
  const { dir, file } = tempFile(pdf);
  try {
    const { stdout, stderr } = await tool('pdftotext', ['-bbox', file, '-']);
    const out: Word[] = [];
    let page = -1;
    for (const line of stdout.split('\n')) {
      if (line.includes('<page ')) page++;
      const m = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)<\/word>/.exec(line);
      if (m) {
        out.push({
          page,
          xMin: Number(m[1]),
          yMin: Number(m[2]),
          xMax: Number(m[3]),
          yMax: Number(m[4]),
          text: unescapeXml(m[5]!),
        });
      }
    }
    return { words: out, warnings: stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const unescapeXml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** The text a viewer's copy or search sees (reading order), with poppler's warnings. */
export async function text(pdf: Uint8Array): Promise<Tool> {
  const { dir, file } = tempFile(pdf);
  try {
    return await tool('pdftotext', ['-layout', file, '-']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The embedded files as a PDF reader lists them (`pdfdetach -list`). */
export async function attachmentNames(pdf: Uint8Array): Promise<{ names: string[]; warnings: string }> {
  const { dir, file } = tempFile(pdf);
  try {
    const { stdout, stderr } = await tool('pdfdetach', ['-list', file]);
    const names = stdout
      .split('\n')
      .map((l) => /^\d+:\s+(.*)$/.exec(l.trim())?.[1])
      .filter((n): n is string => n !== undefined);
    return { names, warnings: stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What a phone camera would read from the QR codes on page 1 (zbarimg on a 200 dpi rendering). */
export async function qrCodes(pdf: Uint8Array): Promise<string[]> {
  const { dir, file } = tempFile(pdf);
  try {
    await tool('pdftoppm', ['-r', '200', '-png', '-f', '1', '-l', '1', file, path.join(dir, 'page')]);
    const png = fs.readdirSync(dir).find((f) => f.endsWith('.png'));
    return png ? await qrCodesInImage(path.join(dir, png)) : [];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What zbarimg reads from the QR codes of an image file (a PNG, say). */
export async function qrCodesInImage(file: string): Promise<string[]> {
  try {
    const { stdout } = await tool('zbarimg', ['--quiet', '--raw', file]);
    return stdout.split('\n').filter(Boolean);
  } catch (error) {
    // zbarimg exits 4 when it finds no symbol.
    if ((error as { code?: number }).code === 4) return [];
    throw error;
  }
}

/** What zbarimg reads from an image given as a `data:` URL (the staff portal's enrolment QR code). */
export async function qrCodesInDataUrl(url: string): Promise<string[]> {
  const match = /^data:image\/png;base64,([A-Za-z0-9+/=]+)$/.exec(url);
  if (!match) throw new Error(`not a PNG data URL: ${url.slice(0, 40)}…`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-qr-'));
  try {
    const file = path.join(dir, 'qr.png');
    fs.writeFileSync(file, Buffer.from(match[1]!, 'base64'));
    return await qrCodesInImage(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface BlankGlyph {
  page: number;
  char: string;
  word: string;
}

const metrics = loadFont('mincho');

/**
 * Every character of every extracted word that left no ink where it should be. BIZ UD fonts are fixed-pitch, so
 * a word's box divides into one cell per character by advance width; a glyph that renders blank (the failure of
 * pdf-lib's bundled fontkit on CJK subsets, DESIGN §9) leaves its cell white while text extraction still looks
 * right. Watermarks (faint by design, rotated) are left out by their size.
 */
export function blankGlyphs(rendered: Rendered, extracted: Word[]): BlankGlyph[] {
  const scale = rendered.dpi / 72;
  const blanks: BlankGlyph[] = [];
  for (const word of extracted) {
    if (word.yMax - word.yMin > 60) continue;
    const page = rendered.pages[word.page];
    if (!page) throw new Error(`word on page ${word.page + 1}, which did not render`);
    const chars = [...word.text];
    const units = chars.map((ch) => metrics.advance(ch.codePointAt(0)!) ?? metrics.unitsPerEm);
    const total = units.reduce((a, b) => a + b, 0);
    let x = word.xMin;
    for (const [i, ch] of chars.entries()) {
      const w = ((word.xMax - word.xMin) * units[i]!) / total;
      if (ch.trim() !== '') {
        const inset = w * 0.12;
        const x0 = Math.floor((x + inset) * scale);
        const x1 = Math.ceil((x + w - inset) * scale);
        const y0 = Math.floor(word.yMin * scale);
        const y1 = Math.ceil(word.yMax * scale);
        let ink = 0;
        for (let y = Math.max(0, y0); y < Math.min(page.height, y1); y++) {
          for (let px = Math.max(0, x0); px < Math.min(page.width, x1); px++) {
            if (page.pixels[y * page.width + px]! < 200) ink++;
          }
        }
        if (ink === 0) blanks.push({ page: word.page, char: ch, word: word.text });
      }
      x += w;
    }
  }
  return blanks;
}

/** Renders and extracts a PDF, and returns everything a reader would notice: blank glyphs and poppler warnings. */
export async function readAsPerson(pdf: Uint8Array) {
  const [rendered, extracted, plain] = await Promise.all([rasterise(pdf), words(pdf), text(pdf)]);
  return {
    pages: rendered.pages.length,
    text: plain.stdout,
    words: extracted.words,
    blanks: blankGlyphs(rendered, extracted.words),
    warnings: [rendered.warnings, extracted.warnings, plain.stderr].join('').trim(),
  };
}
