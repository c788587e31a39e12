// The staff portal's one guard, derived from the route table: no-store, session (server-side, __Host- cookie),
// second factor, role, and a per-session CSRF token on every POST (on top of the Origin check that app.ts runs
// against ESURETY_PUBLIC_URL). Route modules put `guard('<route id>')` first on each route; index.tsx checks at
// construction that every route sits behind the guard of its own table entry.
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { DomainError } from '../../errors.js';
import { adminTranslator } from '../../i18n/admin.js';
import { LoginPage } from '../../../views/admin/pages/auth.js';
import type { ServiceContext } from '../../services/context.js';
import { csrfMatches, resolveSession } from '../../services/staff/auth.js';
import { keepExpiredForm, sessionOwner } from '../../services/staff/form-recovery.js';
import { message, page, props, type AdminContext, type AdminEnv } from './kit.js';
import { ROUTES, type RouteId, type StaffRoute } from './route-table.js';

export const SESSION_COOKIE = 'esurety_staff';

/** Which table entry a guard stands for (read by index.tsx's construction check). */
export const GUARDED = Symbol('staff route');
export type Guard = MiddlewareHandler<AdminEnv> & { [GUARDED]: StaffRoute };

/**
 * The form body, parsed once (Hono caches it for the route's validator). A malformed multipart body would otherwise
 * throw deep inside the parser (a 500): it is a 400 here, for every staff form.
 */
async function formBody(c: AdminContext): Promise<Record<string, unknown>> {
  try {
    return await c.req.parseBody({ all: true });
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new DomainError('bad_request', 'フォームの送信内容を読み取れませんでした');
  }
}

export function staffGuard(ctx: ServiceContext): (id: RouteId) => Guard {
  return (id) => {
    const route: StaffRoute | undefined = ROUTES.find((r) => r.id === id);
    if (!route) throw new Error(`staff route ${id} is not in route-table.ts`);
    const guard: MiddlewareHandler<AdminEnv> = async (c, next) => {
      c.header('Cache-Control', 'no-store');
      const token = getCookie(c, SESSION_COOKIE, 'host');
      // Read before resolving, which deletes an expired session: whose form this is, should it have to be kept.
      const owner = route.keepsForm && route.method === 'POST' ? await sessionOwner(ctx, token) : null;
      const session = await resolveSession(ctx, token);
      c.set('session', session);
      const at = adminTranslator(c.get('lang'));
      // Everything that needs no body is decided before a byte of it is read: an anonymous or under-privileged
      // request (a 16 MiB upload to /admin/import included) is refused while the body is still on the wire, so it
      // costs neither the parse nor the memory. Only the per-session token lives in the body; whoever reaches it
      // already holds a session of the right role, and a cross-site form was refused by app.ts's Origin check.
      if (route.access !== 'anon') {
        if (!session) {
          if (route.method === 'GET') return c.redirect('/admin/login', 303);
          // A 申込 form posted after its session expired is kept for its account and comes back after the log-in.
          if (owner && route.keepsForm) {
            const fields = await formBody(c);
            const text: Record<string, string> = {};
            for (const [k, v] of Object.entries(fields)) if (typeof v === 'string') text[k] = v;
            await keepExpiredForm(ctx, owner, route.keepsForm, text);
            return page(c, <LoginPage {...props(c, null)} error={at('login.expiredKept')} />, 401);
          }
          return page(c, <LoginPage {...props(c, null)} error={at('login.expired')} />, 401);
        }
        if (route.access !== 'half') {
          if (!session.mfa) return c.redirect('/admin/mfa', 303);
          if (!route.access.includes(session.user.role)) return message(c, at('forbidden'), 403);
        }
      }
      if (route.method === 'POST') {
        const body = await formBody(c);
        if (session && route.access !== 'anon' && !csrfMatches(session.csrfToken, body._csrf))
          return message(c, at('csrf'), 403);
      }
      if (session && route.access !== 'anon') c.set('staff', session);
      await next();
    };
    return Object.assign(guard, { [GUARDED]: route });
  };
}
