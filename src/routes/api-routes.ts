// The /api/v1 routes as OpenAPI definitions: api.ts serves each one with `api.openapi(route, handler)`, so the document
// is generated from what is served and each handler's answers are checked by tsc against the route's schemas.
//
// Requests are described, never validated here: bodies name their component schema by $ref (a zod schema would make
// @hono/zod-openapi add its own validator and media-type gate, answering 400/415 in its own words), and parameters are
// plain OpenAPI objects. The services keep validating with the same zod schemas (domain/requests.ts, registered as
// the components below), so the §5 answers — codes, Japanese messages, issue paths, 413 over 256 KB, and §3's history
// rules before field validation on POST …/versions — stay exactly as they were.
import { createRoute, type z } from '@hono/zod-openapi';
import {
  bulkVerifyRequestSchema,
  contractorEmailRequestSchema,
  obligeeRequestSchema,
  publishRequestSchema,
  verifyRequestSchema,
  versionRequestSchema,
} from '../domain/requests.js';
import type { ApiScope } from '../domain/api-scopes.js';
import { OUTBOX_STATES } from '../services/outbox-admin.js';
import {
  authKeyAnswerSchema,
  bulkVerificationSchema,
  contractorEmailAnswerSchema,
  errorSchema,
  logEntryVersionSchema,
  obligeeListSchema,
  obligeeSchema,
  outboxListSchema,
  publicationSchema,
  retryAnswerSchema,
  suretySchema,
  verificationSchema,
  versionAnswerSchema,
} from './api-schemas.js';

/** Request body schemas, registered as components under these names (see requestBody below). */
export const REQUEST_SCHEMAS = {
  VerifyRequest: verifyRequestSchema,
  BulkVerifyRequest: bulkVerifyRequestSchema,
  ObligeeRequest: obligeeRequestSchema,
  PublishRequest: publishRequestSchema,
  VersionRequest: versionRequestSchema,
  ContractorEmailRequest: contractorEmailRequestSchema,
} as const;

const requestBody = (name: keyof typeof REQUEST_SCHEMAS) => ({
  required: true,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } },
});

const json = <S extends z.ZodType>(description: string, schema: S) => ({
  description,
  content: { 'application/json': { schema } },
});
const error = (description: string) => json(description, errorSchema);
const retryAfter = { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' as const } } };
const throttled = (description: string) => ({ ...error(description), headers: retryAfter });
/** Every route reads the database: DESIGN §5's answer while it cannot be reached or written. */
const unavailable = {
  503: {
    ...error('unavailable: the database cannot be reached or written (e.g. a full disk); retry after Retry-After'),
    headers: retryAfter,
  },
};

/** Issuer routes name the token scope they need as the OpenAPI bearer scope; api-scope-guard.ts enforces it. */
const bearer = (scope: ApiScope) => [{ bearer: [scope] }];
const contractNumberParameter = {
  name: 'contractNumber',
  in: 'path' as const,
  required: true,
  description: '保証契約番号 (full-width digits and dash variants are normalised; anything else is 404)',
  schema: { type: 'string' as const, pattern: '^\\d{5}-\\d{6}$' },
};
/** One key per request the client may retry (1–200 characters, per API token). */
const idempotencyKeyParameter = (description: string) => ({
  name: 'Idempotency-Key',
  in: 'header' as const,
  required: false,
  description,
  schema: { type: 'string' as const, minLength: 1, maxLength: 200 },
});
const bodyErrors = {
  400: error('bad_request: malformed JSON or not application/json'),
  413: error('too_large: over 256 KB'),
};

export const verifyRoute = createRoute({
  method: 'post',
  path: '/verify',
  summary: 'Verify a contract number + authentication key (public; throttled)',
  request: { body: requestBody('VerifyRequest') },
  responses: {
    ...unavailable,
    200: json('The current certificate and the visible history', verificationSchema),
    ...bodyErrors,
    401: error('no_match: unknown number, wrong key or reissued key (one uniform answer)'),
    422: error('validation_failed'),
    429: throttled('throttled'),
    500: error('internal: the stored chain fails verification'),
  },
});

export const verificationsRoute = createRoute({
  method: 'post',
  path: '/verifications',
  summary: 'Verify up to 500 number + key pairs at once (public; every item counts against the limits)',
  description:
    'Each item is verified exactly like POST /verify, in input order. Once a limit is reached the remaining items ' +
    'it covers are throttled; the request still answers 200 unless the client was throttled before its first item.',
  request: { body: requestBody('BulkVerifyRequest') },
  responses: {
    ...unavailable,
    200: json('One result per item, in input order', bulkVerificationSchema),
    ...bodyErrors,
    422: error('validation_failed: no items, more than 500, or a malformed item or expect'),
    429: throttled('throttled: the client was already throttled before the first item'),
    500: error('internal: a stored chain fails verification'),
  },
});

export const obligeesRoute = createRoute({
  method: 'get',
  path: '/obligees',
  summary: 'Obligees accepting e-surety and their rules (電子保証対応の発注者)',
  responses: { 200: json('Obligees with their rules', obligeeListSchema) },
});

export const putObligeeRoute = createRoute({
  method: 'put',
  path: '/obligees/{id}',
  summary: 'Create or replace an obligee and its rules',
  security: bearer('obligees'),
  parameters: [
    { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' } },
  ],
  request: { body: requestBody('ObligeeRequest') },
  responses: {
    ...unavailable,
    200: json('The obligee as stored', obligeeSchema),
    ...bodyErrors,
    401: error('unauthorized'),
    422: error('validation_failed'),
  },
});

export const publishRoute = createRoute({
  method: 'post',
  path: '/sureties',
  summary: 'Publish a new guarantee (新規); honours Idempotency-Key',
  security: bearer('publish'),
  parameters: [
    idempotencyKeyParameter('Same key + same body → the same answer (with the current key); another body → 409'),
  ],
  request: { body: requestBody('PublishRequest') },
  responses: {
    ...unavailable,
    201: json('Published; the authentication key is returned here and on reissue only', publicationSchema),
    ...bodyErrors,
    401: error('unauthorized'),
    409: error('conflict: number taken, office numbers used up, or Idempotency-Key reused with another body'),
    422: error('validation_failed | obligee_not_eligible'),
  },
});

export const suretyRoute = createRoute({
  method: 'get',
  path: '/sureties/{contractNumber}',
  summary: 'A guarantee with every version, hidden ones included',
  security: bearer('read'),
  parameters: [contractNumberParameter],
  responses: {
    ...unavailable,
    200: json('The guarantee', suretySchema),
    401: error('unauthorized'),
    404: error('not_found'),
    500: error('internal: the stored chain fails verification'),
  },
});

export const noticeRoute = createRoute({
  method: 'get',
  path: '/sureties/{contractNumber}/notice.pdf',
  summary: 'The key notice PDF 「電子保証にかかる『認証キー』のお知らせ」 with the current key (audited)',
  security: bearer('keys'),
  parameters: [contractNumberParameter],
  responses: {
    ...unavailable,
    200: {
      description: 'A4 PDF in Japanese; carries the authentication key, so it is never cached',
      content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
    },
    401: error('unauthorized'),
    404: error('not_found'),
    429: throttled('throttled: the PDF pool is saturated or the server is behind'),
    500: error('internal: the stored chain fails verification'),
  },
});

export const signedPdfRoute = createRoute({
  method: 'get',
  path: '/sureties/{contractNumber}/versions/{seq}/signed.pdf',
  summary: 'The PAdES-signed as-issued PDF of a version (DESIGN §13)',
  security: bearer('read'),
  parameters: [
    contractNumberParameter,
    { name: 'seq', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
  ],
  responses: {
    503: {
      ...error('unavailable: still being signed (or the database cannot be reached); retry after Retry-After'),
      headers: retryAfter,
    },
    200: {
      description: 'The version as published, sealed PAdES B-T (B-B without a time-stamp authority)',
      content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
    },
    401: error('unauthorized'),
    404: error('not_found: no such version, signing not configured, or published before it was'),
    500: error('internal: the stored chain fails verification'),
  },
});

export const versionsRoute = createRoute({
  method: 'post',
  path: '/sureties/{contractNumber}/versions',
  summary: 'Publish a change, correction, change cancellation or cancellation; honours Idempotency-Key',
  description:
    'History rules (§3) are checked before field validation: a request breaking both answers invalid_event. ' +
    'With an Idempotency-Key a client whose answer was lost can retry safely: nothing is published twice.',
  security: bearer('publish'),
  parameters: [
    contractNumberParameter,
    idempotencyKeyParameter(
      'Same key + same body for the same guarantee → the first answer again (201, the same version); another body, ' +
        'another guarantee, or a key already used for a publication → 409',
    ),
  ],
  request: { body: requestBody('VersionRequest') },
  responses: {
    ...unavailable,
    201: json('The new version', versionAnswerSchema),
    ...bodyErrors,
    401: error('unauthorized'),
    404: error('not_found'),
    409: error('conflict: Idempotency-Key reused with another request'),
    422: error('invalid_event | validation_failed'),
    500: error('internal: the stored chain fails verification'),
  },
});

export const authKeyRoute = createRoute({
  method: 'post',
  path: '/sureties/{contractNumber}/auth-key',
  summary: 'Reissue the authentication key (the old key stops working at once); the body may be empty',
  security: bearer('keys'),
  parameters: [contractNumberParameter],
  responses: {
    ...unavailable,
    200: json('The new key', authKeyAnswerSchema),
    ...bodyErrors,
    401: error('unauthorized'),
    404: error('not_found'),
  },
});

export const contractorEmailRoute = createRoute({
  method: 'put',
  path: '/{contractNumber}/contractor-email',
  summary:
    "Change or remove the contractor's mail address after publication (audited; the new and the old address are " +
    'told, without any link)',
  security: bearer('publish'),
  parameters: [contractNumberParameter],
  request: { body: requestBody('ContractorEmailRequest') },
  responses: {
    ...unavailable,
    200: json('The address now on file', contractorEmailAnswerSchema),
    ...bodyErrors,
    401: error('unauthorized'),
    404: error('not_found'),
    422: error('validation_failed'),
  },
});

export const outboxRoute = createRoute({
  method: 'get',
  path: '/outbox',
  summary: 'Notification mail in the outbox by state (pending, dead-lettered or sent), newest first',
  security: bearer('outbox'),
  parameters: [
    { name: 'state', in: 'query', required: false, schema: { type: 'string', enum: [...OUTBOX_STATES] } },
    { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500 } },
  ],
  responses: {
    ...unavailable,
    200: json('Counts per state and the mails of the requested state', outboxListSchema),
    401: error('unauthorized'),
    422: error('validation_failed'),
  },
});

export const retryRoute = createRoute({
  method: 'post',
  path: '/outbox/{id}/retry',
  summary: 'Queue a dead-lettered (or waiting) mail again: due now, fresh attempt budget, same Message-ID',
  security: bearer('outbox'),
  parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
  responses: {
    ...unavailable,
    200: json('The mail, pending again', retryAnswerSchema),
    ...bodyErrors,
    401: error('unauthorized'),
    404: error('not_found'),
    409: error('conflict: already sent, or being sent right now'),
  },
});

export const logEntryVersionRoute = createRoute({
  method: 'get',
  path: '/log/entries/{index}/version',
  summary: "The version a transparency-log entry commits to, with its guarantee's earlier versions (auditors)",
  description:
    'For `log:monitor` in auditor mode: the stored JWS of the version at log index `index` (DESIGN §12) and of the ' +
    'versions before it, exactly as stored, so the auditor checks SHA-256(JWS) against the leaf, the signatures ' +
    'against the JWKS and the history rules itself. Read-only.',
  security: bearer('read'),
  parameters: [
    { name: 'index', in: 'path', required: true, schema: { type: 'integer', minimum: 0 }, description: 'Leaf index' },
  ],
  responses: {
    ...unavailable,
    200: json('The version the entry commits to', logEntryVersionSchema),
    400: error('bad_request: index is not a non-negative integer'),
    401: error('unauthorized'),
    404: error('not_found: no entry at that index in the latest checkpoint'),
  },
});

/** Every issuer API route (bearer token), each with the one scope it needs: the role × action matrix test reads this. */
export const ISSUER_ROUTES = [
  putObligeeRoute,
  publishRoute,
  suretyRoute,
  noticeRoute,
  signedPdfRoute,
  versionsRoute,
  authKeyRoute,
  contractorEmailRoute,
  outboxRoute,
  retryRoute,
  logEntryVersionRoute,
] as const;
