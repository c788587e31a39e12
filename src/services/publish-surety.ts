// Use case: an issuer publishes a new guarantee (新規). Validates, checks eligibility, assigns the number and key,
// signs version 1 and writes surety, version, audit row and idempotency answer in one transaction.
import type { Kysely } from 'kysely';
import { writeTransaction } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { certificateSchema, MAX_OFFICE_SEQUENCE, type Certificate } from '../domain/certificate.js';
import { eligibilityViolation, type ObligeeRule } from '../domain/eligibility.js';
import { toJstIso } from '../domain/format.js';
import { formatContractNumber, generateAuthKey } from '../domain/identifiers.js';
import type { Finding } from '../domain/plausibility.js';
import { publishRequestSchema } from '../domain/requests.js';
import { DomainError } from '../errors.js';
import { insertAudit } from '../repositories/audit-log.js';
import { findIdempotentAnswer, insertIdempotentAnswer } from '../repositories/idempotency.js';
import { findObligee } from '../repositories/obligees.js';
import { findSurety, insertSurety, insertVersion, suretyExists, takeOfficeSequence } from '../repositories/sureties.js';
import { signVersion, type VersionPayload } from '../signing/versions.js';
import type { Actor, ServiceContext } from './context.js';
import { isUniqueViolation } from './db-errors.js';
import { requestHash, reusedKeyConflict } from './idempotency.js';
import { assertNumbersNotHeld, deferNumberRecords, recordTakenNumber } from './number-hold.js';
import { queueVersionMails } from './notifications.js';
import { assessPublication } from './plausibility-check.js';
import { parseOrThrow } from './validation.js';

export interface VersionSummary {
  seq: number;
  event: 'issue';
  issuedAt: string;
  jws: string;
}

export interface PublishResult {
  contractNumber: string;
  authKey: string;
  version: VersionSummary;
  /** Plausibility breaches published anyway (DESIGN §4); empty when nothing is implausible. */
  warnings: Finding[];
}

/** A validated publication request and the hash its idempotency check compares. */
export interface PreparedPublication {
  input: PublishInput;
  requestHash: string;
}

type PublishInput = ReturnType<typeof publishRequestSchema.parse>;

/**
 * Validates a request body (no I/O), so that a batch can check every row before any of them is written.
 * @throws DomainError validation_failed
 */
export function preparePublication(body: unknown): PreparedPublication {
  return {
    input: parseOrThrow(publishRequestSchema, body),
    requestHash: requestHash(body),
  };
}

/**
 * Publishes a guarantee. With an idempotency key, the same body returns the first answer again (with the current
 * key) and a different body is a conflict.
 * @throws DomainError validation_failed | obligee_not_eligible | conflict
 */
export async function publishSurety(
  ctx: ServiceContext,
  actor: Actor,
  body: unknown,
  idempotencyKey?: string,
): Promise<PublishResult> {
  const prepared = preparePublication(body);
  const attempt = async () => {
    let numbers: { flush(): void } | undefined;
    const result = await writeTransaction(ctx.db, async (tx) => {
      numbers = deferNumberRecords(ctx, tx);
      const { replayed: _r, ...answer } = await publishSuretyIn(ctx, tx, actor, prepared, idempotencyKey);
      return answer;
    });
    // Committed: the number is recorded outside the database before the answer carries it (number-hold.ts).
    numbers?.flush();
    return result;
  };

  try {
    return await attempt();
  } catch (error) {
    // Two instances racing on the same idempotency key or number: the loser retries and sees the winner's row.
    if (isUniqueViolation(error)) return attempt();
    throw error;
  }
}

/**
 * The publication itself, inside a write transaction the caller holds: every write (surety, version, audit row,
 * mail, idempotency answer) goes into `tx`. publishSurety runs it alone; the bulk import runs a few hundred in one
 * transaction (one disk flush for all of them) — the same code, so the signed result is identical.
 * @returns the answer, and `replayed` when the idempotency key had been used before (nothing was written)
 * @throws DomainError obligee_not_eligible | validation_failed | conflict
 */
export async function publishSuretyIn(
  ctx: ServiceContext,
  tx: Kysely<Database>,
  actor: Actor,
  { input, requestHash }: PreparedPublication,
  idempotencyKey?: string,
): Promise<PublishResult & { replayed: boolean }> {
  if (idempotencyKey !== undefined) {
    const previous = await findIdempotentAnswer(tx, actor.id, idempotencyKey);
    if (previous) {
      if (previous.request_hash !== requestHash) {
        throw reusedKeyConflict();
      }
      const answer = JSON.parse(previous.response) as Omit<PublishResult, 'authKey' | 'warnings'> & {
        warnings?: Finding[];
      };
      const surety = await findSurety(tx, answer.contractNumber);
      if (!surety) throw new Error('idempotent answer refers to a missing surety');
      return {
        contractNumber: answer.contractNumber,
        authKey: await ctx.vault.decrypt(surety.auth_key_jwe),
        version: answer.version,
        warnings: answer.warnings ?? [],
        replayed: true,
      };
    }
  }

  const obligee = await findObligee(tx, input.obligeeId);
  if (!obligee) {
    throw new DomainError('validation_failed', '入力内容に誤りがあります', {
      issues: [{ path: 'obligeeId', message: `登録されていない発注者です（${input.obligeeId}）` }],
    });
  }
  const rules = JSON.parse(obligee.rules) as ObligeeRule[];
  const ineligible = eligibilityViolation(obligee.name, rules, input);
  if (ineligible) throw new DomainError('obligee_not_eligible', ineligible);
  const { issues, warnings } = await assessPublication(ctx, tx, input, obligee);
  if (issues.length > 0) throw new DomainError('validation_failed', '入力内容に誤りがあります', { issues });

  if (input.contractNumber !== undefined && (await suretyExists(tx, input.contractNumber))) {
    throw new DomainError('conflict', `保証契約番号 ${input.contractNumber} はすでに使われています`);
  }
  const officeCode = input.officeCode ?? ctx.config.officeCode;

  // Validated before a number is taken: a refused request must not leave a taken number behind in the issued-numbers
  // directory (a restart would read it as a number the database forgot, and hold numbering).
  const { obligeeId: _o, contractNumber: _c, officeCode: _f, contractorEmail, contractorContact, ...fields } = input;
  const validated: Certificate = parseOrThrow(certificateSchema, {
    ...fields,
    contractNumber: input.contractNumber ?? formatContractNumber(officeCode, 0),
    issuer: { name: ctx.config.issuerName },
    obligee: { id: obligee.id, name: obligee.name, ...(obligee.title ? { title: obligee.title } : {}) },
  });
  const contractNumber = input.contractNumber ?? (await assignNumber(ctx, tx, officeCode));
  const certificate: Certificate = { ...validated, contractNumber };

  const now = ctx.clock();
  const issuedAt = toJstIso(now);
  const authKey = generateAuthKey();
  const payload: VersionPayload = {
    iss: ctx.config.publicUrl,
    sub: contractNumber,
    seq: 1,
    event: 'issue',
    target: null,
    reason: null,
    issuedAt,
    prev: null,
    status: 'active',
    certificate,
  };
  // Both run on the crypto thread pool: awaiting them together saves a round trip per publication.
  const [jws, authKeyJwe] = await Promise.all([signVersion(ctx.keyring, payload), ctx.vault.encrypt(authKey)]);
  const at = now.toISOString();
  await insertSurety(tx, {
    contract_number: contractNumber,
    product: certificate.product,
    obligee_id: obligee.id,
    works_name: certificate.works.name,
    contractor_name: certificate.contractor.name,
    contractor_email: contractorEmail ?? null,
    contractor_contact: contractorContact ? JSON.stringify(contractorContact) : null,
    guarantee_end: certificate.guaranteePeriod.to,
    auth_key_hmac: ctx.vault.hmac(contractNumber, authKey),
    auth_key_jwe: authKeyJwe,
    latest_seq: 1,
    created_at: at,
    updated_at: at,
  });
  await insertVersion(tx, {
    contract_number: contractNumber,
    seq: 1,
    event: 'issue',
    target: null,
    jws,
    issued_at: issuedAt,
  });
  await insertAudit(tx, {
    at,
    actor_type: actor.type,
    actor_id: actor.id,
    action: 'surety.publish',
    contract_number: contractNumber,
    detail: JSON.stringify({ seq: 1, event: 'issue', product: certificate.product, obligee: obligee.id }),
  });
  await queueVersionMails(ctx, tx, contractNumber, 1);
  const version: VersionSummary = { seq: 1, event: 'issue', issuedAt, jws };
  if (idempotencyKey !== undefined) {
    await insertIdempotentAnswer(tx, {
      token_id: actor.id,
      idem_key: idempotencyKey,
      request_hash: requestHash,
      status: 201,
      response: JSON.stringify({ contractNumber, version, warnings }),
      created_at: at,
    });
  }
  return { contractNumber, authKey, version, warnings, replayed: false };
}

/**
 * The next free number of the office, recorded outside the database once the transaction has committed and before
 * it is answered (deferNumberRecords).
 * @throws DomainError conflict when the office's numbers are used up or numbering is on hold after a restore
 */
async function assignNumber(ctx: ServiceContext, tx: Kysely<Database>, officeCode: string): Promise<string> {
  await assertNumbersNotHeld(tx);
  for (;;) {
    const next = await takeOfficeSequence(tx, officeCode, MAX_OFFICE_SEQUENCE);
    if (next === null) {
      throw new DomainError(
        'conflict',
        `営業所コード ${officeCode} の保証契約番号（999,999件）を使い切りました。別の営業所コード（officeCode）を指定してください`,
      );
    }
    recordTakenNumber(ctx, tx, officeCode, next);
    const candidate = formatContractNumber(officeCode, next);
    // An issuer may have sent this number itself earlier; skip it.
    if (!(await suretyExists(tx, candidate))) return candidate;
  }
}
