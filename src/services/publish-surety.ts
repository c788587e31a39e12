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
import { insertAuditRows } from '../repositories/audit-log.js';
import { findIdempotentAnswer, insertIdempotentAnswers } from '../repositories/idempotency.js';
import { findObligee } from '../repositories/obligees.js';
import {
  existingSureties,
  findSurety,
  insertSureties,
  insertVersions,
  suretyExists,
  takeOfficeSequence,
  takeOfficeSequences,
} from '../repositories/sureties.js';
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

/** A new guarantee ready to be signed: its number taken, its payload built and its key drawn (planPublication). */
export interface PlannedIssue {
  payload: VersionPayload;
  authKey: string;
  contractorEmail: string | undefined;
  /** 担当部署・担当者名・電話番号: kept beside the guarantee for staff, never signed. */
  contractorContact: unknown;
  warnings: Finding[];
  obligeeId: string;
  at: string;
  requestHash: string;
  idempotencyKey: string | undefined;
  /** Set while the plan waits for numberPublications to give it a number of this office. */
  officeCode?: string | undefined;
}

/** A planned guarantee with its signed version 1 and its encrypted key (sealPublication): what writePublications stores. */
export interface SealedIssue extends PlannedIssue {
  jws: string;
  authKeyJwe: string;
}

type Replayed = PublishResult & { replayed: true };

/**
 * What the plans of one batch (one transaction) share: each obligee read once, and — when the caller has already
 * looked every row's idempotency key up (the import does, for all rows at once) — no lookup per row. Numbers are
 * then taken for the whole batch by numberPublications, in one statement per office.
 */
export interface PlanBatch {
  obligees: Map<string, Promise<Awaited<ReturnType<typeof findObligee>>>>;
  keysChecked: boolean;
}

export const planBatch = (keysChecked: boolean): PlanBatch => ({ obligees: new Map(), keysChecked });

/**
 * The publication itself, inside a write transaction the caller holds: every write (surety, version, audit row,
 * mail, idempotency answer) goes into `tx`. publishSurety runs it alone; the bulk import runs its three steps
 * (plan, seal, write) over a few hundred rows in one transaction — the same code, so the signed result is identical.
 * @returns the answer, and `replayed` when the idempotency key had been used before (nothing was written)
 * @throws DomainError obligee_not_eligible | validation_failed | conflict
 */
export async function publishSuretyIn(
  ctx: ServiceContext,
  tx: Kysely<Database>,
  actor: Actor,
  prepared: PreparedPublication,
  idempotencyKey?: string,
): Promise<PublishResult & { replayed: boolean }> {
  const planned = await planPublication(ctx, tx, actor, prepared, idempotencyKey);
  if ('replayed' in planned) return planned;
  const [written] = await writePublications(ctx, tx, actor, [await sealPublication(ctx, planned)]);
  if (!written) throw new Error('writePublications answers one result per publication');
  return { ...written, replayed: false };
}

/**
 * Everything of a publication that reads the database or takes a number, in `tx`: the idempotency check (a used key
 * answers the first answer again, with the current key), the obligee and its eligibility, the full validation, the
 * contract number, the payload of version 1 and a new key. Nothing is signed or written yet, except the number.
 * @throws DomainError obligee_not_eligible | validation_failed | conflict
 */
export async function planPublication(
  ctx: ServiceContext,
  tx: Kysely<Database>,
  actor: Actor,
  { input, requestHash }: PreparedPublication,
  idempotencyKey?: string,
  batch?: PlanBatch,
): Promise<Replayed | PlannedIssue> {
  if (idempotencyKey !== undefined && !batch?.keysChecked) {
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

  let found = batch?.obligees.get(input.obligeeId);
  if (!found) {
    found = findObligee(tx, input.obligeeId);
    batch?.obligees.set(input.obligeeId, found);
  }
  const obligee = await found;
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
  // In a batch, numberPublications numbers the plans together afterwards.
  const contractNumber =
    input.contractNumber ?? (batch ? validated.contractNumber : await assignNumber(ctx, tx, officeCode));
  const certificate: Certificate = { ...validated, contractNumber };

  const now = ctx.clock();
  const payload: VersionPayload = {
    iss: ctx.config.publicUrl,
    sub: contractNumber,
    seq: 1,
    event: 'issue',
    target: null,
    reason: null,
    issuedAt: toJstIso(now),
    prev: null,
    status: 'active',
    certificate,
  };
  return {
    payload,
    authKey: generateAuthKey(),
    contractorEmail,
    contractorContact,
    warnings,
    obligeeId: obligee.id,
    at: now.toISOString(),
    requestHash,
    idempotencyKey,
    officeCode: input.contractNumber === undefined && batch ? officeCode : undefined,
  };
}

/**
 * Numbers the plans of a batch that still need a number (planned with a PlanBatch), in their order: per office, one
 * statement takes as many sequence values as there are plans and one query finds those an issuer already used itself
 * (skipped, as assignNumber skips them). Near the end of an office's numbers it takes them one by one, so the
 * exhaustion conflict names the guarantee that hit it.
 * @throws DomainError conflict when the office's numbers are used up or numbering is on hold after a restore
 */
export async function numberPublications(
  ctx: ServiceContext,
  tx: Kysely<Database>,
  plans: readonly PlannedIssue[],
): Promise<void> {
  const byOffice = new Map<string, PlannedIssue[]>();
  for (const plan of plans)
    if (plan.officeCode) byOffice.set(plan.officeCode, [...(byOffice.get(plan.officeCode) ?? []), plan]);
  if (byOffice.size === 0) return;
  await assertNumbersNotHeld(tx);
  const assign = (plan: PlannedIssue, contractNumber: string) => {
    plan.payload.sub = contractNumber;
    plan.payload.certificate = { ...plan.payload.certificate, contractNumber };
    plan.officeCode = undefined;
  };
  for (const [office, waiting] of byOffice) {
    let rest = waiting;
    while (rest.length > 0) {
      const taken = await takeOfficeSequences(tx, office, rest.length, MAX_OFFICE_SEQUENCE);
      if (!taken) {
        for (const plan of rest) assign(plan, await assignNumber(ctx, tx, office));
        break;
      }
      recordTakenNumber(ctx, tx, office, taken.last);
      const candidates = Array.from({ length: rest.length }, (_, i) =>
        formatContractNumber(office, taken.last - rest.length + 1 + i),
      );
      const used = await existingSureties(tx, candidates);
      const free = candidates.filter((n) => !used.has(n));
      free.forEach((n, i) => assign(rest[i]!, n));
      rest = rest.slice(free.length);
    }
  }
}

/**
 * Signs version 1 and encrypts the key, on the crypto thread pool; no database. A batch seals its rows together, so
 * the pool's threads work in parallel instead of one round trip per guarantee.
 */
export async function sealPublication(ctx: ServiceContext, plan: PlannedIssue): Promise<SealedIssue> {
  if (plan.officeCode) throw new Error('a batch plan is sealed only after numberPublications');
  const [jws, authKeyJwe] = await Promise.all([
    signVersion(ctx.keyring, plan.payload),
    ctx.vault.encrypt(plan.authKey),
  ]);
  return { ...plan, jws, authKeyJwe };
}

/** Rows per multi-row INSERT: far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
const INSERT_CHUNK = 100;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += INSERT_CHUNK) out.push(items.slice(i, i + INSERT_CHUNK));
  return out;
}

/**
 * Writes sealed publications into `tx`, in their order: sureties, versions, their chained audit rows, mails and
 * idempotency answers, each table with multi-row INSERTs (one statement per hundred guarantees instead of one per
 * guarantee and table).
 */
export async function writePublications(
  ctx: ServiceContext,
  tx: Kysely<Database>,
  actor: Actor,
  sealed: readonly SealedIssue[],
): Promise<PublishResult[]> {
  for (const part of chunks(sealed)) {
    await insertSureties(
      tx,
      part.map((s) => {
        const { certificate } = s.payload;
        return {
          contract_number: certificate.contractNumber,
          product: certificate.product,
          obligee_id: s.obligeeId,
          works_name: certificate.works.name,
          contractor_name: certificate.contractor.name,
          contractor_email: s.contractorEmail ?? null,
          contractor_contact: s.contractorContact ? JSON.stringify(s.contractorContact) : null,
          guarantee_end: certificate.guaranteePeriod.to,
          auth_key_hmac: ctx.vault.hmac(certificate.contractNumber, s.authKey),
          auth_key_jwe: s.authKeyJwe,
          latest_seq: 1,
          created_at: s.at,
          updated_at: s.at,
        };
      }),
    );
    await insertVersions(
      tx,
      part.map((s) => ({
        contract_number: s.payload.sub,
        seq: 1,
        event: 'issue',
        target: null,
        jws: s.jws,
        issued_at: s.payload.issuedAt,
      })),
    );
  }
  await insertAuditRows(
    tx,
    sealed.map((s) => ({
      at: s.at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'surety.publish',
      contract_number: s.payload.sub,
      detail: JSON.stringify({
        seq: 1,
        event: 'issue',
        product: s.payload.certificate.product,
        obligee: s.obligeeId,
      }),
    })),
  );
  // Only a contractor address gives a new guarantee a mail (nobody can have subscribed yet).
  for (const s of sealed) if (s.contractorEmail) await queueVersionMails(ctx, tx, s.payload.sub, 1);
  const results = sealed.map((s) => ({
    contractNumber: s.payload.sub,
    authKey: s.authKey,
    version: { seq: 1, event: 'issue', issuedAt: s.payload.issuedAt, jws: s.jws } satisfies VersionSummary,
    warnings: s.warnings,
  }));
  const answers = sealed.flatMap((s, i) =>
    s.idempotencyKey === undefined
      ? []
      : [
          {
            token_id: actor.id,
            idem_key: s.idempotencyKey,
            request_hash: s.requestHash,
            status: 201,
            response: JSON.stringify({
              contractNumber: s.payload.sub,
              version: results[i]?.version,
              warnings: s.warnings,
            }),
            created_at: s.at,
          },
        ],
  );
  for (const part of chunks(answers)) await insertIdempotentAnswers(tx, part);
  return results;
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
