// /admin/sureties: 保証契約一覧 (search), 電子保証概要 (detail, key on demand, reissue request) and the lifecycle
// action forms, each of which files an application for an approver rather than publishing.
import { Hono } from 'hono';
import { z } from 'zod';
import { adminTranslator } from '../../i18n/admin.js';
import { ActionPage, SuretyDetailPage, SuretyListPage } from '../../../views/admin/pages/sureties.js';
import { PRODUCTS } from '../../domain/certificate.js';
import { changesPatch } from '../../domain/diff.js';
import { isIsoDate } from '../../domain/format.js';
import type { VersionEvent } from '../../domain/history.js';
import { DomainError } from '../../errors.js';
import type { ServiceContext } from '../../services/context.js';
import {
  OPTIONAL_FORM_COLUMNS,
  flatten,
  issuesByColumn,
  toPublishBody,
  type FlatFields,
} from '../../services/staff/certificate-form.js';
import { draftVersion } from '../../services/staff/drafts.js';
import { requestKeyReissue } from '../../services/staff/requests.js';
import { submitApplication } from '../../services/staff/revise-application.js';
import { revealAuthKey } from '../../services/staff/reveal-auth-key.js';
import { suretyDetail, suretyScreen } from '../../services/staff/surety-detail.js';
import { suretySearchScreen, type SuretyListFilters } from '../../services/staff/surety-search.js';
import { pathContractNumber } from '../http.js';
import { form, text, textFields } from './form.js';
import { staffGuard } from './guard.js';
import { message, page, props, type AdminEnv } from './kit.js';
import { pageNumber, queryWithout } from './query.js';

type ActionEvent = Exclude<VersionEvent, 'issue'>;

export function suretyRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const guard = staffGuard(ctx);
  const app = new Hono<AdminEnv>();

  app.get('/sureties', guard('sureties.list'), async (c) => {
    const q = c.req.query();
    const textOf = (k: string) => (q[k]?.trim() ? q[k].trim().normalize('NFKC').slice(0, 100) : undefined);
    const date = (k: string) => (isIsoDate(q[k] ?? '') ? q[k] : undefined);
    const filters: SuretyListFilters = {
      contractNumber: textOf('contractNumber')?.replace(/[‐\-–—―−ーｰ－]/g, '-'),
      worksName: textOf('worksName'),
      contractor: textOf('contractor'),
      obligeeId: textOf('obligeeId'),
      product: (PRODUCTS as readonly string[]).includes(q.product ?? '') ? q.product : undefined,
      status: (['active', 'expired', 'cancelled'] as const).find((x) => x === q.status),
      // JST calendar dates, both inclusive; the service turns them into JST day boundaries.
      from: date('from'),
      to: date('to'),
    };
    const screen = await suretySearchScreen(ctx, filters, pageNumber(q.page));
    return page(c, <SuretyListPage {...props(c)} filters={filters} query={queryWithout(q)} {...screen} />);
  });

  app.get('/sureties/:n', guard('sureties.detail'), async (c) => {
    const n = pathContractNumber(c.req.param('n'));
    return page(c, <SuretyDetailPage {...props(c)} {...await suretyScreen(ctx, n)} />);
  });

  app.post('/sureties/:n/key', guard('sureties.key'), async (c) => {
    const n = pathContractNumber(c.req.param('n'));
    const authKey = await revealAuthKey(ctx, c.get('staff').actor, n);
    return page(
      c,
      <SuretyDetailPage
        {...props(c)}
        {...await suretyScreen(ctx, n)}
        authKey={authKey}
        keySheet={{ verifyUrl: `${ctx.config.publicUrl}/`, at: ctx.clock().toISOString() }}
      />,
    );
  });

  // Four-eyes: a clerk only requests the reissue; an approver applies it from the approval screen.
  app.post('/sureties/:n/reissue', guard('sureties.reissue'), form(z.object({ reason: text })), async (c) => {
    const n = pathContractNumber(c.req.param('n'));
    try {
      await requestKeyReissue(ctx, c.get('staff').actor, n, c.req.valid('form').reason);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'validation_failed') throw error;
      return message(c, error.issues?.[0]?.message ?? error.message, 422);
    }
    return c.redirect(`/admin/sureties/${n}?flash=reissue.requested`, 303);
  });

  app.get('/sureties/:n/actions/:event', guard('sureties.action'), async (c) => {
    const detail = await suretyDetail(ctx, pathContractNumber(c.req.param('n')));
    const event = detail.allowed.find((e) => e === c.req.param('event')) as ActionEvent | undefined;
    if (!event) return message(c, adminTranslator(c.get('lang'))('action.notAllowed'), 422);
    const values = flatten(detail.state.current.certificate as unknown as Record<string, unknown>);
    return page(c, <ActionPage {...props(c)} detail={detail} event={event} values={values} reason="" errors={{}} />);
  });

  app.post('/sureties/:n/actions/:event', guard('sureties.action.submit'), form(textFields), async (c) => {
    const n = pathContractNumber(c.req.param('n'));
    const detail = await suretyDetail(ctx, n);
    const event = detail.allowed.find((e) => e === c.req.param('event')) as ActionEvent | undefined;
    if (!event) return message(c, adminTranslator(c.get('lang'))('action.notAllowed'), 422);
    const fields = c.req.valid('form');
    const before = flatten(detail.state.current.certificate as unknown as Record<string, unknown>);
    const values: FlatFields = {};
    for (const k of Object.keys(before) as (keyof FlatFields)[]) values[k] = fields[k] ?? '';
    for (const k of OPTIONAL_FORM_COLUMNS) if (fields[k] !== undefined) values[k] = fields[k];
    const reason = fields.reason ?? '';
    const body: { event: ActionEvent; changes?: Record<string, unknown>; reason?: string } = { event };
    if (reason.trim()) body.reason = reason.trim();
    if (event === 'change' || event === 'correction') {
      body.changes = changesPatch(toPublishBody(before), toPublishBody({ ...values, product: before.product }));
    }
    // A sent-back application corrected on this form is resubmitted as itself (revise-application.ts).
    const applicationId = fields.applicationId || undefined;
    try {
      if (applicationId) {
        await submitApplication(ctx, c.get('staff').actor, { id: applicationId, kind: event, body, contractNumber: n });
        return c.redirect(`/admin/drafts/${applicationId}?flash=draft.created`, 303);
      }
      await draftVersion(ctx, c.get('staff').actor, n, body);
      return c.redirect(`/admin/sureties/${n}?flash=draft.created`, 303);
    } catch (error) {
      if (!(error instanceof DomainError) || !['validation_failed', 'invalid_event'].includes(error.code)) throw error;
      const errors = issuesByColumn(error.issues ?? []);
      if (error.issues?.some((i) => i.path === 'reason'))
        errors.reason = [error.issues.find((i) => i.path === 'reason')?.message ?? ''];
      return page(
        c,
        <ActionPage
          {...props(c)}
          detail={detail}
          event={event}
          values={values}
          reason={reason}
          errors={errors}
          formError={error.message}
          applicationId={applicationId}
        />,
        422,
      );
    }
  });

  return app;
}
