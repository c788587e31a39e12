// The empty e-seal field of a PDF about to be signed: what the PDF worker adds while drawing an as-issued PDF. Only
// pdf-lib and @signpdf/placeholder-pdf-lib here, so the worker loads no CMS code.
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils';
import {
  PDFArray,
  PDFDict,
  PDFHexString,
  PDFInvalidObject,
  PDFName,
  PDFRef,
  type PDFDocument,
  type PDFPage,
} from 'pdf-lib';

/** Room for the CMS: certificates, signature and a time-stamp token with its own chain. */
const SIGNATURE_BYTES = 24_576;

/** The signature dictionary's /Name, /Reason, /Location and /M. */
export interface SealPlaceholder {
  name: string;
  reason: string;
  location: string;
  signingTime: Date;
}

/**
 * Adds the empty signature field to a document about to be saved. Save it then with `useObjectStreams: false`, so
 * the signature dictionary stays findable as text. Pure pdf-lib: the PDF worker does this while drawing.
 */
export function addSealPlaceholder(doc: PDFDocument, options: SealPlaceholder): void {
  const page = doc.getPage(0);
  pdflibAddPlaceholder({
    pdfPage: page,
    reason: MARKS.reason,
    contactInfo: '',
    name: MARKS.name,
    location: MARKS.location,
    signingTime: options.signingTime,
    signatureLength: SIGNATURE_BYTES,
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
  });
  writeTextStrings(doc, page, options);
}

/** ASCII stand-ins the library writes, replaced by the real values as PDF text strings. */
const MARKS = { reason: 'ESURETY-SEAL-REASON', name: 'ESURETY-SEAL-NAME', location: 'ESURETY-SEAL-LOCATION' };

/**
 * The library writes /Reason, /Name and /Location as literal strings of the JavaScript text, which is right for ASCII
 * only: a Japanese reason showed as mojibake in a reader's signature panel (seen in Okular). PDF text strings outside
 * PDFDocEncoding are UTF-16BE with a byte-order mark (ISO 32000-1 §7.9.2.2), so the stand-ins are replaced by those in
 * the signature dictionary the library registered as raw bytes.
 */
function writeTextStrings(doc: PDFDocument, page: PDFPage, options: SealPlaceholder): void {
  const annots = page.node.lookup(PDFName.of('Annots'), PDFArray);
  const widget = doc.context.lookup(annots.get(annots.size() - 1), PDFDict);
  const ref = widget.get(PDFName.of('V'));
  if (!(ref instanceof PDFRef)) throw new Error('seal placeholder: no signature dictionary');
  const raw = doc.context.lookup(ref);
  if (!(raw instanceof PDFInvalidObject)) throw new Error('seal placeholder: unexpected signature dictionary');
  const bytes = new Uint8Array(raw.sizeInBytes());
  raw.copyBytesInto(bytes, 0);
  let text = Buffer.from(bytes).toString('latin1');
  for (const key of ['reason', 'name', 'location'] as const) {
    const literal = `(${MARKS[key]})`;
    if (!text.includes(literal)) throw new Error(`seal placeholder: ${key} not found`);
    text = text.replace(literal, PDFHexString.fromText(options[key]).toString());
  }
  doc.context.assign(ref, PDFInvalidObject.of(Buffer.from(text, 'latin1')));
}
