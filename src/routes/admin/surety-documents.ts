// The 電子保証概要 screen's documents: the key notice PDF (a POST: it holds the key) and the certificate PDF of the
// current version. The guard (route-table.ts) has already checked session, role and CSRF; responses are no-store.
import type { Context } from 'hono';
import type { PdfFile } from '../../services/render-certificate.js';
import type { ServiceContext } from '../../services/context.js';
import { staffCertificatePdf, staffNoticePdf } from '../../services/staff/documents.js';
import { attachment } from '../documents.js';
import { pathContractNumber, type AppEnv } from '../http.js';
import { actorOf, type Handler } from './kit.js';

const pdfResponse = (c: Context<AppEnv>, file: PdfFile) =>
  c.body(file.pdf as Uint8Array<ArrayBuffer>, 200, {
    'Content-Type': 'application/pdf',
    'Content-Disposition': attachment(file),
  });

export function suretyDocumentHandlers(
  ctx: ServiceContext,
): Record<'sureties.notice' | 'sureties.certificate', Handler> {
  return {
    'sureties.notice': async (c, s) =>
      pdfResponse(c, await staffNoticePdf(ctx, actorOf(s), pathContractNumber(c.req.param('n') ?? ''))),
    'sureties.certificate': async (c, s) =>
      pdfResponse(c, await staffCertificatePdf(ctx, actorOf(s), pathContractNumber(c.req.param('n') ?? ''))),
  };
}
