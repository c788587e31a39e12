// Use cases: register or replace an obligee with its e-surety rules; list obligees that accept e-surety.
import type { Kysely } from 'kysely';
import { writeTransaction } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import type { ObligeeRule } from '../domain/eligibility.js';
import type { PlausibilityChecks } from '../domain/plausibility.js';
import { obligeeIdSchema, obligeeRequestSchema, type ObligeeRequest } from '../domain/requests.js';
import { insertAudit } from '../repositories/audit-log.js';
import { findObligee, listObligees, lockObligee, upsertObligee } from '../repositories/obligees.js';
import type { Actor, ServiceContext } from './context.js';
import { parseOrThrow } from './validation.js';

export interface Obligee {
  id: string;
  name: string;
  title?: string;
  rules: ObligeeRule[];
  checks?: PlausibilityChecks;
}

/** An obligee's plausibility settings as stored (null or absent: the defaults). */
export const checksOf = (row: { checks?: string | null }): PlausibilityChecks | undefined =>
  row.checks ? (JSON.parse(row.checks) as PlausibilityChecks) : undefined;

export const toObligee = (row: {
  id: string;
  name: string;
  title: string | null;
  rules: string;
  checks?: string | null;
}): Obligee => {
  const checks = checksOf(row);
  return {
    id: row.id,
    name: row.name,
    ...(row.title ? { title: row.title } : {}),
    rules: JSON.parse(row.rules) as ObligeeRule[],
    ...(checks ? { checks } : {}),
  };
};

/** @throws DomainError validation_failed */
export async function putObligee(ctx: ServiceContext, actor: Actor, id: string, body: unknown): Promise<Obligee> {
  const obligeeId = parseOrThrow(obligeeIdSchema, id, ['id']);
  const input = parseOrThrow(obligeeRequestSchema, body);
  return writeTransaction(ctx.db, (tx) => writeObligee(tx, ctx, actor, obligeeId, input));
}

/**
 * Creates or replaces an obligee with its audit row, inside the caller's write transaction (the staff portal's
 * four-eyes approval applies a request this way, together with the approval's own audit row). Takes the obligee's
 * lock, so an approval checking that the obligee has not moved since its request cannot interleave with this write.
 */
export async function writeObligee(
  tx: Kysely<Database>,
  ctx: ServiceContext,
  actor: Actor,
  obligeeId: string,
  input: ObligeeRequest,
): Promise<Obligee> {
  await lockObligee(tx, obligeeId);
  const at = ctx.clock().toISOString();
  const existing = await findObligee(tx, obligeeId);
  const row = {
    id: obligeeId,
    name: input.name,
    title: input.title ?? null,
    rules: JSON.stringify(input.rules),
    checks: input.checks && Object.keys(input.checks).length > 0 ? JSON.stringify(input.checks) : null,
    created_at: existing?.created_at ?? at,
    updated_at: at,
  };
  await upsertObligee(tx, row);
  await insertAudit(tx, {
    at,
    actor_type: actor.type,
    actor_id: actor.id,
    action: existing ? 'obligee.replace' : 'obligee.create',
    contract_number: null,
    detail: JSON.stringify({ id: obligeeId, name: input.name, rules: input.rules, checks: input.checks ?? null }),
  });
  return toObligee(row);
}

/** Obligees accepting e-surety: those with at least one rule. */
export async function listAcceptingObligees(ctx: ServiceContext): Promise<Obligee[]> {
  return (await listObligees(ctx.db)).map(toObligee).filter((o) => o.rules.length > 0);
}
