// /admin: the issuer staff portal. Every route comes from route-table.ts and passes one guard: no-store, session
// (server-side, __Host- cookie), second factor, role, and a per-session CSRF token on every POST (on top of the
// Origin check that app.ts runs against ESURETY_PUBLIC_URL). Handlers are thin: parse → one service → render.
import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { translator } from '../../../views/i18n/index.js';
import { adminTranslator, type AdminKey } from '../../../views/admin/i18n.js';
import type { AdminPageProps } from '../../../views/admin/layout.js';
import { EnrolPage, LoginPage, MessagePage, MfaPage, RecoveryCodesPage } from '../../../views/admin/pages/auth.js';
import { DraftPage, DraftsPage, ImportPage, NewDraftPage } from '../../../views/admin/pages/drafts.js';
import { AuditPage, ObligeeFormPage, ObligeesPage, TokensPage, UsersPage } from '../../../views/admin/pages/manage.js';
import { ActionPage, DashboardPage, SuretyDetailPage, SuretyListPage } from '../../../views/admin/pages/sureties.js';
import { MailPanel } from '../../../views/admin/pages/outbox.js';
import { RequestPage } from '../../../views/admin/pages/requests.js';
import { PRODUCTS } from '../../domain/certificate.js';
import { changesPatch } from '../../domain/diff.js';
import { type ObligeeRule } from '../../domain/eligibility.js';
import type { VersionEvent } from '../../domain/history.js';
import { isIsoDate, jstDayEnd, jstDayStart } from '../../domain/format.js';
import { DomainError, statusFor } from '../../errors.js';
import { otpauthUri } from '../../security/totp.js';
import { createApiToken } from '../../services/api-tokens.js';
import type { ServiceContext } from '../../services/context.js';
import { listAcceptingObligees } from '../../services/obligees.js';
import { createStaffUser, listStaff, setStaffDisabled } from '../../services/staff/accounts.js';
import {
  beginEnrolment,
  csrfMatches,
  logIn,
  logOut,
  passSecondFactor,
  resolveSession,
  type StaffSession,
} from '../../services/staff/auth.js';
import {
  OPTIONAL_FORM_COLUMNS,
  flatten,
  issuesByColumn,
  toPublishBody,
  type FlatFields,
} from '../../services/staff/certificate-form.js';
import {
  draftImport,
  draftIssue,
  draftVersion,
  pendingDrafts,
  recentDrafts,
  rejectDraft,
} from '../../services/staff/drafts.js';
import { validateCsv } from '../../services/staff/import.js';
import { auditLog } from '../../services/staff/audit-log.js';
import { listTokens, revokeToken } from '../../services/staff/api-tokens.js';
import { dashboard } from '../../services/staff/dashboard.js';
import { draftScreen } from '../../services/staff/draft-screen.js';
import { obligeeForEdit, obligeeRegister } from '../../services/staff/obligee-register.js';
import { revealAuthKey } from '../../services/staff/reveal-auth-key.js';
import { suretyDetail, suretyScreen } from '../../services/staff/surety-detail.js';
import { suretySearchScreen, type SuretyListFilters } from '../../services/staff/surety-search.js';
import { clientOf, pathContractNumber, type AppEnv } from '../http.js';
import { menuFor, ROUTES, type RouteId } from './route-table.js';
import { outboxHandlers } from './outbox.js';
import { settingsHandlers } from './settings.js';
import { draftToolHandlers } from './draft-tools.js';
import { suretyDocumentHandlers } from './surety-documents.js';
import { qrPngDataUrl } from './enrol-qr.js';
import {
  approveApplication,
  requestKeyReissue,
  requestObligeeChange,
  withdrawApplication,
} from '../../services/staff/requests.js';

export const SESSION_COOKIE = 'esurety_staff';
type Form = Record<string, string | File | (string | File)[]>;
type Handler = (c: Context<AppEnv>, s: StaffSession | null, form: Form) => Promise<Response> | Response;

const str = (form: Form, key: string): string => {
  const v = form[key];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
};
const list = (form: Form, key: string): string[] => {
  const v = form[key];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
};

const FLASHES: readonly AdminKey[] = [
  'draft.created',
  'draft.published',
  'draft.rejected',
  'draft.withdrawn',
  'tokens.revokedDone',
  'users.done',
  'drafts.recovered',
  'drafts.recoverNone',
  'mail.retried',
  'request.created',
  'request.applied',
  'reissue.requested',
  'reissue.applied',
];

export function adminRoutes(ctx: ServiceContext): Hono<AppEnv> {
  const admin = new Hono<AppEnv>();

  const props = (c: Context<AppEnv>, s: StaffSession | null): AdminPageProps => {
    const lang = c.get('lang');
    const flash = c.req.query('flash') as AdminKey | undefined;
    return {
      t: translator(lang),
      at: adminTranslator(lang),
      lang,
      path: c.req.path,
      nonce: c.get('nonce'),
      staff: s ? { email: s.user.email, role: s.user.role, csrf: s.csrfToken, mfa: s.mfa } : undefined,
      menu: s?.mfa ? menuFor(s.user.role) : [],
      flash: flash && FLASHES.includes(flash) ? adminTranslator(lang)(flash) : undefined,
    };
  };
  const page = (c: Context<AppEnv>, el: unknown, status: 200 | 401 | 403 | 404 | 409 | 422 | 429 = 200) =>
    c.html(el as string, status);
  const message = (c: Context<AppEnv>, s: StaffSession | null, text: string, status: 401 | 403 | 404 | 409 | 422) =>
    page(
      c,
      <MessagePage
        {...props(c, s)}
        heading={adminTranslator(c.get('lang'))('error.heading')}
        message={text}
        back="/admin"
      />,
      status,
    );

  const setSession = (c: Context<AppEnv>, token: string) =>
    // __Host-: Secure, Path=/, no Domain. Browsers accept Secure cookies from http://localhost (and 127.0.0.1) as
    // a secure context, so local use and the browser tests work without TLS; anywhere else TLS is required.
    setCookie(c, SESSION_COOKIE, token, {
      prefix: 'host',
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
      path: '/',
    });

  const kit = { props, page, message };
  const handlers: Record<RouteId, Handler> = {
    ...outboxHandlers(ctx, kit),
    ...settingsHandlers(ctx, kit),
    ...suretyDocumentHandlers(ctx),
    ...draftToolHandlers(ctx),

    'login.form': (c, s) => (s?.mfa ? c.redirect('/admin', 303) : page(c, <LoginPage {...props(c, null)} />)),

    'login.submit': async (c, _s, form) => {
      const at = adminTranslator(c.get('lang'));
      const email = str(form, 'email').slice(0, 254);
      const result = await logIn(ctx, { email, password: str(form, 'password'), client: clientOf(ctx, c).key });
      if (result.outcome === 'throttled') {
        c.header('Retry-After', String(result.retryAfter));
        const minutes = Math.max(1, Math.ceil(result.retryAfter / 60));
        return page(c, <LoginPage {...props(c, null)} email={email} error={at('login.throttled', { minutes })} />, 429);
      }
      if (result.outcome === 'failed') {
        return page(c, <LoginPage {...props(c, null)} email={email} error={at('login.failed')} />, 401);
      }
      setSession(c, result.token);
      return c.redirect('/admin/mfa', 303);
    },

    'mfa.form': async (c, s) => {
      const session = s as StaffSession;
      if (session.mfa) return c.redirect('/admin', 303);
      if (session.user.mfaEnrolled) return page(c, <MfaPage {...props(c, session)} />);
      const secret = await beginEnrolment(ctx, session);
      const qr = qrPngDataUrl(otpauthUri(secret, session.user.email, ctx.config.issuerName));
      return page(c, <EnrolPage {...props(c, session)} qr={qr} secret={secret} />);
    },

    'mfa.submit': async (c, s, form) => {
      const session = s as StaffSession;
      const at = adminTranslator(c.get('lang'));
      if (session.mfa) return c.redirect('/admin', 303);
      const result = await passSecondFactor(ctx, session, str(form, 'code'), clientOf(ctx, c).key);
      if (result.outcome === 'ok') {
        setSession(c, result.token);
        if (result.recoveryCodes) {
          const fresh = await resolveSession(ctx, result.token);
          return page(c, <RecoveryCodesPage {...props(c, fresh)} codes={result.recoveryCodes} />);
        }
        return c.redirect('/admin', 303);
      }
      const error =
        result.outcome === 'throttled'
          ? at('login.throttled', { minutes: Math.max(1, Math.ceil(result.retryAfter / 60)) })
          : at('mfa.failed');
      if (result.outcome === 'throttled') c.header('Retry-After', String(result.retryAfter));
      const status = result.outcome === 'throttled' ? 429 : 401;
      if (session.user.mfaEnrolled) return page(c, <MfaPage {...props(c, session)} error={error} />, status);
      const secret = await beginEnrolment(ctx, session);
      const qr = qrPngDataUrl(otpauthUri(secret, session.user.email, ctx.config.issuerName));
      return page(c, <EnrolPage {...props(c, session)} qr={qr} secret={secret} error={error} />, status);
    },

    logout: async (c, s) => {
      await logOut(ctx, s as StaffSession);
      deleteCookie(c, SESSION_COOKIE, { prefix: 'host', path: '/', secure: true });
      return c.redirect('/admin/login', 303);
    },

    dashboard: async (c, s) => {
      const { pending, recent, mail } = await dashboard(ctx, (s as StaffSession).actor);
      return page(
        c,
        <DashboardPage
          {...props(c, s)}
          pending={pending}
          recent={recent}
          notices={mail ? <MailPanel at={adminTranslator(c.get('lang'))} counts={mail} /> : undefined}
        />,
      );
    },

    'sureties.list': async (c, s) => {
      const q = c.req.query();
      const text = (k: string) => (q[k]?.trim() ? q[k].trim().normalize('NFKC').slice(0, 100) : undefined);
      const date = (k: string) => (isIsoDate(q[k] ?? '') ? q[k] : undefined);
      const filters: SuretyListFilters = {
        contractNumber: text('contractNumber')?.replace(/[‐\-–—―−ーｰ－]/g, '-'),
        worksName: text('worksName'),
        contractor: text('contractor'),
        obligeeId: text('obligeeId'),
        product: (PRODUCTS as readonly string[]).includes(q.product ?? '') ? q.product : undefined,
        status: (['active', 'expired', 'cancelled'] as const).find((x) => x === q.status),
        // JST calendar dates, both inclusive; the service turns them into JST day boundaries.
        from: date('from'),
        to: date('to'),
      };
      const pageNo = Math.max(1, Math.min(100_000, Number.parseInt(q.page ?? '1', 10) || 1));
      const query = new URLSearchParams(
        Object.entries(q).filter(([k, v]) => k !== 'page' && k !== 'lang' && v !== ''),
      ).toString();
      return page(
        c,
        <SuretyListPage
          {...props(c, s)}
          filters={filters}
          query={query}
          {...await suretySearchScreen(ctx, filters, pageNo)}
        />,
      );
    },

    'sureties.detail': async (c, s) => {
      const n = pathContractNumber(c.req.param('n') ?? '');
      return page(c, <SuretyDetailPage {...props(c, s)} {...await suretyScreen(ctx, n)} />);
    },

    'sureties.key': async (c, s) => {
      const n = pathContractNumber(c.req.param('n') ?? '');
      const authKey = await revealAuthKey(ctx, (s as StaffSession).actor, n);
      return page(
        c,
        <SuretyDetailPage
          {...props(c, s)}
          {...await suretyScreen(ctx, n)}
          authKey={authKey}
          keySheet={{ verifyUrl: `${ctx.config.publicUrl}/`, at: ctx.clock().toISOString() }}
        />,
      );
    },

    // Four-eyes: a clerk only requests the reissue; an approver applies it from the approval screen.
    'sureties.reissue': async (c, s, form) => {
      const n = pathContractNumber(c.req.param('n') ?? '');
      try {
        await requestKeyReissue(ctx, (s as StaffSession).actor, n, str(form, 'reason'));
      } catch (error) {
        if (!(error instanceof DomainError) || error.code !== 'validation_failed') throw error;
        return message(c, s, error.issues?.[0]?.message ?? error.message, 422);
      }
      return c.redirect(`/admin/sureties/${n}?flash=reissue.requested`, 303);
    },

    'sureties.action': async (c, s) => {
      const n = pathContractNumber(c.req.param('n') ?? '');
      const detail = await suretyDetail(ctx, n);
      const event = detail.allowed.find((e) => e === c.req.param('event')) as
        Exclude<VersionEvent, 'issue'> | undefined;
      if (!event) return message(c, s, adminTranslator(c.get('lang'))('action.notAllowed'), 422);
      const values = flatten(detail.state.current.certificate as unknown as Record<string, unknown>);
      return page(
        c,
        <ActionPage {...props(c, s)} detail={detail} event={event} values={values} reason="" errors={{}} />,
      );
    },

    'sureties.action.submit': async (c, s, form) => {
      const n = pathContractNumber(c.req.param('n') ?? '');
      const detail = await suretyDetail(ctx, n);
      const event = detail.allowed.find((e) => e === c.req.param('event')) as
        Exclude<VersionEvent, 'issue'> | undefined;
      if (!event) return message(c, s, adminTranslator(c.get('lang'))('action.notAllowed'), 422);
      const current = detail.state.current.certificate as unknown as Record<string, unknown>;
      const before = flatten(current);
      const values: FlatFields = {};
      for (const k of Object.keys(before) as (keyof FlatFields)[]) values[k] = str(form, k);
      for (const k of OPTIONAL_FORM_COLUMNS) if (form[k] !== undefined) values[k] = str(form, k);
      const reason = str(form, 'reason');
      const body: { event: Exclude<VersionEvent, 'issue'>; changes?: Record<string, unknown>; reason?: string } = {
        event,
      };
      if (reason.trim()) body.reason = reason.trim();
      if (event === 'change' || event === 'correction') {
        body.changes = changesPatch(toPublishBody(before), toPublishBody({ ...values, product: before.product }));
      }
      try {
        await draftVersion(ctx, (s as StaffSession).actor, n, body);
        return c.redirect(`/admin/sureties/${n}?flash=draft.created`, 303);
      } catch (error) {
        if (!(error instanceof DomainError) || !['validation_failed', 'invalid_event'].includes(error.code))
          throw error;
        const errors = issuesByColumn(error.issues ?? []);
        if (error.issues?.some((i) => i.path === 'reason'))
          errors.reason = [error.issues.find((i) => i.path === 'reason')?.message ?? ''];
        return page(
          c,
          <ActionPage
            {...props(c, s)}
            detail={detail}
            event={event}
            values={values}
            reason={reason}
            errors={errors}
            formError={error.message}
          />,
          422,
        );
      }
    },

    'drafts.list': async (c, s) =>
      page(c, <DraftsPage {...props(c, s)} pending={await pendingDrafts(ctx)} recent={await recentDrafts(ctx)} />),

    'drafts.new': async (c, s) => {
      const product = PRODUCTS.find((p) => p === c.req.query('product')) ?? null;
      return page(
        c,
        <NewDraftPage {...props(c, s)} product={product} obligees={await obligeeChoices()} values={{}} errors={{}} />,
      );
    },

    'drafts.create': async (c, s, form) => {
      const product = PRODUCTS.find((p) => p === str(form, 'product')) ?? null;
      if (!product) return c.redirect('/admin/drafts/new', 303);
      const values: FlatFields = {};
      for (const [k, v] of Object.entries(form))
        if (typeof v === 'string' && k !== '_csrf') values[k as keyof FlatFields] = v;
      values.product = product;
      try {
        await draftIssue(ctx, (s as StaffSession).actor, toPublishBody(values));
        return c.redirect('/admin/drafts?flash=draft.created', 303);
      } catch (error) {
        if (!(error instanceof DomainError) || !['validation_failed', 'obligee_not_eligible'].includes(error.code))
          throw error;
        return page(
          c,
          <NewDraftPage
            {...props(c, s)}
            product={product}
            obligees={await obligeeChoices()}
            values={values}
            errors={issuesByColumn(error.issues ?? [])}
            formError={
              error.code === 'obligee_not_eligible' ? error.message : adminTranslator(c.get('lang'))('draft.errors')
            }
          />,
          422,
        );
      }
    },

    'drafts.show': async (c, s) => showDraft(c, s, c.req.param('id') ?? ''),

    'drafts.approve': async (c, s) => {
      const id = c.req.param('id') ?? '';
      try {
        const result = await approveApplication(ctx, (s as StaffSession).actor, id);
        if (result.kind === 'obligee') return c.redirect(`/admin/drafts/${id}?flash=request.applied`, 303);
        if (result.kind === 'reissue_key')
          return c.redirect(`/admin/sureties/${result.contractNumber}?flash=reissue.applied`, 303);
        if (result.kind === 'import') return c.redirect(`/admin/drafts/${id}?flash=draft.published`, 303);
        return c.redirect(`/admin/sureties/${result.contractNumber}?flash=draft.published`, 303);
      } catch (error) {
        if (!(error instanceof DomainError) || error.code === 'internal' || error.code === 'not_found') throw error;
        return showDraft(c, s, id, error.message, statusFor(error.code) as 403 | 409 | 422);
      }
    },

    'drafts.reject': async (c, s, form) => {
      await rejectDraft(ctx, (s as StaffSession).actor, c.req.param('id') ?? '', str(form, 'reason'));
      return c.redirect('/admin/drafts?flash=draft.rejected', 303);
    },

    'drafts.withdraw': async (c, s) => {
      await withdrawApplication(ctx, (s as StaffSession).actor, c.req.param('id') ?? '');
      return c.redirect('/admin/drafts?flash=draft.withdrawn', 303);
    },

    'import.form': (c, s) => page(c, <ImportPage {...props(c, s)} />),

    'import.upload': async (c, s, form) => {
      const file = form.file;
      const text = file instanceof File ? await file.text() : '';
      const { rows, errors } = await validateCsv(ctx, text);
      if (errors.length > 0) return page(c, <ImportPage {...props(c, s)} errors={errors} />, 422);
      const id = await draftImport(ctx, (s as StaffSession).actor, rows);
      return c.redirect(`/admin/drafts/${id}?flash=draft.created`, 303);
    },

    'obligees.list': async (c, s) => {
      return page(c, <ObligeesPage {...props(c, s)} {...await obligeeRegister(ctx)} />);
    },

    'obligees.edit': async (c, s) => {
      const id = c.req.param('id') ?? '';
      if (id === 'new')
        return page(c, <ObligeeFormPage {...props(c, s)} isNew id="" name="" title="" rules={[]} errors={{}} />);
      const o = await obligeeForEdit(ctx, id);
      return page(
        c,
        <ObligeeFormPage
          {...props(c, s)}
          isNew={false}
          id={o.id}
          name={o.name}
          title={o.title ?? ''}
          rules={o.rules}
          errors={{}}
        />,
      );
    },

    'obligees.save': async (c, s, form) => {
      const isNew = c.req.param('id') === 'new';
      const id = isNew ? str(form, 'id').trim() : (c.req.param('id') ?? '');
      const rules: { products: string[]; basis: string; effectiveFrom: string }[] = [];
      for (let i = 0; i < 22; i++) {
        const products = list(form, `rule${i}.products`);
        if (products.length === 0) continue;
        rules.push({
          products,
          basis: str(form, `rule${i}.basis`),
          effectiveFrom: str(form, `rule${i}.effectiveFrom`),
        });
      }
      const name = str(form, 'name').trim();
      const title = str(form, 'title').trim();
      try {
        // Four-eyes: saving files a request; a different staff member with the approver role applies it.
        const requestId = await requestObligeeChange(
          ctx,
          (s as StaffSession).actor,
          id,
          { name, ...(title ? { title } : {}), rules },
          isNew,
        );
        return c.redirect(`/admin/drafts/${requestId}?flash=request.created`, 303);
      } catch (error) {
        if (!(error instanceof DomainError) || error.code !== 'validation_failed') throw error;
        const errors: Record<string, string[]> = {};
        for (const issue of error.issues ?? []) {
          const key = issue.path.startsWith('rules.') ? issue.path.split('.').slice(0, 2).join('.') : issue.path;
          (errors[key] ??= []).push(issue.message);
        }
        return page(
          c,
          <ObligeeFormPage
            {...props(c, s)}
            isNew={isNew}
            id={id}
            name={name}
            title={title}
            rules={rules as ObligeeRule[]}
            errors={errors}
          />,
          422,
        );
      }
    },

    'tokens.list': async (c, s) =>
      page(c, <TokensPage {...props(c, s)} tokens={await listTokens(ctx, (s as StaffSession).actor)} />),

    'tokens.create': async (c, s, form) => {
      const actor = (s as StaffSession).actor;
      try {
        const { token } = await createApiToken(ctx, actor, str(form, 'name'));
        return page(c, <TokensPage {...props(c, s)} tokens={await listTokens(ctx, actor)} created={token} />);
      } catch (error) {
        if (!(error instanceof DomainError) || error.code !== 'validation_failed') throw error;
        return page(
          c,
          <TokensPage {...props(c, s)} tokens={await listTokens(ctx, actor)} errors={[error.message]} />,
          422,
        );
      }
    },

    'tokens.revoke': async (c, s) => {
      await revokeToken(ctx, (s as StaffSession).actor, c.req.param('id') ?? '');
      return c.redirect('/admin/tokens?flash=tokens.revokedDone', 303);
    },

    'users.list': async (c, s) =>
      page(c, <UsersPage {...props(c, s)} users={await listStaff(ctx)} errors={{}} values={{}} />),

    'users.create': async (c, s, form) => {
      const values = { email: str(form, 'email'), role: str(form, 'role') };
      try {
        const { user, generatedPassword } = await createStaffUser(ctx, (s as StaffSession).actor, {
          ...values,
          password: str(form, 'password'),
        });
        return page(
          c,
          <UsersPage
            {...props(c, s)}
            users={await listStaff(ctx)}
            errors={{}}
            values={{}}
            created={{ email: user.email, password: generatedPassword }}
          />,
        );
      } catch (error) {
        if (!(error instanceof DomainError) || !['validation_failed', 'conflict'].includes(error.code)) throw error;
        const errors: Record<string, string[]> = {};
        for (const i of error.issues ?? []) (errors[i.path] ??= []).push(i.message);
        return page(
          c,
          <UsersPage {...props(c, s)} users={await listStaff(ctx)} errors={errors} values={values} />,
          422,
        );
      }
    },

    'users.disable': async (c, s) => {
      await setStaffDisabled(ctx, (s as StaffSession).actor, c.req.param('id') ?? '', true);
      return c.redirect('/admin/users?flash=users.done', 303);
    },

    'users.enable': async (c, s) => {
      await setStaffDisabled(ctx, (s as StaffSession).actor, c.req.param('id') ?? '', false);
      return c.redirect('/admin/users?flash=users.done', 303);
    },

    audit: async (c, s) => {
      const q = c.req.query();
      const text = (k: string) => (q[k]?.trim() ? q[k].trim().slice(0, 100) : undefined);
      const date = (k: string) => (isIsoDate(q[k] ?? '') ? q[k] : undefined);
      const from = date('from');
      const to = date('to');
      const filters = {
        action: text('action'),
        actorType: text('actorType'),
        actorId: text('actorId'),
        contractNumber: text('contractNumber'),
        // JST calendar days, both inclusive, as instants (the log's `at` is UTC ISO-8601).
        from: from ? jstDayStart(from) : undefined,
        to: to ? jstDayEnd(to) : undefined,
      };
      const pageNo = Math.max(1, Math.min(100_000, Number.parseInt(q.page ?? '1', 10) || 1));
      const query = new URLSearchParams(
        Object.entries(q).filter(([k, v]) => k !== 'page' && k !== 'lang' && v !== ''),
      ).toString();
      const result = await auditLog(ctx, (s as StaffSession).actor, filters, pageNo);
      return page(c, <AuditPage {...props(c, s)} filters={{ ...filters, from, to }} query={query} result={result} />);
    },
  };

  async function obligeeChoices() {
    // The rules are put into words by the page, in its language.
    return (await listAcceptingObligees(ctx)).map((o) => ({ id: o.id, name: o.name, rules: o.rules }));
  }

  async function showDraft(
    c: Context<AppEnv>,
    s: StaffSession | null,
    id: string,
    error?: string,
    status: 200 | 403 | 409 | 422 = 200,
  ) {
    const screen = await draftScreen(ctx, id);
    if (screen.kind === 'request') {
      return page(
        c,
        <RequestPage
          {...props(c, s)}
          draft={screen.draft}
          draftedByEmail={screen.draftedByEmail}
          view={screen.view}
          error={error}
        />,
        status,
      );
    }
    return page(
      c,
      <DraftPage
        {...props(c, s)}
        draft={screen.draft}
        draftedByEmail={screen.draftedByEmail}
        changes={screen.changes}
        error={error}
      />,
      status,
    );
  }

  for (const route of ROUTES) {
    const handler = handlers[route.id];
    admin.on(route.method, route.path, async (c) => {
      c.header('Cache-Control', 'no-store');
      const session = await resolveSession(ctx, getCookie(c, SESSION_COOKIE, 'host'));
      const form: Form = route.method === 'POST' ? ((await c.req.parseBody({ all: true })) as Form) : {};
      const at = adminTranslator(c.get('lang'));
      if (route.access !== 'anon') {
        if (!session) {
          return route.method === 'GET'
            ? c.redirect('/admin/login', 303)
            : page(c, <LoginPage {...props(c, null)} error={at('login.expired')} />, 401);
        }
        if (route.method === 'POST' && !csrfMatches(session.csrfToken, form._csrf))
          return message(c, session, at('csrf'), 403);
        if (route.access !== 'half') {
          if (!session.mfa) return c.redirect('/admin/mfa', 303);
          if (!(route.access as readonly string[]).includes(session.user.role))
            return message(c, session, at('forbidden'), 403);
        }
      }
      try {
        return await handler(c, session, form);
      } catch (error) {
        if (
          error instanceof DomainError &&
          ['forbidden', 'not_found', 'conflict', 'invalid_event'].includes(error.code)
        ) {
          return message(c, session, error.message, statusFor(error.code) as 403 | 404 | 409 | 422);
        }
        throw error;
      }
    });
  }
  // Deny by default: anything under /admin that the table does not name.
  admin.all('*', (c) => {
    c.header('Cache-Control', 'no-store');
    return message(c, null, translator(c.get('lang'))('error.not_found'), 404);
  });
  return admin;
}
