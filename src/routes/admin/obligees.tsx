// /admin/obligees (発注者): the register with each obligee's rules, and the form that files a change request (four
// eyes: an approver applies it from the approval screen).
import { Hono } from 'hono';
import { z } from 'zod';
import { ObligeeFormPage, ObligeesPage } from '../../../views/admin/pages/manage.js';
import type { ObligeeRule } from '../../domain/eligibility.js';
import { DomainError } from '../../errors.js';
import type { ServiceContext } from '../../services/context.js';
import { obligeeForEdit, obligeeRegister } from '../../services/staff/obligee-register.js';
import { requestObligeeChange } from '../../services/staff/requests.js';
import { form, text, texts } from './form.js';
import { staffGuard } from './guard.js';
import { page, props, type AdminEnv } from './kit.js';

/** The form's rule rows: rule0 … rule21, each kept only when at least one product is ticked. */
const RULE_ROWS = 22;
const obligeeForm = z
  .record(z.string(), z.unknown())
  .catch({})
  .transform((f) => ({
    id: text.parse(f.id).trim(),
    name: text.parse(f.name).trim(),
    title: text.parse(f.title).trim(),
    rules: Array.from({ length: RULE_ROWS }, (_, i) => ({
      products: texts.parse(f[`rule${i}.products`]),
      basis: text.parse(f[`rule${i}.basis`]),
      effectiveFrom: text.parse(f[`rule${i}.effectiveFrom`]),
    })).filter((rule) => rule.products.length > 0),
    checks: checksOf(text.parse(f.checksRatio).trim(), text.parse(f.checksEnforce) === 'on'),
  }));

/** The plausibility settings as the form gives them: an empty ratio is the default; a non-number is left for zod. */
function checksOf(ratio: string, enforce: boolean): Record<string, unknown> {
  const digits = ratio.normalize('NFKC').replace(/[%\s]/g, '');
  return {
    ...(digits === '' ? {} : { minimumContractGuaranteeRatio: /^\d+(\.\d+)?$/.test(digits) ? Number(digits) : digits }),
    ...(enforce ? { enforce: true } : {}),
  };
}

export function obligeeRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const guard = staffGuard(ctx);
  const app = new Hono<AdminEnv>();

  app.get('/obligees', guard('obligees.list'), async (c) =>
    page(c, <ObligeesPage {...props(c)} {...await obligeeRegister(ctx)} />),
  );

  app.get('/obligees/:id', guard('obligees.edit'), async (c) => {
    const id = c.req.param('id');
    if (id === 'new')
      return page(c, <ObligeeFormPage {...props(c)} isNew id="" name="" title="" rules={[]} checks={{}} errors={{}} />);
    const o = await obligeeForEdit(ctx, id);
    return page(
      c,
      <ObligeeFormPage
        {...props(c)}
        isNew={false}
        id={o.id}
        name={o.name}
        title={o.title ?? ''}
        rules={o.rules}
        checks={o.checks ?? {}}
        errors={{}}
      />,
    );
  });

  app.post('/obligees/:id', guard('obligees.save'), form(obligeeForm), async (c) => {
    const { name, title, rules, checks, ...f } = c.req.valid('form');
    const isNew = c.req.param('id') === 'new';
    const id = isNew ? f.id : c.req.param('id');
    try {
      // Four-eyes: saving files a request; a different staff member with the approver role applies it.
      const requestId = await requestObligeeChange(
        ctx,
        c.get('staff').actor,
        id,
        { name, ...(title ? { title } : {}), rules, ...(Object.keys(checks).length > 0 ? { checks } : {}) },
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
          {...props(c)}
          isNew={isNew}
          id={id}
          name={name}
          title={title}
          rules={rules as ObligeeRule[]}
          checks={checks}
          errors={errors}
        />,
        422,
      );
    }
  });

  return app;
}
