// The contractor's status page: a number + key form, answered with the status (throttled like verification).
import { Hono, type Context } from 'hono';
import { translator } from '../i18n/index.js';
import { TamperedPage } from '../../views/pages/certificate-page.js';
import { StatusPage } from '../../views/pages/status-page.js';
import type { ServiceContext } from '../services/context.js';
import { downloadNoticeByKey } from '../services/contractor-notice.js';
import { contractorStatus } from '../services/contractor-status.js';
import type { NoticeRenderer } from '../services/mail-links.js';
import { clientOf, type AppEnv } from './http.js';

export function statusRoutes(ctx: ServiceContext, renderNotice: NoticeRenderer): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();
  const pageProps = (c: Context<AppEnv>) => ({
    t: translator(c.get('lang')),
    lang: c.get('lang'),
    path: '/status',
    nonce: c.get('nonce'),
  });

  pages.get('/', (c) => c.html(<StatusPage {...pageProps(c)} />));

  type Attempt = { contractNumber: string; authKey: string; client: string; exempt: boolean };
  type Failure =
    | { outcome: 'throttled'; retryAfter: number }
    | { outcome: 'no_match'; remaining?: number | undefined }
    | { outcome: 'tampered'; contractNumber: string };

  /**
   * Both forms (status and key notice) read number + key the same way and answer a failure with the same page; `ok`
   * answers the success.
   */
  const numberAndKey =
    <R extends { outcome: string }>(
      attempt: (input: Attempt) => Promise<R>,
      ok: (c: Context<AppEnv>, result: Exclude<R, Failure>) => Response | Promise<Response>,
    ) =>
    async (c: Context<AppEnv>) => {
      c.header('Cache-Control', 'no-store');
      c.header('X-Robots-Tag', 'noindex');
      const form = await c.req.parseBody();
      const contractNumber = typeof form.contractNumber === 'string' ? form.contractNumber : '';
      const authKey = typeof form.authKey === 'string' ? form.authKey : '';
      const echo = contractNumber.slice(0, 32);
      if (contractNumber.trim() === '' || authKey.trim() === '') {
        return c.html(<StatusPage {...pageProps(c)} error="invalid" contractNumber={echo} />, 422);
      }
      const client = clientOf(ctx, c);
      const result = await attempt({ contractNumber, authKey, client: client.key, exempt: client.exempt });
      const failure = result as unknown as Failure;
      switch (failure.outcome) {
        case 'throttled':
          c.header('Retry-After', String(failure.retryAfter));
          return c.html(
            <StatusPage
              {...pageProps(c)}
              error="throttled"
              retryAfterSeconds={failure.retryAfter}
              nowMs={ctx.clock().getTime()}
              contractNumber={echo}
            />,
            429,
          );
        case 'no_match':
          return c.html(
            <StatusPage {...pageProps(c)} error="no_match" remaining={failure.remaining} contractNumber={echo} />,
            401,
          );
        case 'tampered':
          return c.html(<TamperedPage {...pageProps(c)} contractNumber={failure.contractNumber} />, 500);
        default:
          return ok(c, result as Exclude<R, Failure>);
      }
    };

  pages.post(
    '/',
    numberAndKey(
      (input) => contractorStatus(ctx, input),
      (c, result) => c.html(<StatusPage {...pageProps(c)} status={result.status} />),
    ),
  );

  // The same number + key form's second button: the key notice again, as a download (the key stays in the body).
  pages.post(
    '/notice',
    numberAndKey(
      (input) => downloadNoticeByKey(ctx, input, renderNotice),
      (c, r) =>
        c.body(r.pdf as Uint8Array<ArrayBuffer>, 200, {
          'Content-Type': 'application/pdf',
          'Content-Disposition': `attachment; filename="notice-${r.contractNumber}.pdf"`,
        }),
    ),
  );

  return pages;
}
