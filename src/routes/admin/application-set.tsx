// /admin/applications: the combined 申込 (前払金保証＋契約保証) as Net Desk walks it — 申込作成 → 申込確認 → 送信完了 —
// with 下書き保存 at any point. One POST route takes the form's step (confirm | edit | save | submit); the services
// decide what is allowed, so an application sent back and reopened goes through the very same steps.
import { Hono } from 'hono';
import { adminTranslator } from '../../i18n/admin.js';
import {
  ApplicationConfirmPage,
  ApplicationSentPage,
  ApplicationSetPage,
} from '../../../views/admin/pages/application.js';
import { DomainError } from '../../errors.js';
import type { ServiceContext } from '../../services/context.js';
import { listAcceptingObligees } from '../../services/obligees.js';
import { ACKNOWLEDGEMENT_REASON } from '../../domain/acknowledgement.js';
import {
  checkIssueSet,
  issuesByInput,
  setFieldsOf,
  toSetBodies,
  type SetFields,
} from '../../services/staff/application-set.js';
import { setReview } from '../../services/staff/draft-screen.js';
import { takeKeptForm } from '../../services/staff/form-recovery.js';
import { ownApplication, saveApplication, submitApplication } from '../../services/staff/revise-application.js';
import { form, textFields } from './form.js';
import { staffGuard } from './guard.js';
import { page, props, type AdminContext, type AdminEnv } from './kit.js';

export function applicationSetRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const guard = staffGuard(ctx);
  const app = new Hono<AdminEnv>();

  const obligees = async () =>
    (await listAcceptingObligees(ctx)).map((o) => ({ id: o.id, name: o.name, rules: o.rules }));

  const formPage = async (
    c: AdminContext,
    values: SetFields,
    applicationId: string | undefined,
    error?: DomainError,
    banner?: 'restored',
  ) =>
    page(
      c,
      <ApplicationSetPage
        {...props(c)}
        obligees={await obligees()}
        values={values}
        errors={error ? issuesByInput(error.issues ?? []) : {}}
        applicationId={applicationId}
        banner={banner}
        formError={error ? adminTranslator(c.get('lang'))('draft.errors') : undefined}
      />,
      error ? 422 : 200,
    );

  /**
   * 申込確認: both guarantees reviewed as the approver will read them, and each guarantee's plausibility warnings with
   * the reason the clerk gives for applying all the same (required when there are any).
   */
  const confirmPage = async (
    c: AdminContext,
    values: SetFields,
    applicationId: string | undefined,
    reason: string,
    reasonError?: string,
  ) => {
    const bodies = toSetBodies(values);
    const warnings = await checkIssueSet(ctx, bodies);
    const review = await setReview(ctx, bodies);
    return page(
      c,
      <ApplicationConfirmPage
        {...props(c)}
        review={review}
        values={values}
        applicationId={applicationId}
        acknowledge={warnings.length > 0 ? { warnings, reason, error: reasonError } : undefined}
      />,
      reasonError ? 422 : 200,
    );
  };

  app.get('/applications/new', guard('applications.new'), async (c) => {
    // After a log-in that followed a session expiry, the form the clerk was filling comes back (form-recovery.ts).
    const kept = c.req.query('restore') ? await takeKeptForm(ctx, c.get('staff').actor, 'application-set') : null;
    if (kept) return formPage(c, setFieldsOf(kept), kept.applicationId || undefined, undefined, 'restored');
    return formPage(c, {}, undefined);
  });

  app.post('/applications', guard('applications.step'), form(textFields), async (c) => {
    const raw = c.req.valid('form');
    const values = setFieldsOf(raw);
    const applicationId = raw.applicationId || undefined;
    const reason = raw[ACKNOWLEDGEMENT_REASON] ?? '';
    const actor = c.get('staff').actor;
    const body = { guarantees: toSetBodies(values) };
    try {
      switch (raw.step) {
        case 'save': {
          const id = await saveApplication(ctx, actor, { id: applicationId, kind: 'issue_set', body });
          return c.redirect(`/admin/drafts/${id}?flash=app.saved`, 303);
        }
        case 'submit': {
          const id = await submitApplication(ctx, actor, {
            id: applicationId,
            kind: 'issue_set',
            body,
            acknowledgementReason: reason,
          });
          return c.redirect(`/admin/applications/${id}/sent`, 303);
        }
        case 'confirm':
          return await confirmPage(c, values, applicationId, reason);
        default:
          return formPage(c, values, applicationId);
      }
    } catch (error) {
      if (!(error instanceof DomainError) || !['validation_failed', 'obligee_not_eligible'].includes(error.code))
        throw error;
      // Submitted without the reason its warnings need: 申込確認 again, the reason asked for there.
      const missing = error.issues?.find((i) => i.path === ACKNOWLEDGEMENT_REASON);
      if (raw.step === 'submit' && missing) return confirmPage(c, values, applicationId, reason, missing.message);
      return formPage(c, values, applicationId, error);
    }
  });

  app.get('/applications/:id/sent', guard('applications.sent'), async (c) => {
    const draft = await ownApplication(ctx, c.get('staff').actor, c.req.param('id'));
    return page(c, <ApplicationSentPage {...props(c)} id={draft.id} />);
  });

  return app;
}
