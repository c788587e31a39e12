// Two helpers of the application flow: the 申込 form's live eligibility check (JSON for its small script; the form
// still works without it, checking on submit) and an approver's recovery of applications stuck 発行処理中.
import { Hono } from 'hono';
import { PRODUCTS } from '../../domain/certificate.js';
import type { ServiceContext } from '../../services/context.js';
import { toPublishBody } from '../../services/staff/certificate-form.js';
import { checkIssueLive } from '../../services/staff/live-check.js';
import { recoverStuckDrafts } from '../../services/staff/recovery.js';
import { form, textFields } from './form.js';
import { staffGuard } from './guard.js';
import type { AdminEnv } from './kit.js';

export function draftToolRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const guard = staffGuard(ctx);
  const app = new Hono<AdminEnv>();

  app.post('/drafts/check', guard('drafts.check'), form(textFields), async (c) => {
    const values = c.req.valid('form');
    const product = PRODUCTS.find((p) => p === values.product);
    if (!product) return c.json({ obligee: null });
    return c.json(await checkIssueLive(ctx, c.get('staff').actor, toPublishBody({ ...values, product })));
  });

  app.post('/drafts/recover', guard('drafts.recover'), async (c) => {
    const settled = await recoverStuckDrafts(ctx, c.get('staff').actor);
    return c.redirect(`/admin?flash=${settled.length > 0 ? 'drafts.recovered' : 'drafts.recoverNone'}`, 303);
  });

  return app;
}
