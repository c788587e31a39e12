// /api/v1/watch: the obligee API of DESIGN §11 (an obligee organisation's token). Thin: token → parse → service → JSON.
import { OpenAPIHono } from '@hono/zod-openapi';
import { DomainError } from '../errors.js';
import type { ServiceContext } from '../services/context.js';
import { authenticateObligeeToken } from '../services/obligee-tokens.js';
import type { SuretyState } from '../services/surety-state.js';
import { readFeed } from '../services/watch-feed.js';
import { listWatched, registerWatch, removeWatch } from '../services/watches.js';
import { fresh } from './api-schemas.js';
import { currentJson } from './api.js';
import { pathContractNumber, readJson, type AppEnv } from './http.js';
import { bearerOf, throttleClientOf } from './throttle-client.js';
import {
  WATCH_REQUEST_SCHEMAS,
  deleteWatchRoute,
  listWatchRoute,
  putWatchRoute,
  watchEventsRoute,
} from './watch-routes.js';

const item = (state: SuretyState) => ({
  contractNumber: state.contractNumber,
  status: state.status,
  current: currentJson(state),
});

/** Raw path text for the key check: a malformed number is then no_match (counted), exactly as on POST /verify. */
function rawPathNumber(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function obligeeApiRoutes(ctx: ServiceContext): OpenAPIHono<AppEnv> {
  const api = new OpenAPIHono<AppEnv>();
  api.openAPIRegistry.registerComponent('securitySchemes', 'obligeeBearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An obligee organisation’s token (`obligee-token:create`); issuer API tokens are refused here',
  });
  api.openAPIRegistry.register('WatchRequest', fresh(WATCH_REQUEST_SCHEMAS.WatchRequest));

  // Only under /watch: the issuer API mounted after this app keeps its own token check for everything else.
  for (const path of ['/watch', '/watch/*']) {
    api.use(path, async (c, next) => {
      const token = bearerOf(c);
      const obligee = token ? await authenticateObligeeToken(ctx, token) : null;
      if (!obligee) {
        c.header('WWW-Authenticate', 'Bearer realm="esurety-obligee"');
        throw new DomainError('unauthorized', '発注者用 API トークンが必要です（Authorization: Bearer <token>）');
      }
      c.set('obligee', obligee);
      c.header('Cache-Control', 'no-store');
      await next();
    });
  }

  api.openapi(watchEventsRoute, async (c) =>
    c.json(await readFeed(ctx, c.get('obligee'), { after: c.req.query('after'), limit: c.req.query('limit') }), 200),
  );

  api.openapi(listWatchRoute, async (c) =>
    c.json({ items: (await listWatched(ctx, c.get('obligee'))).map(item) }, 200),
  );

  api.openapi(putWatchRoute, async (c) => {
    const body = await readJson(c);
    const client = await throttleClientOf(ctx, c);
    const { created, state } = await registerWatch(ctx, c.get('obligee'), {
      contractNumber: rawPathNumber(c.req.param('contractNumber')),
      body,
      client: client.key,
    });
    return created ? c.json(item(state), 201) : c.json(item(state), 200);
  });

  api.openapi(deleteWatchRoute, async (c) => {
    await removeWatch(ctx, c.get('obligee'), pathContractNumber(c.req.param('contractNumber')));
    return c.body(null, 204);
  });

  return api;
}
