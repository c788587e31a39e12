// The empty e-seal field of a PDF about to be signed: what the PDF worker adds while drawing an as-issued PDF. Only
// pdf-lib and @signpdf/placeholder-pdf-lib here, so the worker loads no CMS code.
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils';
import type { PDFDocument } from 'pdf-lib';

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
 * A text string for the signature dictionary (ISO 32000-1 §7.9.2.2): ASCII as is, anything else UTF-16BE with its byte
 * order mark. @signpdf writes the value into a literal string byte for byte (a character above U+00FF would lose its
 * high byte: readers showed the Japanese /Reason as mojibake), so the bytes come here already escaped.
 */
export function pdfTextString(text: string): string {
  const bytes = /^[\x20-\x7e]*$/.test(text)
    ? Buffer.from(text, 'latin1')
    : Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x28 || byte === 0x29 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte === 0x0d) out += '\\r';
    else if (byte === 0x0a) out += '\\n';
    else out += String.fromCharCode(byte);
  }
  return out;
}

/**
 * Adds the empty signature field to a document about to be saved. Save it then with `useObjectStreams: false`, so
 * the signature dictionary stays findable as text. Pure pdf-lib: the PDF worker does this while drawing.
 */
export function addSealPlaceholder(doc: PDFDocument, options: SealPlaceholder): void {
  pdflibAddPlaceholder({
    pdfDoc: doc,
    reason: pdfTextString(options.reason),
    contactInfo: '',
    name: pdfTextString(options.name),
    location: pdfTextString(options.location),
    signingTime: options.signingTime,
    signatureLength: SIGNATURE_BYTES,
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
  });
}
