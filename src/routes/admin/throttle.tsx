// /admin/throttle (確認の一時停止の解除): lift a verification pause for a caller who phones in.
import { Hono } from 'hono';
import { ThrottlePage } from '../../../views/admin/pages/throttle.js';
import { DomainError } from '../../errors.js';
import type { ServiceContext } from '../../services/context.js';
import { liftPause } from '../../services/staff/lift-pause.js';
import { staffGuard } from './guard.js';
import { page, props, type AdminEnv } from './kit.js';

export function throttleRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const guard = staffGuard(ctx);
  const app = new Hono<AdminEnv>();
  app.get('/throttle', guard('throttle.form'), (c) => page(c, <ThrottlePage {...props(c)} />));
  app.post('/throttle', guard('throttle.lift'), async (c) => {
    const form = await c.req.parseBody();
    const client = typeof form.client === 'string' ? form.client.slice(0, 64) : '';
    const contractNumber = typeof form.contractNumber === 'string' ? form.contractNumber.slice(0, 32) : '';
    try {
      const result = await liftPause(ctx, c.get('staff').actor, { client, contractNumber });
      return page(c, <ThrottlePage {...props(c)} result={result} />);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'validation_failed') throw error;
      return page(
        c,
        <ThrottlePage {...props(c)} error={error.message} client={client} contractNumber={contractNumber} />,
        422,
      );
    }
  });
  return app;
}
