// The Document Security Store (ETSI EN 319 142-1 §5.4.2, PAdES B-LT): /DSS in the catalog with /Certs and /CRLs,
// each entry a stream of DER. Written as an incremental update, so the signatures before it stay valid; an existing
// DSS (from an earlier update) is kept and extended, entries already there are not repeated.
import { createHash } from 'node:crypto';
import { PDFArray, PDFDict, PDFName, PDFRawStream, PDFRef, type PDFDocument } from 'pdf-lib';
import { collectValidationData } from './validation-data.js';
import { appendUpdate, loadForUpdate } from './incremental.js';

export interface ValidationData {
  certs: Uint8Array[];
  crls: Uint8Array[];
}

const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Puts `data` into the document's DSS (created or extended). @returns the refs written (for `appendUpdate`)
 */
export function mergeDss(doc: PDFDocument, data: ValidationData): PDFRef[] {
  const { context, catalog } = doc;
  const written: PDFRef[] = [];
  const existingRef = catalog.get(PDFName.of('DSS'));
  const dss = catalog.lookupMaybe(PDFName.of('DSS'), PDFDict) ?? context.obj({ Type: 'DSS' });
  const add = (key: 'Certs' | 'CRLs', items: Uint8Array[]) => {
    const array = dss.lookupMaybe(PDFName.of(key), PDFArray) ?? context.obj([]);
    const have = new Set<string>();
    for (let i = 0; i < array.size(); i++) {
      const stream = array.lookup(i);
      if (stream instanceof PDFRawStream) have.add(digest(stream.contents));
    }
    for (const der of items) {
      if (have.has(digest(der))) continue;
      have.add(digest(der));
      const ref = context.register(context.stream(der));
      written.push(ref);
      array.push(ref);
    }
    // Arrays are kept direct in the DSS dictionary, which is rewritten whole.
    if (array.size() > 0) dss.set(PDFName.of(key), array);
  };
  add('Certs', data.certs);
  add('CRLs', data.crls);
  if (existingRef instanceof PDFRef) {
    written.push(existingRef);
  } else {
    const ref = context.register(dss);
    catalog.set(PDFName.of('DSS'), ref);
    written.push(ref, context.trailerInfo.Root as PDFRef);
  }
  return written;
}

/** `pdf` with its validation data (all its signatures' certificates and their CRLs) in a DSS: PAdES B-LT. */
export async function addValidationData(pdf: Uint8Array): Promise<Uint8Array> {
  const data = await collectValidationData(pdf);
  const doc = await loadForUpdate(pdf);
  return appendUpdate(pdf, doc, mergeDss(doc, data));
}
