// Use case: the 申込 form's live eligibility check. While a clerk fills in a 新規 application, the obligee's e-surety
// rules are judged on what has been entered so far, so a violation shows next to 発注者 before submitting. The
// judgement is checkIssueBody's (the one the submission and the approval run); only when other fields are still
// empty or wrong are the rules applied to the fields they need (product and the basis date).
import { PRODUCTS, type Certificate, type Product } from '../../domain/certificate.js';
import { BASES, eligibilityViolation, type ObligeeRule } from '../../domain/eligibility.js';
import { isIsoDate } from '../../domain/format.js';
import { DomainError } from '../../errors.js';
import { findObligee } from '../../repositories/obligees.js';
import type { Actor, ServiceContext } from '../context.js';
import { checkIssueBody } from './drafts.js';

const BASIS_FIELD = { contract_date: 'contractDate', tender_date: 'tenderDate', bid_date: 'bidDate' } as const;

export interface LiveCheck {
  /** The message for the 発注者 field (rule violation or unknown obligee), or null when nothing is wrong yet. */
  obligee: string | null;
}

/** @throws DomainError forbidden (not a clerk) */
export async function checkIssueLive(
  ctx: ServiceContext,
  actor: Actor,
  body: Record<string, unknown>,
): Promise<LiveCheck> {
  if (actor.type !== 'staff' || actor.role !== 'clerk') {
    throw new DomainError('forbidden', 'この操作を行う権限がありません');
  }
  try {
    await checkIssueBody(ctx, body);
    return { obligee: null };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    if (error.code === 'obligee_not_eligible') return { obligee: error.message };
    if (error.code !== 'validation_failed') throw error;
    const obligeeIssue = error.issues?.find((i) => i.path === 'obligeeId');
    if (obligeeIssue) return { obligee: obligeeIssue.message };
    return { obligee: await partialViolation(ctx, body) };
  }
}

/** The rules applied to a form that does not validate yet: silent while a basis date they need is still missing. */
async function partialViolation(ctx: ServiceContext, body: Record<string, unknown>): Promise<string | null> {
  const product = PRODUCTS.find((p) => p === body.product) as Product | undefined;
  if (!product || typeof body.obligeeId !== 'string') return null;
  const obligee = await findObligee(ctx.db, body.obligeeId);
  if (!obligee) return null;
  const rules = JSON.parse(obligee.rules) as ObligeeRule[];
  const raw = (body.works ?? {}) as Record<string, unknown>;
  const works: Partial<Record<(typeof BASIS_FIELD)[keyof typeof BASIS_FIELD], string>> = {};
  for (const basis of BASES) {
    const value = raw[BASIS_FIELD[basis]];
    if (typeof value === 'string' && isIsoDate(value)) works[BASIS_FIELD[basis]] = value;
  }
  const covering = rules.filter((r) => r.products.includes(product));
  // A rule whose basis date is not entered yet cannot be judged (it may still admit the guarantee); a product that
  // no rule covers can.
  if (covering.some((r) => works[BASIS_FIELD[r.basis]] === undefined)) return null;
  return eligibilityViolation(obligee.name, rules, { product, works: works as Certificate['works'] });
}
