// One entry point for everything the PDF worker does: render a document, or read back what a PDF carries.
import { renderCertificate } from './certificate.js';
import { loadFont } from './fonts.js';
import { inspectPdf, type PdfContents } from './inspect.js';
import type { DocumentInput } from './model.js';
import { renderNotice } from './notice.js';
import { renderReceipt } from './receipt.js';

export type PdfJob = DocumentInput | { kind: 'inspect'; bytes: Uint8Array } | { kind: 'warm' };

export type PdfJobResult<J extends PdfJob> = J extends { kind: 'inspect' } ? PdfContents : Uint8Array;

export async function runPdfJob(job: PdfJob): Promise<Uint8Array | PdfContents> {
  switch (job.kind) {
    case 'notice':
      return renderNotice(job);
    case 'certificate':
      return renderCertificate(job);
    case 'receipt':
      return renderReceipt(job);
    case 'inspect':
      return inspectPdf(job.bytes);
    case 'warm':
      // Parse the fonts now, so that the first document drawn after start-up does not pay for it.
      for (const id of ['mincho', 'gothic', 'gothicBold'] as const) loadFont(id);
      return new Uint8Array(0);
  }
}
