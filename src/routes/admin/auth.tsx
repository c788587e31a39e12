// /admin/login, /admin/mfa, /admin/logout: password, then TOTP (enrolment with its QR code on first use, recovery
// codes once), then a fresh session id; log-out ends the session server-side.
import { Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { adminTranslator } from '../../i18n/admin.js';
import { EnrolPage, LoginPage, MfaPage, RecoveryCodesPage } from '../../../views/admin/pages/auth.js';
import { otpauthUri } from '../../security/totp.js';
import type { ServiceContext } from '../../services/context.js';
import {
  beginEnrolment,
  logIn,
  logOut,
  passSecondFactor,
  resolveSession,
  type StaffSession,
} from '../../services/staff/auth.js';
import { mayEnrolHere } from '../../services/staff/enrolment.js';
import { keptFormPath } from '../../services/staff/form-recovery.js';
import { qrPngDataUrl } from './enrol-qr.js';
import { form, text } from './form.js';
import { SESSION_COOKIE, staffGuard } from './guard.js';
import { clientKey, message, page, props, type AdminContext, type AdminEnv } from './kit.js';
import { z } from 'zod';

export const setSession = (c: AdminContext, token: string) =>
  // __Host-: Secure, Path=/, no Domain. Browsers accept Secure cookies from http://localhost (and 127.0.0.1) as
  // a secure context, so local use and the browser tests work without TLS; anywhere else TLS is required.
  setCookie(c, SESSION_COOKIE, token, { prefix: 'host', httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });

export function authRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const guard = staffGuard(ctx);
  const app = new Hono<AdminEnv>();

  const enrolPage = async (c: AdminContext, session: StaffSession, error?: string, status?: 401 | 429) => {
    const secret = await beginEnrolment(ctx, session);
    const qr = qrPngDataUrl(otpauthUri(secret, session.user.email, ctx.config.issuerName));
    return page(c, <EnrolPage {...props(c)} qr={qr} secret={secret} error={error} />, status);
  };

  app.get('/login', guard('login.form'), (c) =>
    c.get('session')?.mfa ? c.redirect('/admin', 303) : page(c, <LoginPage {...props(c, null)} />),
  );

  app.post('/login', guard('login.submit'), form(z.object({ email: text, password: text })), async (c) => {
    const at = adminTranslator(c.get('lang'));
    const { password } = c.req.valid('form');
    const email = c.req.valid('form').email.slice(0, 254);
    const result = await logIn(ctx, { email, password, client: clientKey(ctx, c) });
    if (result.outcome === 'throttled') {
      c.header('Retry-After', String(result.retryAfter));
      const minutes = Math.max(1, Math.ceil(result.retryAfter / 60));
      return page(c, <LoginPage {...props(c, null)} email={email} error={at('login.throttled', { minutes })} />, 429);
    }
    if (result.outcome === 'busy') {
      c.header('Retry-After', String(result.retryAfter));
      return page(c, <LoginPage {...props(c, null)} email={email} error={at('login.busy')} />, 503);
    }
    if (result.outcome === 'failed') {
      return page(c, <LoginPage {...props(c, null)} email={email} error={at('login.failed')} />, 401);
    }
    setSession(c, result.token);
    return c.redirect('/admin/mfa', 303);
  });

  app.get('/mfa', guard('mfa.form'), async (c) => {
    const session = c.get('staff');
    if (session.mfa) return c.redirect('/admin', 303);
    if (session.user.mfaEnrolled) return page(c, <MfaPage {...props(c)} />);
    if (!(await mayEnrolHere(ctx, session))) return message(c, adminTranslator(c.get('lang'))('enrol.useLink'), 403);
    return enrolPage(c, session);
  });

  app.post('/mfa', guard('mfa.submit'), form(z.object({ code: text })), async (c) => {
    const session = c.get('staff');
    const at = adminTranslator(c.get('lang'));
    if (session.mfa) return c.redirect('/admin', 303);
    // An account made in the portal enrols only in the session its mailed link opened (services/staff/enrolment.ts).
    if (!(await mayEnrolHere(ctx, session))) return message(c, at('enrol.useLink'), 403);
    const result = await passSecondFactor(ctx, session, c.req.valid('form').code, clientKey(ctx, c));
    if (result.outcome === 'ok') {
      setSession(c, result.token);
      if (result.recoveryCodes) {
        const fresh = await resolveSession(ctx, result.token);
        return page(c, <RecoveryCodesPage {...props(c, fresh)} codes={result.recoveryCodes} />);
      }
      // A form kept across the session expiry (form-recovery.ts) is where the clerk left off.
      return c.redirect((await keptFormPath(ctx, session.user.id)) ?? '/admin', 303);
    }
    const error =
      result.outcome === 'throttled'
        ? at('login.throttled', { minutes: Math.max(1, Math.ceil(result.retryAfter / 60)) })
        : result.outcome === 'reused'
          ? at('mfa.reused')
          : at('mfa.failed');
    if (result.outcome === 'throttled') c.header('Retry-After', String(result.retryAfter));
    const status = result.outcome === 'throttled' ? 429 : 401;
    if (session.user.mfaEnrolled) return page(c, <MfaPage {...props(c)} error={error} />, status);
    return enrolPage(c, session, error, status);
  });

  app.post('/logout', guard('logout'), async (c) => {
    await logOut(ctx, c.get('staff'));
    deleteCookie(c, SESSION_COOKIE, { prefix: 'host', path: '/', secure: true });
    return c.redirect('/admin/login', 303);
  });

  return app;
}
