// What every staff-portal route module shares: the admin env (the session the guard put in the context, typed), the
// props every staff page takes (menu from the route table), and the two ways of answering with a page.
import type { Context } from 'hono';
import { adminTranslator, type AdminKey } from '../../i18n/admin.js';
import type { AdminPageProps } from '../../../views/admin/layout.js';
import { MessagePage } from '../../../views/admin/pages/auth.js';
import { translator } from '../../i18n/index.js';
import type { StaffSession } from '../../services/staff/auth.js';
import type { ServiceContext } from '../../services/context.js';
import { clientOf, type AppEnv } from '../http.js';
import { menuFor } from './route-table.js';

/**
 * `session`: whatever the cookie resolved to, on every route of the table (log-in pages included). `staff`: the same
 * session on every route that requires one — the guard refuses the request before a handler runs otherwise.
 */
export type AdminEnv = AppEnv & { Variables: { session: StaffSession | null; staff: StaffSession } };
export type AdminContext = Context<AdminEnv>;
export type PageStatus = 200 | 401 | 403 | 404 | 409 | 422 | 429 | 503;

const FLASHES: readonly AdminKey[] = [
  'draft.created',
  'draft.importedShiftJis',
  'draft.published',
  'draft.rejected',
  'draft.withdrawn',
  'app.saved',
  'tokens.revokedDone',
  'tokens.approvedDone',
  'obligeeTokens.revokedDone',
  'obligeeTokens.approvedDone',
  'users.done',
  'users.approvedDone',
  'drafts.recovered',
  'drafts.recoverNone',
  'mail.retried',
  'request.created',
  'request.applied',
  'reissue.requested',
  'reissue.applied',
];

/** The layout's props for `session` (by default the request's own; null draws the signed-out header). */
export function props(c: AdminContext, session: StaffSession | null = c.get('session') ?? null): AdminPageProps {
  const lang = c.get('lang');
  const flash = c.req.query('flash') as AdminKey | undefined;
  return {
    t: translator(lang),
    at: adminTranslator(lang),
    lang,
    path: c.req.path,
    nonce: c.get('nonce'),
    staff: session
      ? { email: session.user.email, role: session.user.role, csrf: session.csrfToken, mfa: session.mfa }
      : undefined,
    menu: session?.mfa ? menuFor(session.user.role) : [],
    flash: flash && FLASHES.includes(flash) ? adminTranslator(lang)(flash) : undefined,
  };
}

export const page = (c: AdminContext, el: unknown, status: PageStatus = 200) => c.html(el as string, status);

/** A one-paragraph page (refusals, domain errors) with a way back to the portal's top. */
export const message = (c: AdminContext, text: string, status: 401 | 403 | 404 | 409 | 422) =>
  page(
    c,
    <MessagePage
      {...props(c)}
      heading={adminTranslator(c.get('lang'))('error.heading')}
      message={text}
      back="/admin"
    />,
    status,
  );

/** The throttling key of the client (http.ts's clientOf, for the admin env's context). */
export const clientKey = (ctx: ServiceContext, c: AdminContext): string => clientOf(ctx, c).key;
