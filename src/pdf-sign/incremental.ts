// Incremental updates (ISO 32000-1 §7.5.6): new and changed objects appended after the file's end with their own
// cross-reference section and a trailer pointing back (/Prev), so that every earlier byte — and with it every earlier
// signature's byte range — stays exactly as it was. pdf-lib reads the file and serialises the objects; it cannot
// save incrementally itself.
import { PDFDocument, PDFName, PDFNumber, type PDFObject, type PDFRef } from 'pdf-lib';

export class IncrementalUpdateError extends Error {}

/** The byte offset after the file's last `startxref`: where its newest cross-reference section starts. */
function lastStartxref(bytes: Uint8Array): number {
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - 2048))).toString('latin1');
  const match = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (!match) throw new IncrementalUpdateError('the PDF does not end with startxref … %%EOF');
  return Number(match[1]);
}

/** Loads a PDF for an incremental update (metadata left alone: /Info is not rewritten). */
export function loadForUpdate(bytes: Uint8Array): Promise<PDFDocument> {
  return PDFDocument.load(bytes, { updateMetadata: false });
}

function serialise(object: PDFObject): Uint8Array {
  const out = new Uint8Array(object.sizeInBytes());
  object.copyBytesInto(out, 0);
  return out;
}

/**
 * `original` followed by an update holding the objects `refs` name as they now are in `doc` (which was loaded from
 * `original` and then edited: new objects registered, changed ones changed in place).
 * @throws IncrementalUpdateError when `original` has no classic end (startxref … %%EOF)
 */
export function appendUpdate(original: Uint8Array, doc: PDFDocument, refs: PDFRef[]): Uint8Array {
  const prev = lastStartxref(original);
  const chunks: Uint8Array[] = [original];
  let offset = original.length;
  const push = (chunk: Uint8Array | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    chunks.push(bytes);
    offset += bytes.length;
  };
  if (original[original.length - 1] !== 0x0a) push('\n');
  const entries: { ref: PDFRef; at: number }[] = [];
  const unique = [...new Map(refs.map((r) => [r.tag, r])).values()].sort((a, b) => a.objectNumber - b.objectNumber);
  for (const ref of unique) {
    const object = doc.context.lookup(ref);
    if (!object) throw new IncrementalUpdateError(`object ${ref.tag} is not in the document`);
    entries.push({ ref, at: offset });
    push(`${ref.objectNumber} ${ref.generationNumber} obj\n`);
    push(serialise(object));
    push('\nendobj\n');
  }
  const xrefAt = offset;
  push('xref\n');
  for (const { ref, at } of entries) {
    // Each entry exactly 20 bytes: 10-digit offset, 5-digit generation, 'n', a two-byte end of line.
    push(
      `${ref.objectNumber} 1\n${String(at).padStart(10, '0')} ${String(ref.generationNumber).padStart(5, '0')} n\r\n`,
    );
  }
  const info = doc.context.trailerInfo;
  const trailer = doc.context.obj({});
  trailer.set(PDFName.of('Size'), PDFNumber.of(doc.context.largestObjectNumber + 1));
  if (info.Root) trailer.set(PDFName.of('Root'), info.Root);
  if (info.Info) trailer.set(PDFName.of('Info'), info.Info);
  if (info.ID) trailer.set(PDFName.of('ID'), info.ID);
  trailer.set(PDFName.of('Prev'), PDFNumber.of(prev));
  push('trailer\n');
  push(serialise(trailer));
  push(`\nstartxref\n${xrefAt}\n%%EOF\n`);
  return Buffer.concat(chunks);
}
