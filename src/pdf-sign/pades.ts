// PAdES: a PDF signed with an incremental-free signature field whose /Contents is the CAdES detached CMS over the
// whole file but that hex string (ETSI.CAdES.detached). pdf-lib draws the field; @signpdf/signpdf (well kept, MIT)
// fills /ByteRange and /Contents — byte arithmetic we would otherwise write and get subtly wrong.
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { SignPdf } from '@signpdf/signpdf';
import { Signer, SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils';
import { PDFDocument } from 'pdf-lib';
import { cadesDetached, type SealSigner, type TimeStamper } from './cms.js';

/** Room for the CMS: certificates, signature and a time-stamp token with its own chain. */
const SIGNATURE_BYTES = 24_576;

export interface SealOptions {
  signer: SealSigner;
  timestamp?: TimeStamper | undefined;
  /** The signature dictionary's /Name, /Reason, /Location and /M. */
  name: string;
  reason: string;
  location: string;
  signingTime: Date;
}

class CadesSigner extends Signer {
  constructor(
    private readonly seal: SealSigner,
    private readonly timestamp: TimeStamper | undefined,
  ) {
    super();
  }
  override async sign(content: Buffer): Promise<Buffer> {
    return Buffer.from(await cadesDetached(content, this.seal, this.timestamp));
  }
}

/** The PDF `bytes` sealed (PAdES B-B, or B-T with a time-stamper). */
export async function sealPdf(bytes: Uint8Array, options: SealOptions): Promise<Uint8Array> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
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
  const prepared = await doc.save({ useObjectStreams: false });
  const signed = await new SignPdf().sign(Buffer.from(prepared), new CadesSigner(options.signer, options.timestamp));
  return new Uint8Array(signed);
}
