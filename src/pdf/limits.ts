// Bounds on what a PDF from outside may cost before pdf-lib parses it. pdf-lib inflates object and cross-reference
// streams while loading, with no limit: an 875 KB upload inflated to 900 MB in the PDF worker (23–30 s, +0.9 GiB) and
// held back every certificate PDF meanwhile. The raw bytes are scanned first — every stream inflated against one
// byte budget, objects counted, filters that multiply (LZW, run-length, chains) refused — so such a file is turned
// away in milliseconds. The worker's time box and heap limit (pool.ts) are the second line, for what a scan of raw
// bytes cannot see.
import { inflateSync } from 'node:zlib';

export interface PdfLimits {
  /** Bytes all streams may inflate to, together. */
  inflatedBytes: number;
  /** Indirect objects, counted in the file and in its object streams (/N). */
  objects: number;
}

/** Generous for our certificates (≈ 0.3 MB inflated, under 100 objects) and any re-saved copy of them. */
export const UPLOAD_LIMITS: PdfLimits = { inflatedBytes: 16 * 1024 * 1024, objects: 20_000 };

/** Why the file is refused, in Japanese, or null when it is within the limits. */
export function pdfLimitProblem(bytes: Uint8Array, limits: PdfLimits = UPLOAD_LIMITS): string | null {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const tooMany = `PDF のオブジェクトが多すぎます（${limits.objects.toLocaleString('ja-JP')}個まで）`;
  let objects = text.match(/\d+\s+\d+\s+obj\b/g)?.length ?? 0;
  if (objects > limits.objects) return tooMany;
  if (/\/(LZWDecode|RunLengthDecode)\b/.test(text) || /\/Filter\s*\[\s*\/\w+\s*\/\w+/.test(text)) {
    return 'この PDF は、検証で扱わない圧縮形式（LZW・ランレングス・多段の圧縮）を使っています';
  }
  for (const n of text.matchAll(/\/Type\s*\/ObjStm\b[^>]*?\/N\s+(\d+)|\/N\s+(\d+)[^>]*?\/Type\s*\/ObjStm\b/g)) {
    objects += Number(n[1] ?? n[2]);
    if (objects > limits.objects) return tooMany;
  }
  let budget = limits.inflatedBytes;
  for (const match of text.matchAll(/stream\r?\n/g)) {
    const start = match.index + match[0].length;
    let inflated: Buffer;
    try {
      inflated = inflateSync(bytes.subarray(start), { maxOutputLength: budget + 1 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return tooLarge(limits);
      continue; // not Flate data (an image, a stored stream): pdf-lib does not inflate it either
    }
    budget -= inflated.length;
    if (budget < 0) return tooLarge(limits);
  }
  return null;
}

const tooLarge = (limits: PdfLimits) =>
  `PDF の内部データを展開すると大きすぎます（合計 ${limits.inflatedBytes / 1024 / 1024} MB まで）`;
