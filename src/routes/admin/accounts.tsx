// /admin/users and /admin/tokens: staff accounts (create, disable, enable) and issuer API tokens (scoped, shown once,
// approved by a second administrator when a scope needs it, revoked).
import { Hono } from 'hono';
import { z } from 'zod';
import { TokensPage, UsersPage } from '../../../views/admin/pages/manage.js';
import { DomainError } from '../../errors.js';
import { createApiToken } from '../../services/api-tokens.js';
import type { ServiceContext } from '../../services/context.js';
import { createStaffUser, listStaff, setStaffDisabled } from '../../services/staff/accounts.js';
import { approveToken, listTokens, revokeToken } from '../../services/staff/api-tokens.js';
import { approveStaffAccount, pendingAccounts } from '../../services/staff/enrolment.js';
import { form, text, texts } from './form.js';
import { staffGuard } from './guard.js';
import { page, props, type AdminContext, type AdminEnv } from './kit.js';

export function accountRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const guard = staffGuard(ctx);
  const app = new Hono<AdminEnv>();

  app.get('/tokens', guard('tokens.list'), async (c) =>
    page(
      c,
      <TokensPage {...props(c)} me={c.get('staff').actor.id} tokens={await listTokens(ctx, c.get('staff').actor)} />,
    ),
  );

  app.post('/tokens', guard('tokens.create'), form(z.object({ name: text, scopes: texts })), async (c) => {
    const actor = c.get('staff').actor;
    try {
      const { name, scopes } = c.req.valid('form');
      const { token, pendingApproval } = await createApiToken(ctx, actor, name, scopes);
      return page(
        c,
        <TokensPage
          {...props(c)}
          me={c.get('staff').actor.id}
          tokens={await listTokens(ctx, actor)}
          created={{ token, pendingApproval }}
        />,
      );
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'validation_failed') throw error;
      return page(
        c,
        <TokensPage
          {...props(c)}
          me={c.get('staff').actor.id}
          tokens={await listTokens(ctx, actor)}
          errors={[error.message]}
        />,
        422,
      );
    }
  });

  app.post('/tokens/:id/approve', guard('tokens.approve'), async (c) => {
    await approveToken(ctx, c.get('staff').actor, c.req.param('id'));
    return c.redirect('/admin/tokens?flash=tokens.approvedDone', 303);
  });

  app.post('/tokens/:id/revoke', guard('tokens.revoke'), async (c) => {
    await revokeToken(ctx, c.get('staff').actor, c.req.param('id'));
    return c.redirect('/admin/tokens?flash=tokens.revokedDone', 303);
  });

  const usersPage = async (c: AdminContext) => ({
    users: await listStaff(ctx),
    pending: await pendingAccounts(ctx),
    me: c.get('staff').actor.id,
  });

  app.get('/users', guard('users.list'), async (c) =>
    page(c, <UsersPage {...props(c)} {...await usersPage(c)} errors={{}} values={{}} />),
  );

  app.post('/users/:id/approve', guard('users.approve'), async (c) => {
    await approveStaffAccount(ctx, c.get('staff').actor, c.req.param('id'));
    return c.redirect('/admin/users?flash=users.approvedDone', 303);
  });

  app.post('/users', guard('users.create'), form(z.object({ email: text, role: text, password: text })), async (c) => {
    const { password, ...values } = c.req.valid('form');
    try {
      const { user, generatedPassword } = await createStaffUser(ctx, c.get('staff').actor, { ...values, password });
      return page(
        c,
        <UsersPage
          {...props(c)}
          {...await usersPage(c)}
          errors={{}}
          values={{}}
          created={{ email: user.email, password: generatedPassword }}
        />,
      );
    } catch (error) {
      if (!(error instanceof DomainError) || !['validation_failed', 'conflict'].includes(error.code)) throw error;
      const errors: Record<string, string[]> = {};
      for (const i of error.issues ?? []) (errors[i.path] ??= []).push(i.message);
      return page(c, <UsersPage {...props(c)} {...await usersPage(c)} errors={errors} values={values} />, 422);
    }
  });

  app.post('/users/:id/disable', guard('users.disable'), async (c) => {
    await setStaffDisabled(ctx, c.get('staff').actor, c.req.param('id'), true);
    return c.redirect('/admin/users?flash=users.done', 303);
  });

  app.post('/users/:id/enable', guard('users.enable'), async (c) => {
    await setStaffDisabled(ctx, c.get('staff').actor, c.req.param('id'), false);
    return c.redirect('/admin/users?flash=users.done', 303);
  });

  return app;
}
