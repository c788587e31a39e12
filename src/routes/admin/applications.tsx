// /admin/drafts (申込・承認): the 申込 form, the list of applications, one application with what it would change, and
// the four-eyes decisions on it (approve, reject, withdraw).
import { Hono } from 'hono';
import { z } from 'zod';
import { adminTranslator } from '../../i18n/admin.js';
import { DraftPage, DraftsPage, NewDraftPage } from '../../../views/admin/pages/drafts.js';
import { RequestPage } from '../../../views/admin/pages/requests.js';
import { ActionPage } from '../../../views/admin/pages/sureties.js';
import { VersionReviewPage } from '../../../views/admin/pages/version-review.js';
import { ACKNOWLEDGEMENT_REASON } from '../../domain/acknowledgement.js';
import { mergePatch, PRODUCTS } from '../../domain/certificate.js';
import { DomainError, statusFor } from '../../errors.js';
import type { ServiceContext } from '../../services/context.js';
import { listAcceptingObligees } from '../../services/obligees.js';
import { ApplicationSetPage } from '../../../views/admin/pages/application.js';
import { flattenSet } from '../../services/staff/application-set.js';
import { flatten, issuesByColumn, toPublishBody, type FlatFields } from '../../services/staff/certificate-form.js';
import { draftScreen } from '../../services/staff/draft-screen.js';
import { pendingDrafts, recentDrafts, rejectDraft } from '../../services/staff/drafts.js';
import { takeKeptForm } from '../../services/staff/form-recovery.js';
import {
  editableApplication,
  isVersionKind,
  saveApplication,
  submitApplication,
} from '../../services/staff/revise-application.js';
import { suretyDetail } from '../../services/staff/surety-detail.js';
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
    const screen = await draftScreen(ctx, id, Number(c.req.query('page') ?? 1), c.get('staff').actor);
    const common = { ...props(c), draft: screen.draft, draftedByEmail: screen.draftedByEmail, error };
    if (screen.kind === 'request') return page(c, <RequestPage {...common} view={screen.view} />, status);
    if (screen.kind === 'version')
      return page(c, <VersionReviewPage {...common} review={screen.review} steps={screen.steps} />, status);
    return page(
      c,
      <DraftPage {...common} changes={screen.changes} rows={screen.rows} set={screen.set} steps={screen.steps} />,
      status,
    );
  };

  app.get('/drafts', guard('drafts.list'), async (c) =>
    page(c, <DraftsPage {...props(c)} pending={await pendingDrafts(ctx)} recent={await recentDrafts(ctx)} />),
  );

  app.get('/drafts/new', guard('drafts.new'), async (c) => {
    // After a log-in that followed a session expiry, the form the clerk was filling comes back (form-recovery.ts).
    const kept = c.req.query('restore') ? await takeKeptForm(ctx, c.get('staff').actor, 'issue') : null;
    const product = PRODUCTS.find((p) => p === (kept?.product ?? c.req.query('product'))) ?? null;
    return page(
      c,
      <NewDraftPage
        {...props(c)}
        product={product}
        obligees={await obligeeChoices()}
        values={kept ?? {}}
        errors={{}}
        applicationId={kept?.applicationId || undefined}
        banner={kept ? 'restored' : undefined}
      />,
    );
  });

  app.get('/drafts/:id/edit', guard('drafts.edit'), async (c) => {
    const draft = await editableApplication(ctx, c.get('staff').actor, c.req.param('id'));
    const body = JSON.parse(draft.body) as Record<string, unknown>;
    const banner = draft.status === 'rejected' ? 'editing' : 'editingDraft';
    if (isVersionKind(draft.kind) && draft.contract_number) {
      // The guarantee's own action form, filled with what the application asked for, sent back to itself.
      const detail = await suretyDetail(ctx, draft.contract_number);
      const current = detail.state.current.certificate as unknown as Record<string, unknown>;
      return page(
        c,
        <ActionPage
          {...props(c)}
          detail={detail}
          event={draft.kind}
          values={flatten(mergePatch(current, body.changes ?? {}) as Record<string, unknown>)}
          reason={typeof body.reason === 'string' ? body.reason : ''}
          errors={{}}
          applicationId={draft.id}
        />,
      );
    }
    if (draft.kind === 'issue_set') {
      return page(
        c,
        <ApplicationSetPage
          {...props(c)}
          obligees={await obligeeChoices()}
          values={flattenSet(body.guarantees as Record<string, unknown>[])}
          errors={{}}
          applicationId={draft.id}
          banner={banner}
        />,
      );
    }
    const values = flatten(body);
    const product = PRODUCTS.find((p) => p === values.product) ?? null;
    return page(
      c,
      <NewDraftPage
        {...props(c)}
        product={product}
        obligees={await obligeeChoices()}
        values={values}
        errors={{}}
        applicationId={draft.id}
        banner={banner}
      />,
    );
  });

  app.post('/drafts/new', guard('drafts.create'), form(textFields), async (c) => {
    const fields = c.req.valid('form');
    const product = PRODUCTS.find((p) => p === fields.product) ?? null;
    if (!product) return c.redirect('/admin/drafts/new', 303);
    const values: FlatFields = { ...fields, product };
    const applicationId = fields.applicationId || undefined;
    const reason = fields[ACKNOWLEDGEMENT_REASON] ?? '';
    const input = {
      id: applicationId,
      kind: 'issue' as const,
      body: toPublishBody(values),
      acknowledgementReason: reason,
    };
    try {
      if (fields.step === 'save') {
        const id = await saveApplication(ctx, c.get('staff').actor, input);
        return c.redirect(`/admin/drafts/${id}?flash=app.saved`, 303);
      }
      await submitApplication(ctx, c.get('staff').actor, input);
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
          applicationId={applicationId}
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

  app.post('/drafts/:id/approve', guard('drafts.approve'), form(z.object({ confirmCancellation: text })), async (c) => {
    const id = c.req.param('id');
    try {
      const confirmedCancellation = c.req.valid('form').confirmCancellation === 'yes';
      const result = await approveApplication(ctx, c.get('staff').actor, id, { confirmedCancellation });
      if (result.kind === 'obligee') return c.redirect(`/admin/drafts/${id}?flash=request.applied`, 303);
      if (result.kind === 'reissue_key')
        return c.redirect(`/admin/sureties/${result.contractNumber}?flash=reissue.applied`, 303);
      if (result.kind === 'import' || result.kind === 'issue_set')
        return c.redirect(`/admin/drafts/${id}?flash=draft.published`, 303);
      return c.redirect(`/admin/sureties/${result.contractNumber}?flash=draft.published`, 303);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'internal' || error.code === 'not_found') throw error;
      return showDraft(c, id, error.message, statusFor(error.code) as 403 | 409 | 422);
    }
  });

  app.post('/drafts/:id/reject', guard('drafts.reject'), form(z.object({ reason: text })), async (c) => {
    const id = c.req.param('id');
    try {
      await rejectDraft(ctx, c.get('staff').actor, id, c.req.valid('form').reason);
    } catch (error) {
      // No reason: the application is shown again with the message, nothing changed.
      if (!(error instanceof DomainError) || error.code !== 'validation_failed') throw error;
      return showDraft(c, id, error.message, 422);
    }
    return c.redirect('/admin/drafts?flash=draft.rejected', 303);
  });

  app.post('/drafts/:id/withdraw', guard('drafts.withdraw'), async (c) => {
    await withdrawApplication(ctx, c.get('staff').actor, c.req.param('id'));
    return c.redirect('/admin/drafts?flash=draft.withdrawn', 303);
  });

  return app;
}
