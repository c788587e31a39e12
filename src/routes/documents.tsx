// Documents for officers: the certificate PDF of a version and the verification receipt (確認証跡), behind the same
// viewer grant as the certificate page; and /verify-file, where anyone checks a downloaded file (never stored).
import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { translator } from '../i18n/index.js';
import { TamperedPage } from '../../views/pages/certificate-page.js';
import { VerificationReceiptPage } from '../../views/pages/verification-receipt-page.js';
import { VerifyFilePage } from '../../views/pages/verify-file-page.js';
import { DomainError } from '../errors.js';
import { GRANT_COOKIE, grantSessionId } from '../security/viewer-grant.js';
import type { ServiceContext } from '../services/context.js';
import { issueVerificationReceipt, receiptRequestSchema } from '../services/issue-verification-receipt.js';
import { pdfRunner } from '../pdf/pool.js';
import { certificatePdf, type PdfFile } from '../services/render-certificate.js';
import { loadVerificationReceipt, verificationReceiptPdf } from '../services/render-receipt.js';
import { signedPdfOf } from '../services/signed-pdfs.js';
import { parseOrThrow } from '../services/validation.js';
import { viewCertificate } from '../services/view-certificate.js';
import { liveGrantEntry } from '../services/viewer-access.js';
import { MAX_DOCUMENT_BYTES, verifyUploadedDocument } from '../services/verify-document.js';
import { clientOf, pathContractNumber, versionSeq, type AppEnv } from './http.js';
import { rememberOfficer } from './officer.js';
import { readExpectInput } from '../domain/expect-input.js';

const RECEIPT_ID = /^R\d{8}-[2-9A-HJ-NP-Z]{8}$/;

/** Content-Disposition for a download: an ASCII name for old clients, the Japanese name as RFC 6266 filename*. */
export function attachment(file: Pick<PdfFile, 'filename' | 'asciiFilename'>): string {
  return `attachment; filename="${file.asciiFilename}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`;
}

export function documentRoutes(ctx: ServiceContext): Hono<AppEnv> {
  const docs = new Hono<AppEnv>();
  // Start the PDF worker and parse its fonts in the background (≈ 1–2 s), so the first officer to download a
  // certificate does not wait for it. Not under test, where most app instances never draw a PDF.
  if (ctx.config.env !== 'test')
    void pdfRunner()
      .run({ kind: 'warm' })
      .catch(() => undefined);
  const pageProps = (c: Context<AppEnv>) => ({
    t: translator(c.get('lang')),
    lang: c.get('lang'),
    path: c.req.path,
    nonce: c.get('nonce'),
  });
  /** The certificate's number when this browser's viewer grant covers it; null sends the browser to the form. */
  const granted = async (c: Context<AppEnv>): Promise<string | null> => {
    const contractNumber = pathContractNumber(c.req.param('contractNumber') ?? '');
    return (await liveGrantEntry(ctx, getCookie(c, GRANT_COOKIE), contractNumber)) ? contractNumber : null;
  };
  const pdf = (c: Context<AppEnv>, file: PdfFile) =>
    c.body(file.pdf as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': attachment(file),
      'Cache-Control': 'no-store',
      'X-Robots-Tag': 'noindex',
    });

  const certificate = async (c: Context<AppEnv>, seq?: number) => {
    const contractNumber = await granted(c);
    if (!contractNumber) return c.redirect('/', 303);
    const result = await certificatePdf(ctx, {
      contractNumber,
      client: clientOf(ctx, c).key,
      ...(seq !== undefined ? { seq } : {}),
    });
    if (result.kind === 'tampered') {
      c.header('Cache-Control', 'no-store');
      return c.html(<TamperedPage {...pageProps(c)} contractNumber={contractNumber} />, 500);
    }
    return pdf(c, result);
  };
  docs.get('/certificates/:contractNumber/certificate.pdf', (c) => certificate(c));
  docs.get('/certificates/:contractNumber/versions/:seq/certificate.pdf', (c) =>
    certificate(c, versionSeq(c.req.param('seq'))),
  );

  // The PAdES-signed as-issued PDF of a visible version (DESIGN §13), behind the same viewer grant.
  docs.get('/certificates/:contractNumber/versions/:seq/signed.pdf', async (c) => {
    const contractNumber = await granted(c);
    if (!contractNumber) return c.redirect('/', 303);
    const seq = versionSeq(c.req.param('seq'));
    const loaded = await viewCertificate(ctx, { contractNumber, seq, client: clientOf(ctx, c).key });
    if (loaded.kind === 'tampered') {
      c.header('Cache-Control', 'no-store');
      return c.html(<TamperedPage {...pageProps(c)} contractNumber={contractNumber} />, 500);
    }
    return pdf(c, await signedPdfOf(ctx, loaded.state, seq, 'officer'));
  });

  docs.post('/certificates/:contractNumber/verification-receipts', async (c) => {
    const contractNumber = pathContractNumber(c.req.param('contractNumber') ?? '');
    const entry = await liveGrantEntry(ctx, getCookie(c, GRANT_COOKIE), contractNumber);
    if (!entry) return c.redirect('/', 303);
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === 'string' ? form[name] : undefined);
    rememberOfficer(ctx, c, form);
    const input = parseOrThrow(receiptRequestSchema, {
      seq: field('seq'),
      officerName: field('officerName'),
      department: field('department'),
    });
    const rid = await issueVerificationReceipt(ctx, {
      contractNumber,
      ...input,
      expect: readExpectInput(form).expect,
      client: clientOf(ctx, c).key,
      session: grantSessionId(entry),
    });
    return c.redirect(`/certificates/${contractNumber}/verification-receipts/${rid}`, 303);
  });

  /** A receipt of this grant's certificate; an id of the wrong shape is simply not found. */
  const receipt = async (c: Context<AppEnv>) => {
    const contractNumber = await granted(c);
    const id = c.req.param('id') ?? '';
    if (contractNumber && !RECEIPT_ID.test(id)) throw new DomainError('not_found', 'この確認証跡は見つかりません');
    c.header('Cache-Control', 'no-store');
    c.header('X-Robots-Tag', 'noindex');
    return contractNumber ? { contractNumber, id } : null;
  };
  docs.get('/certificates/:contractNumber/verification-receipts/:id', async (c) => {
    const target = await receipt(c);
    if (!target) return c.redirect('/', 303);
    const r = await loadVerificationReceipt(ctx, target.contractNumber, target.id);
    return c.html(
      <VerificationReceiptPage
        {...pageProps(c)}
        contractNumber={target.contractNumber}
        rid={r.payload.rid}
        issuedAt={r.payload.issuedAt}
        no={r.ref.no}
        kind={r.ref.label}
        seq={r.payload.seq}
        versionHash={r.payload.version}
        status={r.payload.status}
        officer={r.payload.officer}
        findings={r.payload.findings}
        expect={r.payload.expect}
      />,
    );
  });
  docs.get('/certificates/:contractNumber/verification-receipts/:id/receipt.pdf', async (c) => {
    const target = await receipt(c);
    if (!target) return c.redirect('/', 303);
    return pdf(c, await verificationReceiptPdf(ctx, target.contractNumber, target.id));
  });
  docs.get('/certificates/:contractNumber/verification-receipts/:id/receipt.jws', async (c) => {
    const target = await receipt(c);
    if (!target) return c.redirect('/', 303);
    const r = await loadVerificationReceipt(ctx, target.contractNumber, target.id);
    return c.body(r.jws, 200, {
      'Content-Type': 'application/jose; charset=us-ascii',
      'Content-Disposition': attachment({
        filename: `確認証跡_${target.contractNumber}_${target.id}.jws`,
        asciiFilename: `receipt-${target.contractNumber}-${target.id}.jws`,
      }),
    });
  });

  docs.get('/verify-file', (c) => c.html(<VerifyFilePage {...pageProps(c)} />));
  docs.post('/verify-file', async (c) => {
    const form = await c.req.parseBody();
    const file = form.file;
    if (!(file instanceof File) || file.size === 0) {
      return c.html(<VerifyFilePage {...pageProps(c)} error="missing" />, 422);
    }
    if (file.size > MAX_DOCUMENT_BYTES) return c.html(<VerifyFilePage {...pageProps(c)} error="too_large" />, 413);
    const report = await verifyUploadedDocument(ctx, new Uint8Array(await file.arrayBuffer()), clientOf(ctx, c));
    c.header('Cache-Control', 'no-store');
    return c.html(<VerifyFilePage {...pageProps(c)} report={report} fileName={file.name.slice(0, 200)} />);
  });

  return docs;
}
