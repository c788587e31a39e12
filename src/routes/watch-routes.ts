// The obligee API's routes (DESIGN §11) as OpenAPI definitions, with their answer schemas: obligee-api.ts serves
// each with `api.openapi(route, handler)`. Bodies are described by $ref and validated by the services, as in
// api-routes.ts, so the §5 answers stay the services' own.
import { createRoute, z } from '@hono/zod-openapi';
import { contractNumberSchema } from '../domain/certificate.js';
import { MAX_PAGE, WATCH_EVENTS } from '../domain/watch-feed.js';
import { watchRequestSchema } from '../services/watches.js';
import { currentSchema, errorSchema, fresh } from './api-schemas.js';

export const WATCH_REQUEST_SCHEMAS = { WatchRequest: watchRequestSchema } as const;

const contractNumber = fresh(contractNumberSchema).openapi({ example: '10001-000001' });
const status = z.enum(['active', 'expired', 'cancelled']);

export const watchItemSchema = z.strictObject({ contractNumber, status, current: currentSchema }).openapi('Watch');
export const watchListSchema = z.strictObject({ items: z.array(watchItemSchema) }).openapi('WatchList');

const cursor = z.string().openapi({ description: 'Opaque; pass it back as `after` to read what follows this event' });
export const watchEventSchema = z
  .strictObject({
    cursor,
    contractNumber,
    seq: z.number().int().positive().nullable().openapi({ description: 'null for expired and key_reissued' }),
    event: z.enum(WATCH_EVENTS),
    target: z.number().int().positive().nullable().openapi({
      description: 'The version a correction or change_cancellation hides; null otherwise',
    }),
    status: status.openapi({ description: 'The certificate status as of this event' }),
    issuedAt: z.string().openapi({ description: 'ISO-8601 in JST: the version was published / the event recorded' }),
    jws: z.string().nullable().openapi({
      description: 'The version as signed (verify with /.well-known/jwks.json); null for expired and key_reissued',
    }),
  })
  .openapi('WatchEvent');
export const watchFeedSchema = z
  .strictObject({
    events: z.array(watchEventSchema),
    next: cursor.openapi({ description: 'Never null: the last event’s cursor, or `after` itself when none followed' }),
  })
  .openapi('WatchFeed');

const json = <S extends z.ZodType>(description: string, schema: S) => ({
  description,
  content: { 'application/json': { schema } },
});
const error = (description: string) => json(description, errorSchema);
const retryAfter = { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' as const } } };
const common = {
  401: error('unauthorized: no obligee token, an unknown or revoked one, or an issuer API token'),
  503: { ...error('unavailable: the database cannot be reached or written'), headers: retryAfter },
};
const obligeeBearer = [{ obligeeBearer: [] }];
const contractNumberParameter = {
  name: 'contractNumber',
  in: 'path' as const,
  required: true,
  description: '保証契約番号 (full-width digits and dash variants are normalised)',
  schema: { type: 'string' as const, pattern: '^\\d{5}-\\d{6}$' },
};

export const putWatchRoute = createRoute({
  method: 'put',
  path: '/watch/{contractNumber}',
  summary: 'Watch a certificate of this obligee (number + key, throttled like verify)',
  description:
    'The key is checked exactly as POST /verify does, counted per token (§7). Only with the right key: 403 when the ' +
    'certificate’s obligee is another organisation.',
  security: obligeeBearer,
  parameters: [contractNumberParameter],
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/WatchRequest' } } },
    },
  },
  responses: {
    200: json('Already watched', watchItemSchema),
    201: json('Now watched', watchItemSchema),
    400: error('bad_request: malformed JSON or not application/json'),
    ...common,
    401: error('no_match: wrong key or unknown number; unauthorized: no valid obligee token'),
    403: error('forbidden: the certificate’s obligee is another organisation'),
    413: error('too_large: over 256 KB'),
    422: error('validation_failed'),
    429: { ...error('throttled'), headers: retryAfter },
  },
});

export const listWatchRoute = createRoute({
  method: 'get',
  path: '/watch',
  summary: 'The certificates this obligee watches, with their current status',
  security: obligeeBearer,
  responses: { 200: json('Watched certificates', watchListSchema), ...common },
});

export const deleteWatchRoute = createRoute({
  method: 'delete',
  path: '/watch/{contractNumber}',
  summary: 'Stop watching a certificate (its events already in the feed stay)',
  security: obligeeBearer,
  parameters: [contractNumberParameter],
  responses: { 204: { description: 'No longer watched' }, 404: error('not_found: not watched'), ...common },
});

export const watchEventsRoute = createRoute({
  method: 'get',
  path: '/watch/events',
  summary: 'Every event of the watched certificates after a cursor, in one total order',
  description:
    'Versions published after registration (hidden ones too: a correction or change_cancellation names its ' +
    '`target`), `expired` (first housekeeping pass after the JST day the guarantee period ended) and ' +
    '`key_reissued` (the new key is never sent). The same cursor always gives the same events; later events only ' +
    'follow them.',
  security: obligeeBearer,
  parameters: [
    {
      name: 'after',
      in: 'query',
      required: false,
      description: 'A cursor from this feed; none = from the start',
      schema: { type: 'string' },
    },
    {
      name: 'limit',
      in: 'query',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 100 },
    },
  ],
  responses: {
    200: json('One page of events', watchFeedSchema),
    422: error('validation_failed: after or limit'),
    ...common,
  },
});
