// /admin/obligee-tokens: obligee organisations' API tokens for the watch API (made here, shown once, approved by a
// second administrator, revoked).
import { Hono } from 'hono';
import { z } from 'zod';
import { ObligeeTokensPage } from '../../../views/admin/pages/obligee-tokens.js';
import { DomainError } from '../../errors.js';
import type { ServiceContext } from '../../services/context.js';
import {
  approveObligeeTokenBy,
  createObligeeToken,
  obligeeTokenScreen,
  revokeObligeeTokenBy,
} from '../../services/obligee-tokens.js';
import { form, text } from './form.js';
import { staffGuard } from './guard.js';
import { page, props, type AdminContext } from './kit.js';
import type { AdminEnv } from './kit.js';

export function obligeeTokenRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const guard = staffGuard(ctx);
  const app = new Hono<AdminEnv>();
  const screen = async (
    c: AdminContext,
    extra: { created?: { token: string; obligee: string }; errors?: string[] },
  ) => {
    const actor = c.get('staff').actor;
    return <ObligeeTokensPage {...props(c)} me={actor.id} {...await obligeeTokenScreen(ctx, actor)} {...extra} />;
  };

  app.get('/obligee-tokens', guard('obligeeTokens.list'), async (c) => page(c, await screen(c, {})));

  app.post(
    '/obligee-tokens',
    guard('obligeeTokens.create'),
    form(z.object({ obligee: text, name: text })),
    async (c) => {
      const { obligee, name } = c.req.valid('form');
      try {
        const created = await createObligeeToken(ctx, c.get('staff').actor, { obligeeId: obligee, name });
        return page(c, await screen(c, { created: { token: created.token, obligee: created.obligeeId } }));
      } catch (error) {
        if (!(error instanceof DomainError) || error.code !== 'validation_failed') throw error;
        return page(c, await screen(c, { errors: [error.message] }), 422);
      }
    },
  );

  app.post('/obligee-tokens/:id/approve', guard('obligeeTokens.approve'), async (c) => {
    await approveObligeeTokenBy(ctx, c.get('staff').actor, c.req.param('id'));
    return c.redirect('/admin/obligee-tokens?flash=obligeeTokens.approvedDone', 303);
  });

  app.post('/obligee-tokens/:id/revoke', guard('obligeeTokens.revoke'), async (c) => {
    await revokeObligeeTokenBy(ctx, c.get('staff').actor, c.req.param('id'));
    return c.redirect('/admin/obligee-tokens?flash=obligeeTokens.revokedDone', 303);
  });

  return app;
}
