// The 電子保証概要 screen's documents: the key notice PDF (a POST: it holds the key) and the certificate PDF of the
// current version; and an import's key notices in one ZIP, from its application page. The guard has already checked session, role and CSRF; responses are no-store.
import { Hono, type Context } from 'hono';
import type { PdfFile } from '../../services/render-certificate.js';
import type { ServiceContext } from '../../services/context.js';
import { batchNoticesZip } from '../../services/staff/batch-notices.js';
import { staffCertificatePdf, staffNoticePdf } from '../../services/staff/documents.js';
import { attachment } from '../documents.js';
import { pathContractNumber } from '../http.js';
import { staffGuard } from './guard.js';
import type { AdminEnv } from './kit.js';

const pdfResponse = (c: Context<AdminEnv>, file: PdfFile) =>
  c.body(file.pdf as Uint8Array<ArrayBuffer>, 200, {
    'Content-Type': 'application/pdf',
    'Content-Disposition': attachment(file),
  });

export function suretyDocumentRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const guard = staffGuard(ctx);
  const app = new Hono<AdminEnv>();
  app.post('/sureties/:n/notice.pdf', guard('sureties.notice'), async (c) =>
    pdfResponse(c, await staffNoticePdf(ctx, c.get('staff').actor, pathContractNumber(c.req.param('n')))),
  );
  app.get('/sureties/:n/certificate.pdf', guard('sureties.certificate'), async (c) =>
    pdfResponse(c, await staffCertificatePdf(ctx, c.get('staff').actor, pathContractNumber(c.req.param('n')))),
  );
  app.post('/drafts/:id/notices.zip', guard('drafts.notices'), async (c) => {
    const zip = await batchNoticesZip(ctx, c.get('staff').actor, c.req.param('id'));
    return c.body(zip.stream, 200, {
      'Content-Type': 'application/zip',
      'Content-Disposition': attachment(zip),
    });
  });
  return app;
}
