// PUT /api/v1/sureties/{contractNumber}/contractor-email: an additive issuer route (not one of DESIGN §5's), mounted
// by api.ts behind its bearer-token check. Thin: parse → service → JSON.
import { OpenAPIHono } from '@hono/zod-openapi';
import { changeContractorEmail } from '../services/change-contractor-email.js';
import type { ServiceContext } from '../services/context.js';
import { contractorEmailRoute } from './api-routes.js';
import { scoped } from './api-scope-guard.js';
import { pathContractNumber, readJson, type AppEnv } from './http.js';

export function contractorEmailRoutes(ctx: ServiceContext): OpenAPIHono<AppEnv> {
  const routes = new OpenAPIHono<AppEnv>();
  routes.openapi(scoped(contractorEmailRoute), async (c) => {
    const result = await changeContractorEmail(
      ctx,
      c.get('actor'),
      pathContractNumber(c.req.param('contractNumber')),
      await readJson(c),
    );
    c.header('Cache-Control', 'no-store');
    return c.json(result, 200);
  });
  return routes;
}
