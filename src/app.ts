// createApp(ctx): the request context, the two areas (API, pages) with their middleware and error answers, and the
// route mounts. The only file that knows URL prefixes.
import { bulkRoutes } from './routes/bulk.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { createElement } from 'hono/jsx';
import { translator, type Lang } from './i18n/index.js';
import { ErrorPage } from '../views/pages/error-page.js';
import { DomainError, statusFor, type ErrorCode } from './errors.js';
import { adminRoutes } from './routes/admin/index.js';
import { apiRoutes } from './routes/api.js';
import { documentRoutes } from './routes/documents.js';
import { apiErrorBody, type AppEnv } from './routes/http.js';
import { followUpRoutes } from './routes/follow-up.js';
import { logRoutes } from './routes/log.js';
import { statusListRoutes } from './routes/status-list.js';
import { mailLinkRoutes, oneClickUnsubscribeRoutes } from './routes/mail-links.js';
import { publicRoutes } from './routes/public.js';
import { statusRoutes } from './routes/status.js';
import type { ServiceContext } from './services/context.js';
import { renderNoticeForLink } from './services/notice-pdf.js';
import { databaseFault, UNAVAILABLE_RETRY_AFTER } from './services/db-errors.js';
import { readiness } from './services/readiness.js';

/**
 * The headers of every /api answer besides its own (Content-Type, Retry-After …): JSON has nothing to run, frame or
 * embed, so a CSP that allows nothing, no framing, no sniffing, no referrer, same-origin resources only, HSTS — the
 * set the OWASP REST Security Cheat Sheet lists. The headers that only concern HTML documents (COOP,
 * Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options, X-Permitted-Cross-Domain-Policies,
 * X-XSS-Protection) stay on the pages: on a JSON answer they did nothing but add 200 bytes to each verification.
 */
const API_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
};

/** The message of every 500 `internal` answer (no internals: the request id says where to look in the log). */
const INTERNAL_MESSAGE = 'システムエラーが発生しました。時間をおいて再度お試しください';
/** The message of every 503 `unavailable` answer: the cause (disk full, database down) is in the log only. */
const UNAVAILABLE_MESSAGE = '一時的にご利用いただけません。しばらく待ってから再度お試しください';

const FORM_LIMIT = 64 * 1024;
/** Request bodies larger than a form's 64 KB, by route. */
const BODY_LIMITS: Readonly<Record<string, number>> = {
  // The staff CSV upload (10,000 rows ≈ 4 MB).
  '/admin/import': 16 * 1024 * 1024,
  // A document of up to 1 MB (checked again by the page), with room for the multipart framing.
  '/verify-file': 2 * 1024 * 1024,
  // The bulk verification's CSV of up to 1 MB (checked again by the page).
  '/bulk': 2 * 1024 * 1024,
};

// CSP nonces drawn from a pooled random buffer: one randomBytes call per 256 requests instead of one each.
let noncePool = Buffer.alloc(0);
let nonceOffset = 0;
function nextNonce(): string {
  if (nonceOffset >= noncePool.length) {
    noncePool = randomBytes(16 * 256);
    nonceOffset = 0;
  }
  nonceOffset += 16;
  return noncePool.subarray(nonceOffset - 16, nonceOffset).toString('base64');
}

/**
 * The app: request context for every request, then two areas with their own middleware and error answers — the JSON
 * API under /api (§5 error bodies, API headers) and the pages everywhere else (CSP nonces, language, form limits,
 * CSRF, rendered error pages). Middleware is scoped by where an area is mounted, never chosen by testing the path.
 */
export function createApp(ctx: ServiceContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // Always generated here, never taken from the client: a client-chosen id would be copied into every log line.
  app.use('*', async (c, next) => {
    const id = randomUUID();
    const log = ctx.logger.child({ requestId: id });
    c.set('requestId', id);
    c.set('log', log);
    // Set before the handler runs: every answer built through c (c.json, c.html, c.body, the onError) carries it.
    c.header('X-Request-Id', id);
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    ctx.metrics.httpDuration.observe(
      { method: c.req.method, route: c.req.routePath, status: String(c.res.status) },
      seconds,
    );
    // One structured line per request: never a query string, body or header value that could carry a secret.
    log.info(
      {
        method: c.req.method,
        route: c.req.routePath,
        status: c.res.status,
        ms: Math.round(seconds * 10_000) / 10,
      },
      'request',
    );
  });
  // The API area answers every /api path itself (its own 404 included), so the page middleware never runs for one.
  app.route('/api', apiArea(ctx));
  app.route('/log', machineArea(ctx, '/', logRoutes(ctx)));
  app.route('/status-lists', machineArea(ctx, '/', statusListRoutes(ctx)));
  app.route('/', pageArea(ctx));
  // Only what the areas' own error handlers leave (a fault in the request-context middleware above).
  app.onError((error, c) => pageError(ctx, c, error));
  return app;
}

// PostgreSQL text cannot hold NUL: a %00 in a path parameter would fail its query (a 500) instead of finding nothing.
const refuseNul: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (/\0|%00/i.test(c.req.path)) throw new DomainError('not_found', '見つかりません');
  await next();
};

/** /api: JSON only, with a fixed strict header set; none of the page machinery runs on the verification hot path. */
function apiArea(ctx: ServiceContext): Hono<AppEnv> {
  return machineArea(ctx, '/v1', apiRoutes(ctx));
}

/**
 * An area for programs rather than people (/api, and /log of DESIGN §12): the API header set, §5 JSON error bodies,
 * its own 404.
 */
function machineArea(ctx: ServiceContext, mount: string, routes: Hono<AppEnv>): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.use('*', async (c, next) => {
    for (const name in API_HEADERS) c.header(name, API_HEADERS[name]!);
    await next();
  });
  api.use('*', refuseNul);
  api.route(mount, routes);
  api.all('*', () => {
    throw new DomainError('not_found', '見つかりません');
  });
  api.onError((error, c) => {
    const { code, message, issues } = errorOf(ctx, c, error);
    const id = code === 'internal' ? c.get('requestId') : undefined;
    return c.json(apiErrorBody(code, message, issues, id), statusFor(code));
  });
  return api;
}

/** Everything that is not /api: pages, forms, documents, probes. */
function pageArea(ctx: ServiceContext): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();
  const origin = new URL(ctx.config.publicUrl).origin;
  pages.use('*', refuseNul);
  pages.use('*', async (c, next) => {
    c.set('nonce', nextNonce());
    await next();
  });
  pages.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: [(c) => `'nonce-${c.get('nonce')}'`],
        scriptSrc: [(c) => `'nonce-${c.get('nonce')}'`],
        imgSrc: ["'self'", 'data:'],
        // Same-origin fetches only: the staff 申込 form's live eligibility check.
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: 'no-referrer',
    }),
  );
  pages.use('*', async (c, next) => {
    const query = c.req.query('lang');
    let lang: Lang = getCookie(c, 'lang') === 'en' ? 'en' : 'ja';
    if (query === 'ja' || query === 'en') {
      lang = query;
      setCookie(c, 'lang', lang, { path: '/', sameSite: 'Lax', maxAge: 365 * 86400 });
    }
    c.set('lang', lang);
    await next();
  });
  const tooLarge = (): never => {
    throw new DomainError('too_large', 'リクエストが大きすぎます');
  };
  pages.use('*', (c, next) =>
    bodyLimit({ maxSize: BODY_LIMITS[c.req.path] ?? FORM_LIMIT, onError: tooLarge })(c, next),
  );
  // RFC 8058 one-click unsubscribe is POSTed by mail providers without an Origin; its signed token is the proof. So it
  // is mounted before the CSRF check, which every other form passes.
  pages.route('/mail', oneClickUnsubscribeRoutes(ctx));
  // Forms are checked against the public origin (behind a TLS proxy the internal URL would differ).
  pages.use('*', csrf({ origin }));
  // The staff portal before the multipart check below: its guard decides session, second factor and role before a
  // byte of the body is read, then parses the body once itself (an anonymous 16 MiB upload to /admin/import is
  // refused unread instead of being parsed twice). Its catch-all 404 means nothing under /admin falls through.
  pages.route('/admin', adminRoutes(ctx));
  // A malformed multipart body makes the form parser throw deep inside a handler (a 500): refuse it here, once, for
  // every form route. Parsing a clone leaves the body to the handler (forms are at most FORM_LIMIT bytes).
  pages.use('*', async (c, next) => {
    if (/^multipart\/form-data\b/i.test(c.req.header('content-type') ?? '')) {
      try {
        await c.req.raw.clone().formData();
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        throw new DomainError('bad_request', 'フォームの送信内容を読み取れませんでした');
      }
    }
    await next();
  });

  pages.get('/healthz', (c) => c.json({ status: 'ok' }));
  pages.get('/readyz', async (c) => {
    const result = await readiness(ctx);
    c.header('Cache-Control', 'no-store');
    return c.json({ status: result.ready ? 'ready' : 'not_ready', checks: result.checks }, result.ready ? 200 : 503);
  });
  pages.get('/.well-known/jwks.json', async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await ctx.keyring.jwks());
  });
  pages.route('/status', statusRoutes(ctx, renderNoticeForLink));
  pages.route('/mail', mailLinkRoutes(ctx, renderNoticeForLink));
  pages.route('/certificates', followUpRoutes(ctx));
  pages.route('/', documentRoutes(ctx));
  pages.route('/', bulkRoutes(ctx));
  pages.route('/', publicRoutes(ctx));
  pages.all('*', (c) => {
    throw new DomainError('not_found', translator(c.get('lang') ?? 'ja')('error.not_found'));
  });
  pages.onError((error, c) => pageError(ctx, c, error));
  return pages;
}

/** The §5 code, message and issues of an error; an unexpected one is logged (with its stack) under the request id. */
function errorOf(
  ctx: ServiceContext,
  c: Context<AppEnv>,
  error: Error,
): { code: ErrorCode; message: string; issues?: { path: string; message: string }[] } {
  if (error instanceof DomainError) {
    if (error.retryAfter !== undefined) c.header('Retry-After', String(error.retryAfter));
    return { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) };
  }
  if (error instanceof HTTPException) {
    const code: ErrorCode =
      error.status === 403
        ? 'forbidden'
        : error.status === 413
          ? 'too_large'
          : error.status === 401
            ? 'unauthorized'
            : 'bad_request';
    const message =
      code === 'forbidden'
        ? 'このリクエストは受け付けられません（送信元を確認できません）'
        : 'リクエストを処理できませんでした';
    return { code, message };
  }
  const fault = databaseFault(error);
  if (fault) {
    (c.get('log') ?? ctx.logger).error(
      { err: error, fault: fault.kind, cause: fault.cause },
      `database unavailable: ${fault.kind.replace('_', ' ')} (${fault.cause})`,
    );
    c.header('Retry-After', String(UNAVAILABLE_RETRY_AFTER));
    return { code: 'unavailable', message: UNAVAILABLE_MESSAGE };
  }
  (c.get('log') ?? ctx.logger).error({ err: error }, 'unhandled error');
  return { code: 'internal', message: INTERNAL_MESSAGE };
}

/** An error as a rendered page in the request's language; never cached (staff pages hold personal data and keys). */
function pageError(ctx: ServiceContext, c: Context<AppEnv>, error: Error) {
  const { code, message: domainMessage } = errorOf(ctx, c, error);
  const status = statusFor(code);
  const id = code === 'internal' ? c.get('requestId') : undefined;
  const lang = c.get('lang') ?? 'ja';
  const t = translator(lang);
  // Domain messages are Japanese; the generic ones follow the page's language.
  const message =
    code === 'internal'
      ? t('error.internal')
      : code === 'unavailable'
        ? t('error.unavailable')
        : code === 'bad_request'
          ? t('error.generic')
          : domainMessage;
  c.header('Cache-Control', 'no-store');
  return c.html(
    createElement(ErrorPage, {
      t,
      lang,
      path: c.req.path,
      nonce: c.get('nonce'),
      message,
      requestId: id,
    }) as unknown as string,
    status,
  );
}
