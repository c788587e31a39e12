// Request schemas of the issuer and public APIs (DESIGN §5). The OpenAPI document is generated from these same
// schemas, so what is validated and what is documented cannot drift.
import { z } from 'zod';
import {
  certificateBodyShape,
  crossFieldRules,
  officeCodeSchema,
  patchShapeProblem,
  refuseUnsafeText,
} from './certificate.js';
import { ruleSchema } from './eligibility.js';
import { checksSchema } from './plausibility.js';
import { expectSchema } from './findings.js';
import { EVENTS } from './history.js';
import { MAX_IDENTIFIER_INPUT, normalizeContractNumber } from './identifiers.js';

/** A contract number as typed anywhere: NFKC, dash variants and spaces normalised, 11 bare digits accepted. */
export const contractNumberInput = z
  .string()
  .max(MAX_IDENTIFIER_INPUT, { error: `${MAX_IDENTIFIER_INPUT}文字以内で入力してください` })
  .transform((s, ctx) => {
    const n = normalizeContractNumber(s);
    if (n === null) {
      ctx.addIssue({ code: 'custom', message: '保証契約番号は NNNNN-NNNNNN（5桁-6桁）の形式で入力してください' });
      return z.NEVER;
    }
    return n;
  })
  .meta({
    description: '保証契約番号 NNNNN-NNNNNN (full-width digits and dash variants accepted)',
    example: '10001-000001',
  });

/**
 * The contractor's contact for the surety company's staff (担当部署, 担当者名, 電話番号): kept beside the guarantee,
 * never signed, never shown to an officer.
 */
export const contractorContactSchema = z
  .strictObject({
    department: z.string().trim().min(1).max(100).optional(),
    name: z.string().trim().min(1).max(100).optional(),
    phone: z
      .string()
      .trim()
      .regex(/^[0-9０-９+＋()（）\-‐－ー ]{6,30}$/, {
        error: '電話番号は数字とハイフンで入力してください（例 055-983-2600）',
      })
      .optional(),
  })
  .meta({ description: 'Contractor contact for staff only (never in the signed certificate)' });
export type ContractorContact = z.infer<typeof contractorContactSchema>;

export const publishRequestSchema = z
  .strictObject({
    ...certificateBodyShape,
    obligeeId: z.string().min(1).max(64).meta({ description: '発注者 id (slug), e.g. mishima-city' }),
    contractNumber: contractNumberInput.optional(),
    officeCode: officeCodeSchema.optional(),
    relatedContractNumber: contractNumberInput.optional(),
    contractorEmail: z.email({ error: 'メールアドレスの形式が正しくありません' }).max(254).optional(),
    contractorContact: contractorContactSchema.optional(),
  })
  .superRefine(crossFieldRules)
  .superRefine(refuseUnsafeText);
export type PublishRequest = z.infer<typeof publishRequestSchema>;

/** Changing where the contractor's mails go after publication; null removes the address (no more mails). */
export const contractorEmailRequestSchema = z.strictObject({
  contractorEmail: z
    .email({ error: 'メールアドレスの形式が正しくありません' })
    .max(254)
    .nullable()
    .meta({ description: '請負者のメールアドレス; null removes it (the platform then mails the contractor nothing)' }),
});
export type ContractorEmailRequest = z.infer<typeof contractorEmailRequestSchema>;

export const versionRequestSchema = z
  .strictObject({
    event: z.enum(EVENTS),
    target: z.number().int().positive().optional(),
    changes: z
      .record(z.string(), z.unknown())
      .superRefine((changes, ctx) => {
        const problem = patchShapeProblem(changes);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .meta({ description: 'JSON merge patch (RFC 7396) over the certificate fields' }),
    reason: z.string().max(200, { error: '理由は200文字以内で入力してください' }).optional(),
  })
  .superRefine(refuseUnsafeText);
export type VersionRequest = z.infer<typeof versionRequestSchema>;

export const obligeeRequestSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    title: z.string().trim().min(1).max(200).optional(),
    rules: z.array(ruleSchema).max(20),
    checks: checksSchema.optional().meta({
      description:
        'Plausibility settings (DESIGN §4): minimumContractGuaranteeRatio in percent (default 10), enforce (default false: breaches are published with warnings)',
    }),
  })
  .superRefine(refuseUnsafeText);
export type ObligeeRequest = z.infer<typeof obligeeRequestSchema>;

export const obligeeIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { error: 'id は英小文字・数字・ハイフン（64文字以内）です' });

export const verifyRequestSchema = z.strictObject({
  contractNumber: z.string().max(MAX_IDENTIFIER_INPUT, { error: `${MAX_IDENTIFIER_INPUT}文字以内で入力してください` }),
  authKey: z.string().max(MAX_IDENTIFIER_INPUT, { error: `${MAX_IDENTIFIER_INPUT}文字以内で入力してください` }),
  expect: expectSchema.optional().meta({ description: "The obligee's own contract data to compare (DESIGN §11)" }),
});

/** POST /api/v1/verifications: 1–500 verifications in one request, each exactly like POST /api/v1/verify. */
export const bulkVerifyRequestSchema = z.strictObject({
  items: z
    .array(verifyRequestSchema)
    .min(1, { error: '1件以上指定してください' })
    .max(500, { error: '一度に確認できるのは500件までです' }),
});
