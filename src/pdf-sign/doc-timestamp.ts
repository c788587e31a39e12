// PAdES B-LTA (ETSI EN 319 142-1 §5.5): a document time-stamp — /Type /DocTimeStamp, /SubFilter /ETSI.RFC3161, its
// /Contents an RFC 3161 token over the whole file but that hex string — appended as an incremental update together
// with the validation data of everything before it (DSS), so that the earlier signature and time-stamps can still be
// validated after their certificates expire. Adding another before this one's TSA certificate expires extends it.
import { SignPdf } from '@signpdf/signpdf';
import { DEFAULT_BYTE_RANGE_PLACEHOLDER, Signer } from '@signpdf/utils';
import { createHash } from 'node:crypto';
import { PDFArray, PDFDict, PDFHexString, PDFName, PDFNumber, PDFRef, PDFString } from 'pdf-lib';
import * as pkijs from 'pkijs';
import type { TimeStamper } from './cms.js';
import { mergeDss } from './dss.js';
import { appendUpdate, loadForUpdate } from './incremental.js';
import { collectValidationData, signaturesOf, timeStampTokensOf } from './validation-data.js';

/** Room for the token: TSTInfo, the TSA's signature and its chain (a 3-certificate RSA-4096 chain is ~6 KB); every
 * re-stamp costs twice this in hex, so it is not generous either. */
const TOKEN_BYTES = 12_288;

class TokenSigner extends Signer {
  constructor(private readonly timestamp: TimeStamper) {
    super();
  }
  override async sign(content: Buffer): Promise<Buffer> {
    return Buffer.from(await this.timestamp(createHash('sha256').update(content).digest()));
  }
}

/**
 * When the newest time-stamp in `pdf` stops being verifiable: its TSA certificate's notAfter (the last signature's
 * own token, or its signature time-stamp). null when the PDF carries no time-stamp with a certificate.
 */
export function newestTimeStampExpiry(pdf: Uint8Array): Date | null {
  const last = signaturesOf(pdf).at(-1);
  const token = last ? timeStampTokensOf(last).at(-1) : undefined;
  const sid = token?.signerInfos[0]?.sid;
  if (!token || !(sid instanceof pkijs.IssuerAndSerialNumber)) return null;
  const cert = (token.certificates ?? []).find(
    (c): c is pkijs.Certificate => c instanceof pkijs.Certificate && c.serialNumber.isEqual(sid.serialNumber),
  );
  return cert ? cert.notAfter.value : null;
}

/** `pdf` with its validation data and a document time-stamp appended (PAdES B-LTA). @throws what the TSA or a CRL fetch throws */
export async function addDocumentTimeStamp(pdf: Uint8Array, timestamp: TimeStamper): Promise<Uint8Array> {
  const data = await collectValidationData(pdf);
  const doc = await loadForUpdate(pdf);
  const { context, catalog } = doc;
  const written = mergeDss(doc, data);

  const byteRange = context.obj([0, ...Array.from({ length: 3 }, () => PDFName.of(DEFAULT_BYTE_RANGE_PLACEHOLDER))]);
  const signature = context.register(
    context.obj({
      Type: 'DocTimeStamp',
      Filter: 'Adobe.PPKLite',
      SubFilter: 'ETSI.RFC3161',
      ByteRange: byteRange,
      Contents: PDFHexString.of('0'.repeat(TOKEN_BYTES * 2)),
    }),
  );
  const page = doc.getPage(0);
  const acroForm = catalog.lookupMaybe(PDFName.of('AcroForm'), PDFDict) ?? context.obj({});
  const fields = acroForm.lookupMaybe(PDFName.of('Fields'), PDFArray) ?? context.obj([]);
  // An invisible widget (zero rectangle), printed and locked, as a document time-stamp has no appearance.
  const widget = context.register(
    context.obj({
      Type: 'Annot',
      Subtype: 'Widget',
      FT: 'Sig',
      Rect: [0, 0, 0, 0],
      F: 132,
      T: PDFString.of(`DocTimeStamp${fields.size() + 1}`),
      V: signature,
      P: page.ref,
    }),
  );
  written.push(signature, widget);

  fields.push(widget);
  const fieldsRef = acroForm.get(PDFName.of('Fields'));
  if (fieldsRef instanceof PDFRef) written.push(fieldsRef);
  else acroForm.set(PDFName.of('Fields'), fields);
  acroForm.set(PDFName.of('SigFlags'), PDFNumber.of(3));
  const acroFormRef = catalog.get(PDFName.of('AcroForm'));
  if (acroFormRef instanceof PDFRef) written.push(acroFormRef);
  else {
    catalog.set(PDFName.of('AcroForm'), acroForm);
    written.push(context.trailerInfo.Root as PDFRef);
  }

  const annots = page.node.lookupMaybe(PDFName.of('Annots'), PDFArray) ?? context.obj([]);
  annots.push(widget);
  const annotsRef = page.node.get(PDFName.of('Annots'));
  if (annotsRef instanceof PDFRef) written.push(annotsRef);
  else {
    page.node.set(PDFName.of('Annots'), annots);
    written.push(page.ref);
  }

  const prepared = appendUpdate(pdf, doc, written);
  return new Uint8Array(await new SignPdf().sign(Buffer.from(prepared), new TokenSigner(timestamp)));
}
