// createApp(ctx): middleware, route mounts and the one onError. The only file that knows URL prefixes.
import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { createElement } from 'hono/jsx';
import { translator, type Lang } from '../views/i18n/index.js';
import { ErrorPage } from '../views/pages/error-page.js';
import { DomainError, statusFor, type ErrorCode } from './errors.js';
import { apiRoutes } from './routes/api.js';
import type { AppEnv } from './routes/http.js';
import { publicRoutes } from './routes/public.js';
import type { ServiceContext } from './services/context.js';

const JSON_LIMIT = 256 * 1024;
const FORM_LIMIT = 64 * 1024;

export function createApp(ctx: ServiceContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const origin = new URL(ctx.config.publicUrl).origin;

  app.use('*', requestId());
  app.use('*', async (c, next) => {
    c.set('nonce', randomBytes(16).toString('base64'));
    const started = performance.now();
    await next();
    // One structured line per request: never a query string, body or header value that could carry a secret.
    if (ctx.config.env !== 'test') {
      console.log(
        JSON.stringify({
          t: new Date().toISOString(),
          requestId: c.get('requestId'),
          method: c.req.method,
          route: c.req.routePath,
          status: c.res.status,
          ms: Math.round((performance.now() - started) * 10) / 10,
        }),
      );
    }
  });
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: [(c) => `'nonce-${c.get('nonce')}'`],
        scriptSrc: [(c) => `'nonce-${c.get('nonce')}'`],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: 'no-referrer',
    }),
  );
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
  app.use('/api/*', bodyLimit({ maxSize: JSON_LIMIT, onError: tooLarge }));
  app.use('*', async (c, next) =>
    c.req.path.startsWith('/api/') ? next() : bodyLimit({ maxSize: FORM_LIMIT, onError: tooLarge })(c, next),
  );
  // Forms are checked against the public origin (behind a TLS proxy the internal URL would differ).
  app.use('*', async (c, next) => (c.req.path.startsWith('/api/') ? next() : csrf({ origin })(c, next)));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/.well-known/jwks.json', async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await ctx.keyring.jwks());
  });
  app.route('/api/v1', apiRoutes(ctx));
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
    console.error(
      JSON.stringify({
        level: 'error',
        requestId: c.get('requestId'),
        error: error instanceof Error ? error.stack : String(error),
      }),
    );
    return respondError(c, 'internal', 'システムエラーが発生しました。時間をおいて再度お試しください');
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
    return c.json(
      { error: { code, message, ...(issues ? { issues } : {}), ...(id ? { requestId: id } : {}) } },
      status,
    );
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
