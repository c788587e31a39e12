// Reads back what a PDF carries for verification: its embedded files (the signed JWS, the public key) and the
// keywords that bind the document to them. Only reads; never trusts: every byte found here is checked by the verifier.
import { inflateSync } from 'node:zlib';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFRawStream, PDFString } from 'pdf-lib';
import { pdfLimitProblem } from './limits.js';

export interface EmbeddedFile {
  name: string;
  bytes: Uint8Array;
}

export interface PdfContents {
  attachments: EmbeddedFile[];
  keywords: string[];
  pages: number;
}

/** Thrown for a file that is not a readable PDF (or uses features the verifier does not read, e.g. encryption). */
export class UnreadablePdf extends Error {
  override name = 'UnreadablePdf';
}

const MAX_FILES = 20;
const MAX_FILE_BYTES = 1024 * 1024;

/** @throws UnreadablePdf */
export async function inspectPdf(bytes: Uint8Array): Promise<PdfContents> {
  const problem = pdfLimitProblem(bytes);
  if (problem) throw new UnreadablePdf(problem);
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { updateMetadata: false, throwOnInvalidObject: true });
  } catch (error) {
    const encrypted = error instanceof Error && /encrypt/i.test(error.message);
    throw new UnreadablePdf(encrypted ? '暗号化された PDF は検証できません' : 'PDF の構造を読み取れません', {
      cause: error,
    });
  }
  // pdf-lib parses leniently: a file that is not a PDF past its header loads, then breaks on the first lookup.
  try {
    const attachments: EmbeddedFile[] = [];
    const names = doc.catalog.lookupMaybe(PDFName.of('Names'), PDFDict);
    const tree = names?.lookupMaybe(PDFName.of('EmbeddedFiles'), PDFDict);
    if (tree) collect(tree, attachments, 0);
    const keywords = (doc.getKeywords() ?? '').split(/\s+/).filter(Boolean);
    return { attachments, keywords, pages: doc.getPageCount() };
  } catch (error) {
    if (error instanceof UnreadablePdf) throw error;
    throw new UnreadablePdf('PDF の構造を読み取れません', { cause: error });
  }
}

/** Walks a name tree (Names pairs, Kids subtrees) of file specifications. */
function collect(node: PDFDict, out: EmbeddedFile[], depth: number): void {
  if (depth > 8) throw new UnreadablePdf('添付ファイルの一覧が深すぎます');
  const pairs = node.lookupMaybe(PDFName.of('Names'), PDFArray);
  if (pairs) {
    for (let i = 0; i + 1 < pairs.size(); i += 2) {
      const spec = pairs.lookupMaybe(i + 1, PDFDict);
      if (!spec) continue;
      if (out.length >= MAX_FILES) throw new UnreadablePdf('添付ファイルが多すぎます');
      out.push(readSpec(spec, pairs.lookup(i)));
    }
  }
  const kids = node.lookupMaybe(PDFName.of('Kids'), PDFArray);
  if (kids) for (let i = 0; i < kids.size(); i++) collect(kids.lookup(i, PDFDict), out, depth + 1);
}

function text(value: unknown): string | null {
  return value instanceof PDFString || value instanceof PDFHexString ? value.decodeText() : null;
}

function readSpec(spec: PDFDict, key: unknown): EmbeddedFile {
  const name = text(spec.lookup(PDFName.of('UF'))) ?? text(spec.lookup(PDFName.of('F'))) ?? text(key) ?? '';
  const stream = spec.lookupMaybe(PDFName.of('EF'), PDFDict)?.lookup(PDFName.of('F'));
  if (!(stream instanceof PDFRawStream)) throw new UnreadablePdf(`添付ファイル ${name} の中身がありません`);
  const filter = stream.dict.lookup(PDFName.of('Filter'));
  let bytes = stream.getContents();
  if (filter instanceof PDFName && filter.asString() === '/FlateDecode') {
    try {
      bytes = inflateSync(bytes, { maxOutputLength: MAX_FILE_BYTES });
    } catch {
      throw new UnreadablePdf(`添付ファイル ${name} を展開できません`);
    }
  } else if (filter !== undefined) {
    throw new UnreadablePdf(`添付ファイル ${name} の圧縮形式には対応していません`);
  }
  if (bytes.length > MAX_FILE_BYTES) throw new UnreadablePdf(`添付ファイル ${name} が大きすぎます`);
  return { name, bytes };
}
