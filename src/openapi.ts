// The OpenAPI 3.1 document of /api/v1, generated from the zod schemas that validate the requests.
import { z } from 'zod';
import { certificateSchema } from './domain/certificate.js';
import {
  contractorEmailRequestSchema,
  obligeeRequestSchema,
  publishRequestSchema,
  verifyRequestSchema,
  versionRequestSchema,
} from './domain/requests.js';

const schema = (s: z.ZodType, io: 'input' | 'output' = 'input') =>
  z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' });

const errorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: {
          type: 'string',
          enum: [
            'bad_request',
            'unauthorized',
            'no_match',
            'forbidden',
            'not_found',
            'conflict',
            'too_large',
            'validation_failed',
            'obligee_not_eligible',
            'invalid_event',
            'throttled',
            'internal',
          ],
        },
        message: { type: 'string', description: 'Japanese, for people' },
        issues: {
          type: 'array',
          items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
        },
        requestId: { type: 'string' },
      },
    },
  },
};

const json = (s: object) => ({ 'application/json': { schema: s } });
const err = (description: string) => ({ description, content: json({ $ref: '#/components/schemas/Error' }) });
const versionSummary = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    event: { type: 'string' },
    target: { type: ['integer', 'null'] },
    issuedAt: { type: 'string' },
    jws: { type: 'string', description: 'compact JWS (ES256, typ esurety-version+jwt)' },
  },
};
const current = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    event: { type: 'string' },
    issuedAt: { type: 'string' },
    certificate: { $ref: '#/components/schemas/Certificate' },
  },
};
const contractNumberParam = {
  name: 'contractNumber',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^\\d{5}-\\d{6}$' },
};
const bearer = [{ bearer: [] }];
const outboxMail = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: {
      enum: [
        'contractor_event',
        'key_reissued',
        'contact_changed',
        'receipt_confirmed',
        'subscription_confirm',
        'subscriber_event',
        'expiry_reminder',
      ],
    },
    contractNumber: { type: ['string', 'null'] },
    recipient: { type: 'string' },
    subject: { type: 'string' },
    state: { enum: ['pending', 'dead', 'sent'] },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: ['string', 'null'] },
    lastError: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    sentAt: { type: ['string', 'null'] },
  },
};

export function buildOpenApi(publicUrl: string): object {
  return {
    openapi: '3.1.0',
    info: { title: 'e-Surety Platform API (電子保証プラットフォーム)', version: '1.0.0' },
    servers: [{ url: `${publicUrl}/api/v1` }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: errorBody,
        Certificate: schema(certificateSchema, 'output'),
        PublishRequest: schema(publishRequestSchema),
        VersionRequest: schema(versionRequestSchema),
        ObligeeRequest: schema(obligeeRequestSchema),
        VerifyRequest: schema(verifyRequestSchema),
        ContractorEmailRequest: schema(contractorEmailRequestSchema),
        OutboxMail: outboxMail,
      },
    },
    paths: {
      '/verify': {
        post: {
          summary: 'Verify a contract number + authentication key (public; throttled)',
          requestBody: { required: true, content: json({ $ref: '#/components/schemas/VerifyRequest' }) },
          responses: {
            200: {
              description: 'The current certificate and the visible history',
              content: json({
                type: 'object',
                properties: {
                  contractNumber: { type: 'string' },
                  status: { enum: ['active', 'expired', 'cancelled'] },
                  current,
                  history: { type: 'array', items: versionSummary },
                  jws: { type: 'string' },
                },
              }),
            },
            401: err('no_match: unknown number, wrong key or reissued key (one uniform answer)'),
            422: err('validation_failed'),
            429: err('throttled (Retry-After header)'),
          },
        },
      },
      '/obligees': {
        get: {
          summary: 'Obligees accepting e-surety and their rules',
          responses: { 200: { description: 'List', content: json({ type: 'object' }) } },
        },
      },
      '/obligees/{id}': {
        put: {
          summary: 'Create or replace an obligee and its rules',
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: json({ $ref: '#/components/schemas/ObligeeRequest' }) },
          responses: { 200: { description: 'The obligee' }, 401: err('unauthorized'), 422: err('validation_failed') },
        },
      },
      '/sureties': {
        post: {
          summary: 'Publish a new guarantee (新規); honours Idempotency-Key',
          security: bearer,
          parameters: [
            { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 } },
          ],
          requestBody: { required: true, content: json({ $ref: '#/components/schemas/PublishRequest' }) },
          responses: {
            201: {
              description: 'Published; the authentication key is returned here and on reissue only',
              content: json({
                type: 'object',
                properties: {
                  contractNumber: { type: 'string' },
                  authKey: { type: 'string' },
                  version: versionSummary,
                },
              }),
            },
            400: err('bad_request'),
            401: err('unauthorized'),
            409: err('conflict (number taken, office numbers used up, Idempotency-Key reused with another body)'),
            413: err('too_large'),
            422: err('validation_failed | obligee_not_eligible'),
          },
        },
      },
      '/sureties/{contractNumber}': {
        get: {
          summary: 'A guarantee with every version, hidden ones included',
          security: bearer,
          parameters: [contractNumberParam],
          responses: {
            200: {
              description: 'The guarantee',
              content: json({
                type: 'object',
                properties: {
                  contractNumber: { type: 'string' },
                  status: { type: 'string' },
                  current,
                  versions: {
                    type: 'array',
                    items: {
                      ...versionSummary,
                      properties: { ...versionSummary.properties, hidden: { type: 'boolean' } },
                    },
                  },
                  verificationReceipts: {
                    type: 'object',
                    description: 'Verification receipts (確認証跡) officers asked for: how many and when (never who)',
                    properties: {
                      count: { type: 'integer' },
                      lastIssuedAt: { type: ['string', 'null'], description: 'ISO-8601 instant' },
                    },
                  },
                },
              }),
            },
            401: err('unauthorized'),
            404: err('not_found'),
          },
        },
      },
      '/sureties/{contractNumber}/notice.pdf': {
        get: {
          summary: 'The key notice PDF 「電子保証にかかる『認証キー』のお知らせ」 with the current key (audited)',
          security: bearer,
          parameters: [contractNumberParam],
          responses: {
            200: {
              description: 'A4 PDF in Japanese; carries the authentication key, so it is never cached',
              content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
            },
            401: err('unauthorized'),
            404: err('not_found'),
            429: err('throttled: the PDF pool is saturated or the server is behind; retry after Retry-After seconds'),
            500: err('internal: the stored chain fails verification'),
          },
        },
      },
      '/sureties/{contractNumber}/versions': {
        post: {
          summary: 'Publish a change, correction, change cancellation or cancellation',
          security: bearer,
          parameters: [contractNumberParam],
          requestBody: { required: true, content: json({ $ref: '#/components/schemas/VersionRequest' }) },
          responses: {
            201: {
              description: 'The new version',
              content: json({ type: 'object', properties: { version: versionSummary } }),
            },
            401: err('unauthorized'),
            404: err('not_found'),
            422: err('invalid_event | validation_failed'),
          },
        },
      },
      '/sureties/{contractNumber}/auth-key': {
        post: {
          summary: 'Reissue the authentication key (the old key stops working at once)',
          security: bearer,
          parameters: [contractNumberParam],
          responses: {
            200: {
              description: 'The new key',
              content: json({ type: 'object', properties: { authKey: { type: 'string' } } }),
            },
            401: err('unauthorized'),
            404: err('not_found'),
          },
        },
      },
      '/sureties/{contractNumber}/contractor-email': {
        put: {
          summary:
            "Change or remove the contractor's mail address after publication (audited; the new and the old " +
            'address are told, without any link)',
          security: bearer,
          parameters: [contractNumberParam],
          requestBody: { required: true, content: json({ $ref: '#/components/schemas/ContractorEmailRequest' }) },
          responses: {
            200: {
              description: 'The address now on file; changed is false when it already was',
              content: json({
                type: 'object',
                properties: {
                  contractNumber: { type: 'string' },
                  contractorEmail: { type: ['string', 'null'] },
                  changed: { type: 'boolean' },
                },
              }),
            },
            400: err('bad_request'),
            401: err('unauthorized'),
            404: err('not_found'),
            413: err('too_large'),
            422: err('validation_failed'),
          },
        },
      },
      '/outbox': {
        get: {
          summary: 'Notification mail in the outbox by state (pending, dead-lettered or sent), newest first',
          security: bearer,
          parameters: [
            { name: 'state', in: 'query', required: false, schema: { enum: ['pending', 'dead', 'sent'] } },
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500 } },
          ],
          responses: {
            200: {
              description: 'Counts per state and the mails of the requested state (never their bodies)',
              content: json({
                type: 'object',
                properties: {
                  counts: {
                    type: 'object',
                    properties: { pending: { type: 'integer' }, dead: { type: 'integer' }, sent: { type: 'integer' } },
                  },
                  mails: { type: 'array', items: { $ref: '#/components/schemas/OutboxMail' } },
                },
              }),
            },
            401: err('unauthorized'),
            422: err('validation_failed'),
          },
        },
      },
      '/outbox/{id}/retry': {
        post: {
          summary: 'Queue a dead-lettered (or waiting) mail again: due now, fresh attempt budget, same Message-ID',
          security: bearer,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            200: {
              description: 'The mail, pending again',
              content: json({ type: 'object', properties: { mail: { $ref: '#/components/schemas/OutboxMail' } } }),
            },
            401: err('unauthorized'),
            404: err('not_found'),
            409: err('conflict (already sent, or being sent right now)'),
          },
        },
      },
    },
  };
}
