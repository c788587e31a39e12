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
 * Adds the empty signature field to a document about to be saved. Save it then with `useObjectStreams: false`, so
 * the signature dictionary stays findable as text. Pure pdf-lib: the PDF worker does this while drawing.
 */
export function addSealPlaceholder(doc: PDFDocument, options: SealPlaceholder): void {
  pdflibAddPlaceholder({
    pdfDoc: doc,
    reason: options.reason,
    contactInfo: '',
    name: options.name,
    location: options.location,
    signingTime: options.signingTime,
    signatureLength: SIGNATURE_BYTES,
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
  });
}
