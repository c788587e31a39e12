// Use case: after a successful verification the officer asks for a verification receipt (確認証跡): a JWS of its own
// typ, signed with the platform's keyring, stating which version (seq, JWS SHA-256) was shown and when, with the
// officer's name and department when given. Recorded with its audit row in one transaction. Not the 受領確認 of
// confirm-receipt.ts: that tells the contractor the certificate was received; this is the officer's own proof.
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { writeTransaction } from '../../db/connection.js';
import { expectSchema, findingSchema, type Expect } from '../domain/findings.js';
import { jstDate, toJstIso } from '../domain/format.js';
import { DomainError } from '../errors.js';
import type { VerificationReceiptPayload } from '../pdf/model.js';
import { insertAudit } from '../repositories/audit-log.js';
import { insertVerificationReceipt, verificationReceiptStats } from '../repositories/verification-receipts.js';
import { jwsHash, signJws } from '../signing/versions.js';
import { consumeBudgets, windowText } from './budgets.js';
import { checkFindings } from './check-findings.js';
import type { ServiceContext } from './context.js';
import { loadSuretyState } from './surety-state.js';

export const RECEIPT_TYP = 'esurety-receipt+jwt';

const RID_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

export const receiptPayloadSchema = z.strictObject({
  iss: z.string(),
  sub: z.string().regex(/^\d{5}-\d{6}$/),
  rid: z.string().regex(/^R\d{8}-[2-9A-HJ-NP-Z]{8}$/),
  seq: z.number().int().positive(),
  version: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  status: z.enum(['active', 'expired', 'cancelled']),
  issuedAt: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+09:00$/),
  officer: z
    .strictObject({ name: z.string().min(1).max(50).optional(), department: z.string().min(1).max(100).optional() })
    .nullable(),
  expect: expectSchema.optional(),
  findings: z.array(findingSchema).optional(),
});

/** What the officer may type: NFKC, control characters and runs of spaces removed; empty means not given. */
const officerText = (max: number) =>
  z
    .string()
    .max(300)
    .transform((s) =>
      s
        .normalize('NFKC')
        .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .pipe(z.string().max(max, { error: `${max}文字以内で入力してください` }));

export const receiptRequestSchema = z.object({
  seq: z.coerce.number().int().positive(),
  officerName: officerText(50).default(''),
  department: officerText(100).default(''),
});

export interface IssueReceiptInput {
  contractNumber: string;
  seq: number;
  officerName: string;
  department: string;
  client: string;
  /** The viewer grant's session id (grantSessionId): the receipt budget is counted per verified viewing session. */
  session: string;
  /** The officer's own figures on the certificate page: signed into the receipt with their findings (DESIGN §11). */
  expect?: Expect | undefined;
}

/**
 * Receipts one viewer grant may issue per window. An officer needs one per version shown, perhaps a second; each
 * receipt is a signature and a row kept for ten years, so a script holding one grant must not mint thousands.
 */
export const RECEIPT_BUDGET = { receipts: 10, windowMs: 10 * 60_000 } as const;
const SESSION_BUDGET = { limit: RECEIPT_BUDGET.receipts, windowMs: RECEIPT_BUDGET.windowMs };

/** How long to wait, roughly, in words: minutes under two hours, hours beyond. */
const waitText = (seconds: number) =>
  seconds < 7200 ? `${Math.ceil(seconds / 60)}分ほど` : `${Math.ceil(seconds / 3600)}時間ほど`;

/** Receipt numbers read well on paper: the JST date and 8 symbols without 0/O/1/I (≈ 40 bits, never guessed). */
function receiptId(now: Date): string {
  let tail = '';
  for (let i = 0; i < 8; i++) tail += RID_ALPHABET[randomInt(RID_ALPHABET.length)];
  return `R${jstDate(now).replace(/-/g, '')}-${tail}`;
}

/**
 * @returns the new receipt's number
 * @throws DomainError not_found (the version is not visible) | internal (the stored chain fails verification) |
 *   throttled (this viewer grant has used its RECEIPT_BUDGET, or the certificate its per-client or overall budget of
 *   config.limits; with retryAfter)
 */
export async function issueVerificationReceipt(ctx: ServiceContext, input: IssueReceiptInput): Promise<string> {
  return writeTransaction(ctx.db, async (tx) => {
    // Check and count in this transaction, under the buckets' locks: parallel posts cannot exceed a budget, and a
    // receipt that fails later (rolled back) is not counted. The session budget resets with every re-verification,
    // so the certificate's budgets (per client, and overall) bound what one key holder can have signed.
    const { limits } = ctx.config;
    const spent = await consumeBudgets(tx, ctx.clock().getTime(), [
      { name: 'session', bucket: `vr:${input.session}`, budget: SESSION_BUDGET },
      {
        name: 'client',
        bucket: `vr:c:${input.contractNumber}:${input.client}`,
        budget: limits.receiptsPerCertificateClient,
      },
      { name: 'certificate', bucket: `vr:n:${input.contractNumber}`, budget: limits.receiptsPerCertificate },
    ]);
    if (!spent.ok) {
      const scope = {
        session: 'この確認画面から',
        client: 'この保証について、この端末から',
        certificate: 'この保証について',
      }[spent.name];
      throw new DomainError(
        'throttled',
        `${scope}発行できる確認証跡は${windowText(spent.budget.windowMs)}に${spent.budget.limit}件までです。` +
          `${waitText(spent.retryAfter)}待ってから、もう一度お試しください（発行済みの確認証跡はそのまま有効です）`,
        { retryAfter: spent.retryAfter },
      );
    }
    const loaded = await loadSuretyState(ctx, input.contractNumber, tx);
    if (loaded.kind === 'not_found') throw new DomainError('not_found', '保証が見つかりません');
    if (loaded.kind === 'tampered') {
      throw new DomainError('internal', '保存されている保証データの署名を検証できないため、確認証跡を発行できません');
    }
    const version = loaded.state.visible.find((v) => v.seq === input.seq);
    if (!version) throw new DomainError('not_found', 'この版は表示できません（訂正・変更取消された版です）');
    const now = ctx.clock();
    const officer = {
      ...(input.officerName ? { name: input.officerName } : {}),
      ...(input.department ? { department: input.department } : {}),
    };
    const payload: VerificationReceiptPayload = {
      iss: ctx.config.publicUrl,
      sub: input.contractNumber,
      rid: receiptId(now),
      seq: version.seq,
      version: jwsHash(version.jws),
      status: loaded.state.status,
      issuedAt: toJstIso(now),
      officer: Object.keys(officer).length > 0 ? officer : null,
      ...(input.expect && Object.keys(input.expect).length > 0 ? { expect: input.expect } : {}),
      findings: await checkFindings(ctx, version.certificate, input.expect, { db: tx }),
    };
    const jws = await signJws(ctx.keyring, RECEIPT_TYP, payload);
    await insertVerificationReceipt(tx, {
      id: payload.rid,
      contract_number: input.contractNumber,
      seq: version.seq,
      version_hash: payload.version,
      jws,
      issued_at: now.toISOString(),
      client: input.client,
    });
    // Who the officer is stays inside the signed receipt; the audit row says only that one was issued.
    await insertAudit(tx, {
      at: now.toISOString(),
      actor_type: 'officer',
      actor_id: `client:${input.client}`,
      action: 'receipt.issue',
      contract_number: input.contractNumber,
      detail: JSON.stringify({ id: payload.rid, seq: version.seq }),
    });
    return payload.rid;
  });
}

/** For the issuer and the contractor: how many receipts were issued and when the last one was (never by whom). */
export async function verificationReceiptSummary(ctx: ServiceContext, contractNumber: string) {
  return verificationReceiptStats(ctx.db, contractNumber);
}
