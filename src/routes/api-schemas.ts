// The answers of /api/v1 (DESIGN §5) as zod schemas: the OpenAPI document is generated from them, and each route's
// handler is type-checked against them. Kept beside the routes rather than in src/domain/requests.ts: they are wire
// shapes of the HTTP contract (with OpenAPI names and examples), not rules the services validate with.
import { z } from '@hono/zod-openapi';
import { certificateSchema, contractNumberSchema } from '../domain/certificate.js';
import { ruleSchema } from '../domain/eligibility.js';
import { checksSchema, type FindingCode } from '../domain/plausibility.js';
import { contractorContactSchema } from '../domain/requests.js';
import { findingSchema } from '../domain/findings.js';
import { EVENTS, type Status } from '../domain/history.js';
import { AUTH_KEY_ALPHABET, AUTH_KEY_LENGTH } from '../domain/identifiers.js';
import type { ErrorCode } from '../errors.js';
import type { MailKind } from '../mail/outbox.js';
import type { apiErrorBody } from './http.js';
import type { currentJson } from './api.js';

// Exactly-equal types: a status, error code or mail kind added in one place and not the other fails tsc here.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

/**
 * The same schema, built anew. zod copies prototype methods onto a schema as it builds it, so a schema built before
 * @hono/zod-openapi was first imported (those of src/domain, depending on import order) lacks .openapi(), which
 * naming or registering it calls: use fresh(schema) for every schema this file does not build itself.
 */
export const fresh = <S extends z.ZodType>(schema: S): S => schema.clone();

const seq = z.number().int().positive();
const event = z.enum(EVENTS);
const instant = z.string().openapi({
  description: 'ISO-8601 instant in JST (電子保証発行日時)',
  example: '2026-01-05T10:15:30+09:00',
});
const jws = z
  .string()
  .openapi({ description: 'Compact JWS (ES256, typ esurety-version+jwt), byte for byte as stored' });
const contractNumber = fresh(contractNumberSchema).openapi({ example: '10001-000001' });
const status = z.enum(['active', 'expired', 'cancelled']);
const authKey = z
  .string()
  .regex(new RegExp(`^[${AUTH_KEY_ALPHABET}]{${AUTH_KEY_LENGTH}}$`))
  .openapi({ description: '認証キー: 12 characters, case sensitive; returned on publication and reissue only' });
const certificate = fresh(certificateSchema).openapi('Certificate');

/** DESIGN §11: what differs from the obligee's own data, and the certificate-only rules (empty when nothing is wrong). */
const findings = z
  .array(fresh(findingSchema).openapi('Finding'))
  .openapi({ description: "Findings against the obligee's own data (expect) and the certificate-only rules" });

/** The current (latest visible) version, as the verify and the issuer answers show it. */
export const currentSchema = z
  .strictObject({ seq, event, issuedAt: instant, certificate })
  .openapi('CurrentVersion', { description: 'The latest visible version; its certificate is the current one' });

/** One plausibility breach: which rule, which field, and the message a clerk reads. */
const warningSchema = z
  .strictObject({
    code: z.enum([
      'contract_guarantee_below_minimum',
      'advance_above_limit',
      'intermediate_advance_above_limit',
      'combined_advance_above_limit',
      'guarantee_date_before_contract',
      'guarantee_period_short',
    ] satisfies FindingCode[]),
    field: z.string().openapi({ example: 'guaranteeAmount' }),
    message: z.string(),
  })
  .openapi('PlausibilityWarning');

/** POST /sureties → 201. */
export const publicationSchema = z
  .strictObject({
    contractNumber,
    authKey,
    version: z.strictObject({ seq, event: z.literal('issue'), issuedAt: instant, jws }),
    warnings: z.array(warningSchema).openapi({
      description:
        'Plausibility breaches (DESIGN §4) published anyway because the obligee does not enforce its checks; empty when nothing is implausible',
    }),
  })
  .openapi('Publication');

/** POST /sureties/{contractNumber}/versions → 201. */
export const versionAnswerSchema = z
  .strictObject({ version: z.strictObject({ seq, event, target: seq.nullable(), issuedAt: instant, jws }) })
  .openapi('PublishedVersion');

/** GET /sureties/{contractNumber}: every version, hidden ones included. */
export const suretySchema = z
  .strictObject({
    contractNumber,
    status,
    current: currentSchema,
    versions: z.array(
      z.strictObject({ seq, event, target: seq.nullable(), issuedAt: instant, hidden: z.boolean(), jws }),
    ),
    verificationReceipts: z
      .strictObject({ count: z.number().int().nonnegative(), lastIssuedAt: instant.nullable() })
      .openapi({ description: 'Verification receipts (確認証跡) officers asked for: how many and when (never who)' }),
    contractorContact: fresh(contractorContactSchema).nullable().optional(),
  })
  .openapi('Surety');

/** POST /verify → 200: the current version and the visible history. */
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);

export const logEvidenceSchema = z
  .strictObject({
    index: z.number().int().nonnegative().openapi({ description: "The version's leaf index in the log" }),
    size: z.number().int().positive().openapi({ description: 'The tree size of the checkpoint' }),
    checkpoint: z.string().openapi({
      description: 'The C2SP signed-note checkpoint (origin, size, base64 root, signature by GET /log/key)',
    }),
    proof: z.array(base64).openapi({
      description: 'RFC 9162 §2.1.3 inclusion proof of SHA-256(JWS) against the checkpoint, leaf up, base64',
    }),
  })
  .openapi('LogEvidence');

/** GET /log/entries/{index}/version: what a log entry commits to, for an auditor (stored bytes, not re-verified). */
export const logEntryVersionSchema = z
  .strictObject({
    index: z.number().int().nonnegative(),
    contractNumber,
    seq,
    versions: z.array(z.strictObject({ seq, event, target: seq.nullable(), jws })).openapi({
      description:
        "The guarantee's stored versions 1 … seq, as stored: the last one's SHA-256(JWS) must equal the leaf input",
    }),
  })
  .openapi('LogEntryVersion');

export const verificationSchema = z
  .strictObject({
    contractNumber,
    status,
    current: currentSchema,
    history: z.array(z.strictObject({ seq, event, issuedAt: instant, jws })),
    jws: jws.openapi({ description: 'The current version' }),
    log: logEvidenceSchema.nullable().openapi({
      description: 'Transparency-log evidence of the current version (DESIGN §12); null until a checkpoint covers it',
    }),
    findings,
  })
  .openapi('Verification');

/** POST /verifications → 200: one result per item, in input order. */
export const bulkVerificationSchema = z
  .strictObject({
    results: z.array(
      z
        .strictObject({
          contractNumber: z.string().openapi({ description: 'Normalised when it is a contract number, else as sent' }),
          outcome: z.enum(['ok', 'no_match', 'throttled']),
          status: status.optional(),
          current: currentSchema.optional(),
          findings: findings.optional(),
        })
        .openapi({ description: '`status`, `current` and `findings` only when `outcome` is ok' }),
    ),
  })
  .openapi('BulkVerification');

export const obligeeSchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    title: z.string().optional(),
    rules: z.array(ruleSchema),
    checks: fresh(checksSchema).optional(),
  })
  .openapi('Obligee');

export const obligeeListSchema = z.strictObject({ obligees: z.array(obligeeSchema) }).openapi('ObligeeList');

export const authKeyAnswerSchema = z.strictObject({ authKey }).openapi('AuthKey');

export const contractorEmailAnswerSchema = z
  .strictObject({
    contractNumber,
    contractorEmail: z.string().nullable(),
    changed: z.boolean().openapi({ description: 'false when the address already was the one given' }),
  })
  .openapi('ContractorEmail');

const mailKind = z.enum([
  'contractor_event',
  'key_reissued',
  'contact_changed',
  'receipt_confirmed',
  'subscription_confirm',
  'subscriber_event',
  'subscription_ended',
  'expiry_reminder',
  'staff_enrolment',
]);
const mailState = z.enum(['pending', 'dead', 'sent']);
const count = z.number().int().nonnegative();

export const outboxMailSchema = z
  .strictObject({
    id: z.string(),
    kind: mailKind,
    contractNumber: contractNumber.nullable(),
    recipient: z.string(),
    subject: z.string(),
    state: mailState,
    attempts: count,
    nextAttemptAt: z.string().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
  })
  .openapi('OutboxMail', { description: 'A notification mail as staff see it (never its body)' });

export const outboxListSchema = z
  .strictObject({
    counts: z.strictObject({ pending: count, dead: count, sent: count }),
    mails: z.array(outboxMailSchema),
  })
  .openapi('Outbox');

export const retryAnswerSchema = z.strictObject({ mail: outboxMailSchema }).openapi('OutboxRetry');

// Listed as a record so that the compiler proves the list complete (see _CodesMatch below).
const CODES: Record<ErrorCode, true> = {
  bad_request: true,
  unauthorized: true,
  no_match: true,
  forbidden: true,
  not_found: true,
  conflict: true,
  too_large: true,
  validation_failed: true,
  obligee_not_eligible: true,
  invalid_event: true,
  throttled: true,
  internal: true,
  unavailable: true,
};
const errorCode = z.enum(Object.keys(CODES) as [ErrorCode, ...ErrorCode[]]);

/** Every /api error answer (§5). */
export const errorSchema = z
  .strictObject({
    error: z.strictObject({
      code: errorCode,
      message: z.string().openapi({ description: 'Japanese, for people' }),
      issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
      requestId: z.string().optional().openapi({ description: 'On 500 internal: where to look in the log' }),
    }),
  })
  .openapi('Error');

export type _CodesMatch = Assert<Equal<z.infer<typeof errorCode>, ErrorCode>>;
export type _StatusesMatch = Assert<Equal<z.infer<typeof status>, Status>>;
export type _MailKindsMatch = Assert<Equal<z.infer<typeof mailKind>, MailKind>>;
// The answers built outside a typed route (onError, the verify hot path) still have the documented shapes.
export type _ErrorBodyMatches = Assert<
  ReturnType<typeof apiErrorBody> extends z.infer<typeof errorSchema> ? true : false
>;
export type _CurrentMatches = Assert<
  ReturnType<typeof currentJson> extends z.infer<typeof currentSchema> ? true : false
>;
