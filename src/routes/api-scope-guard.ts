// Scope enforcement on the issuer API: each route definition names the one token scope it needs as its OpenAPI
// bearer scope, and `scoped(route)` adds the middleware that refuses (403 forbidden) a token without it — so the
// OpenAPI document, the check and the role × action matrix test all read the same one line per route.
import type { RouteConfig } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { isApiScope, type ApiScope } from '../domain/api-scopes.js';
import { DomainError } from '../errors.js';
import { errorSchema } from './api-schemas.js';
import type { AppEnv } from './http.js';

/**
 * The scope a route definition names (`security: [{ bearer: [scope] }]`).
 * @throws Error at construction when a route names none or an unknown one (deny by default)
 */
export function scopeOf(route: Pick<RouteConfig, 'method' | 'path' | 'security'>): ApiScope {
  const scope = route.security?.[0]?.bearer?.[0];
  if (!scope || !isApiScope(scope)) throw new Error(`issuer route ${route.method} ${route.path} names no token scope`);
  return scope;
}

/** The route with its scope check in front of the handler, and the 403 answer documented. */
export function scoped<R extends RouteConfig>(route: R) {
  const scope = scopeOf(route);
  const check: MiddlewareHandler<AppEnv> = async (c, next) => {
    const actor = c.get('actor');
    if (actor.type !== 'api_token' || !actor.scopes.includes(scope)) {
      throw new DomainError('forbidden', `この API トークンには ${scope} の権限（スコープ）がありません`);
    }
    await next();
  };
  return {
    ...route,
    middleware: check,
    responses: {
      ...route.responses,
      403: {
        description: `forbidden: the token lacks the ${scope} scope`,
        content: { 'application/json': { schema: errorSchema } },
      },
    },
  };
}
