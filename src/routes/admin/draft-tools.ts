// Two helpers of the application flow: the 申込 form's live eligibility check (JSON for its small script; the form
// still works without it, checking on submit) and an approver's recovery of applications stuck 発行処理中.
import { PRODUCTS } from '../../domain/certificate.js';
import type { ServiceContext } from '../../services/context.js';
import { toPublishBody, type FlatFields } from '../../services/staff/certificate-form.js';
import { checkIssueLive } from '../../services/staff/live-check.js';
import { recoverStuckDrafts } from '../../services/staff/recovery.js';
import { actorOf, type Handler } from './kit.js';

export function draftToolHandlers(ctx: ServiceContext): Record<'drafts.check' | 'drafts.recover', Handler> {
  return {
    'drafts.check': async (c, s, form) => {
      const values: FlatFields = {};
      for (const [k, v] of Object.entries(form))
        if (typeof v === 'string' && k !== '_csrf') values[k as keyof FlatFields] = v;
      const product = PRODUCTS.find((p) => p === values.product);
      if (!product) return c.json({ obligee: null });
      return c.json(await checkIssueLive(ctx, actorOf(s), toPublishBody({ ...values, product })));
    },

    'drafts.recover': async (c, s) => {
      const settled = await recoverStuckDrafts(ctx, actorOf(s));
      return c.redirect(`/admin?flash=${settled.length > 0 ? 'drafts.recovered' : 'drafts.recoverNone'}`, 303);
    },
  };
}
