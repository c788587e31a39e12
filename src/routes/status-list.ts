// The public status lists of DESIGN §13: GET /status-lists/{n} → the signed BitstringStatusListCredential (vc+jwt).
// Errors are §5 JSON bodies (the machine area's onError in app.ts).
import { Hono } from 'hono';
import { DomainError } from '../errors.js';
import type { ServiceContext } from '../services/context.js';
import { STATUS_LIST_MAX_AGE, STATUS_LIST_MEDIA_TYPE, statusListCredential } from '../services/status-list.js';
import type { AppEnv } from './http.js';

export function statusListRoutes(ctx: ServiceContext): Hono<AppEnv> {
  const lists = new Hono<AppEnv>();
  lists.get('/:list', async (c) => {
    const raw = c.req.param('list');
    if (!/^\d{1,6}$/.test(raw)) throw new DomainError('not_found', 'この番号のステータスリストはありません');
    const { jwt, etag } = await statusListCredential(ctx, Number(raw));
    const headers = {
      etag,
      // Short: a 取消 must reach verifiers within minutes; anyone may fetch it (the list names no guarantee).
      'cache-control': `public, max-age=${STATUS_LIST_MAX_AGE}`,
      'access-control-allow-origin': '*',
    };
    if (
      c.req
        .header('if-none-match')
        ?.split(/\s*,\s*/)
        .includes(etag)
    )
      return c.body(null, 304, headers);
    return c.body(jwt, 200, { ...headers, 'content-type': STATUS_LIST_MEDIA_TYPE });
  });
  return lists;
}
