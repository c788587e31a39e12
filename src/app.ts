// createApp(ctx): middleware, route mounts and the one onError. The only file that knows URL prefixes.
import { randomBytes, randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
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
import { mailLinkRoutes } from './routes/mail-links.js';
import { publicRoutes } from './routes/public.js';
import { statusRoutes } from './routes/status.js';
import type { ServiceContext } from './services/context.js';
import { renderNoticeForLink } from './services/notice-pdf.js';
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

const FORM_LIMIT = 64 * 1024;
/** The staff CSV upload (10,000 rows ≈ 4 MB); every other form stays at 64 KB. */
const IMPORT_LIMIT = 16 * 1024 * 1024;
/** /verify-file takes a document of up to 1 MB (checked again by the page), with room for the multipart framing. */
const UPLOAD_LIMIT = 2 * 1024 * 1024;

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

export function createApp(ctx: ServiceContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const origin = new URL(ctx.config.publicUrl).origin;

  // Always generated here, never taken from the client: a client-chosen id would be copied into every log line.
  app.use('*', async (c, next) => {
    const id = randomUUID();
    const log = ctx.logger.child({ requestId: id });
    c.set('requestId', id);
    c.set('log', log);
    // Set before the handler runs: every answer built through c (c.json, c.html, c.body, the one onError) carries it.
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
  // PostgreSQL text cannot hold NUL: a %00 in a path parameter would fail its query (a 500) instead of finding nothing.
  app.use('*', async (c, next) => {
    if (/\0|%00/i.test(c.req.path)) throw new DomainError('not_found', '見つかりません');
    await next();
  });

  // /api/v1 answers JSON only, so it needs none of the page middleware below (CSP nonces, language cookie, form
  // limits, CSRF): its routes are mounted first and answer before that chain runs — the verification hot path
  // spends its time on the verification, not on page machinery. JSON gets a fixed, stricter CSP.
  app.use('/api/*', async (c, next) => {
    for (const name in API_HEADERS) c.header(name, API_HEADERS[name]!);
    await next();
  });
  app.route('/api/v1', apiRoutes(ctx));

  app.use('*', async (c, next) => {
    c.set('nonce', nextNonce());
    await next();
  });
  // Page headers; an /api answer that reaches this far (an unknown /api path) has its own set from the /api middleware.
  const pageHeaders = secureHeaders({
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
  });
  app.use('*', async (c, next) => (c.req.path.startsWith('/api/') ? next() : pageHeaders(c, next)));
  app.use('*', async (c, next) => {
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
  // /api/* bodies are capped where they are read (routes/http.ts readJson).
  app.use('*', async (c, next) =>
    c.req.path.startsWith('/api/')
      ? next()
      : bodyLimit({
          maxSize:
            c.req.path === '/admin/import' ? IMPORT_LIMIT : c.req.path === '/verify-file' ? UPLOAD_LIMIT : FORM_LIMIT,
          onError: tooLarge,
        })(c, next),
  );
  // Forms are checked against the public origin (behind a TLS proxy the internal URL would differ).
  // RFC 8058 one-click unsubscribe is POSTed by mail providers without an Origin; its signed token is the proof.
  app.use('*', async (c, next) =>
    c.req.path.startsWith('/api/') || c.req.path.startsWith('/mail/unsubscribe/') ? next() : csrf({ origin })(c, next),
  );
  // A malformed multipart body makes the form parser throw deep inside a handler (a 500): refuse it here, once, for
  // every form route. Parsing a clone leaves the body to the handler (forms are at most FORM_LIMIT bytes).
  app.use('*', async (c, next) => {
    if (!c.req.path.startsWith('/api/') && /^multipart\/form-data\b/i.test(c.req.header('content-type') ?? '')) {
      try {
        await c.req.raw.clone().formData();
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        throw new DomainError('bad_request', 'フォームの送信内容を読み取れませんでした');
      }
    }
    await next();
  });
  // Staff pages show personal data and reprint keys: never kept by a browser or proxy, whatever a handler set.
  app.use('*', async (c, next) => {
    await next();
    if (c.req.path === '/admin' || c.req.path.startsWith('/admin/')) c.header('Cache-Control', 'no-store');
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const result = await readiness(ctx);
    c.header('Cache-Control', 'no-store');
    return c.json({ status: result.ready ? 'ready' : 'not_ready', checks: result.checks }, result.ready ? 200 : 503);
  });
  app.get('/.well-known/jwks.json', async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await ctx.keyring.jwks());
  });
  app.route('/admin', adminRoutes(ctx));
  app.route('/status', statusRoutes(ctx));
  app.route('/mail', mailLinkRoutes(ctx, renderNoticeForLink));
  app.route('/certificates', followUpRoutes(ctx));
  app.route('/', documentRoutes(ctx));
  app.route('/', publicRoutes(ctx));

  app.notFound((c) =>
    respondError(
      c,
      'not_found',
      c.req.path.startsWith('/api/') ? '見つかりません' : translator(c.get('lang') ?? 'ja')('error.not_found'),
    ),
  );

  app.onError((error, c) => {
    if (error instanceof DomainError) {
      if (error.retryAfter !== undefined) c.header('Retry-After', String(error.retryAfter));
      return respondError(c, error.code, error.message, error.issues);
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
      return respondError(c, code, message);
    }
    (c.get('log') ?? ctx.logger).error({ err: error }, 'unhandled error');
    return respondError(c, 'internal', INTERNAL_MESSAGE);
  });

  return app;
}

function respondError(
  c: Context<AppEnv>,
  code: ErrorCode,
  message: string,
  issues?: { path: string; message: string }[],
) {
  const status = statusFor(code);
  const id = code === 'internal' ? c.get('requestId') : undefined;
  if (c.req.path.startsWith('/api/')) {
    return c.json(apiErrorBody(code, message, issues, id), status);
  }
  const lang = c.get('lang') ?? 'ja';
  const t = translator(lang);
  // Domain messages are Japanese; the generic ones follow the page's language.
  if (code === 'internal') message = t('error.internal');
  else if (code === 'bad_request') message = t('error.generic');
  return c.html(
    createElement(ErrorPage, {
      t: translator(lang),
      lang,
      path: c.req.path,
      nonce: c.get('nonce'),
      message,
      requestId: id,
    }) as unknown as string,
    status,
  );
}
