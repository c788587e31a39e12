// /admin/drafts (申込・承認): the 申込 form, the list of applications, one application with what it would change, and
// the four-eyes decisions on it (approve, reject, withdraw).
import { Hono } from 'hono';
import { z } from 'zod';
import { adminTranslator } from '../../i18n/admin.js';
import { DraftPage, DraftsPage, NewDraftPage } from '../../../views/admin/pages/drafts.js';
import { RequestPage } from '../../../views/admin/pages/requests.js';
import { PRODUCTS } from '../../domain/certificate.js';
import { DomainError, statusFor } from '../../errors.js';
import type { ServiceContext } from '../../services/context.js';
import { listAcceptingObligees } from '../../services/obligees.js';
import { issuesByColumn, toPublishBody, type FlatFields } from '../../services/staff/certificate-form.js';
import { draftScreen } from '../../services/staff/draft-screen.js';
import {
  ACKNOWLEDGEMENT_REASON,
  draftIssue,
  pendingDrafts,
  recentDrafts,
  rejectDraft,
} from '../../services/staff/drafts.js';
import { approveApplication, withdrawApplication } from '../../services/staff/requests.js';
import { form, text, textFields } from './form.js';
import { staffGuard } from './guard.js';
import { page, props, type AdminContext, type AdminEnv } from './kit.js';

export function applicationRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const guard = staffGuard(ctx);
  const app = new Hono<AdminEnv>();

  // The rules are put into words by the page, in its language.
  const obligeeChoices = async () =>
    (await listAcceptingObligees(ctx)).map((o) => ({ id: o.id, name: o.name, rules: o.rules }));

  const showDraft = async (c: AdminContext, id: string, error?: string, status: 200 | 403 | 409 | 422 = 200) => {
    const screen = await draftScreen(ctx, id, Number(c.req.query('page') ?? 1));
    const common = { ...props(c), draft: screen.draft, draftedByEmail: screen.draftedByEmail, error };
    return screen.kind === 'request'
      ? page(c, <RequestPage {...common} view={screen.view} />, status)
      : page(c, <DraftPage {...common} changes={screen.changes} rows={screen.rows} />, status);
  };

  app.get('/drafts', guard('drafts.list'), async (c) =>
    page(c, <DraftsPage {...props(c)} pending={await pendingDrafts(ctx)} recent={await recentDrafts(ctx)} />),
  );

  app.get('/drafts/new', guard('drafts.new'), async (c) => {
    const product = PRODUCTS.find((p) => p === c.req.query('product')) ?? null;
    return page(
      c,
      <NewDraftPage {...props(c)} product={product} obligees={await obligeeChoices()} values={{}} errors={{}} />,
    );
  });

  app.post('/drafts/new', guard('drafts.create'), form(textFields), async (c) => {
    const fields = c.req.valid('form');
    const product = PRODUCTS.find((p) => p === fields.product) ?? null;
    if (!product) return c.redirect('/admin/drafts/new', 303);
    const values: FlatFields = { ...fields, product };
    const reason = fields[ACKNOWLEDGEMENT_REASON] ?? '';
    try {
      await draftIssue(ctx, c.get('staff').actor, toPublishBody(values), reason);
      return c.redirect('/admin/drafts?flash=draft.created', 303);
    } catch (error) {
      if (!(error instanceof DomainError) || !['validation_failed', 'obligee_not_eligible'].includes(error.code))
        throw error;
      const issues = error.issues ?? [];
      // Plausibility warnings come with an issue asking for the reason; they are then the only issues.
      const acknowledge = issues.some((i) => i.path === ACKNOWLEDGEMENT_REASON)
        ? {
            warnings: issues.filter((i) => i.path !== ACKNOWLEDGEMENT_REASON).map((i) => i.message),
            reason,
          }
        : undefined;
      return page(
        c,
        <NewDraftPage
          {...props(c)}
          product={product}
          obligees={await obligeeChoices()}
          values={values}
          errors={issuesByColumn(issues.filter((i) => i.path !== ACKNOWLEDGEMENT_REASON))}
          acknowledge={acknowledge}
          formError={
            error.code === 'obligee_not_eligible' ? error.message : adminTranslator(c.get('lang'))('draft.errors')
          }
        />,
        422,
      );
    }
  });

  app.get('/drafts/:id', guard('drafts.show'), (c) => showDraft(c, c.req.param('id')));

  app.post('/drafts/:id/approve', guard('drafts.approve'), async (c) => {
    const id = c.req.param('id');
    try {
      const result = await approveApplication(ctx, c.get('staff').actor, id);
      if (result.kind === 'obligee') return c.redirect(`/admin/drafts/${id}?flash=request.applied`, 303);
      if (result.kind === 'reissue_key')
        return c.redirect(`/admin/sureties/${result.contractNumber}?flash=reissue.applied`, 303);
      if (result.kind === 'import') return c.redirect(`/admin/drafts/${id}?flash=draft.published`, 303);
      return c.redirect(`/admin/sureties/${result.contractNumber}?flash=draft.published`, 303);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'internal' || error.code === 'not_found') throw error;
      return showDraft(c, id, error.message, statusFor(error.code) as 403 | 409 | 422);
    }
  });

  app.post('/drafts/:id/reject', guard('drafts.reject'), form(z.object({ reason: text })), async (c) => {
    await rejectDraft(ctx, c.get('staff').actor, c.req.param('id'), c.req.valid('form').reason);
    return c.redirect('/admin/drafts?flash=draft.rejected', 303);
  });

  app.post('/drafts/:id/withdraw', guard('drafts.withdraw'), async (c) => {
    await withdrawApplication(ctx, c.get('staff').actor, c.req.param('id'));
    return c.redirect('/admin/drafts?flash=draft.withdrawn', 303);
  });

  return app;
}
