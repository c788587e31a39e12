// /admin/enrol/:token: a new staff account's single-use second-factor enrolment link, mailed to its own address.
// GET only shows the page (mail scanners fetch links); the button's POST uses the link, opens a session that may
// enrol, and continues at /admin/mfa with the QR code — the same enrolment as a first log-in.
import { Hono } from 'hono';
import { adminTranslator } from '../../i18n/admin.js';
import { EnrolLinkPage } from '../../../views/admin/pages/auth.js';
import type { ServiceContext } from '../../services/context.js';
import { inspectEnrolmentLink, redeemEnrolmentLink, type EnrolLinkState } from '../../services/staff/enrolment.js';
import { setSession } from './auth.js';
import { staffGuard } from './guard.js';
import { clientKey, message, page, props, type AdminContext, type AdminEnv } from './kit.js';

const refusal = (c: AdminContext, state: Exclude<EnrolLinkState, 'ok'>) => {
  c.header('X-Robots-Tag', 'noindex');
  return message(c, adminTranslator(c.get('lang'))(`enrol.${state}`), state === 'invalid' ? 404 : 409);
};

export function enrolRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const guard = staffGuard(ctx);
  const app = new Hono<AdminEnv>();

  app.get('/enrol/:token', guard('enrol.form'), async (c) => {
    const token = c.req.param('token');
    const state = await inspectEnrolmentLink(ctx, token);
    if (state !== 'ok') return refusal(c, state);
    c.header('X-Robots-Tag', 'noindex');
    return page(c, <EnrolLinkPage {...props(c, null)} action={`/admin/enrol/${token}`} />);
  });

  app.post('/enrol/:token', guard('enrol.submit'), async (c) => {
    const result = await redeemEnrolmentLink(ctx, c.req.param('token'), clientKey(ctx, c));
    if (result.state !== 'ok') return refusal(c, result.state);
    setSession(c, result.sessionToken);
    return c.redirect('/admin/mfa', 303);
  });

  return app;
}
