// PAdES: a PDF signed with an incremental-free signature field whose /Contents is the CAdES detached CMS over the
// whole file but that hex string (ETSI.CAdES.detached). pdf-lib draws the field; @signpdf/signpdf (well kept, MIT)
// fills /ByteRange and /Contents — byte arithmetic we would otherwise write and get subtly wrong.
import { SignPdf } from '@signpdf/signpdf';
import { Signer } from '@signpdf/utils';
import { PDFDocument } from 'pdf-lib';
import { cadesDetached, type SealSigner, type TimeStamper } from './cms.js';
import { addSealPlaceholder, type SealPlaceholder } from './placeholder.js';

export type { SealPlaceholder };

export interface SealOptions extends SealPlaceholder {
  signer: SealSigner;
  timestamp?: TimeStamper | undefined;
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

/** Signs a document saved with a placeholder: hashes it but the placeholder, and writes the CMS into it. */
export async function signPrepared(
  prepared: Uint8Array,
  signer: SealSigner,
  timestamp: TimeStamper | undefined,
): Promise<Uint8Array> {
  return new Uint8Array(await new SignPdf().sign(Buffer.from(prepared), new CadesSigner(signer, timestamp)));
}

/** The PDF `bytes` sealed (PAdES B-B, or B-T with a time-stamper). */
export async function sealPdf(bytes: Uint8Array, options: SealOptions): Promise<Uint8Array> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  addSealPlaceholder(doc, options);
  return signPrepared(await doc.save({ useObjectStreams: false }), options.signer, options.timestamp);
}
