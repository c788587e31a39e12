// Checks of a new publication that need the database: the 前払金保証 an intermediate advance names, and the
// obligee's plausibility settings. The rules themselves are pure (domain/plausibility.ts); this finds their inputs.
import type { Kysely } from 'kysely';
import type { Database, ObligeeTable } from '../../db/schema.js';
import type { PublishRequest } from '../domain/requests.js';
import { enforces, plausibilityFindings, type Finding } from '../domain/plausibility.js';
import type { FieldIssue } from '../errors.js';
import type { ServiceContext } from './context.js';
import { checksOf } from './obligees.js';
import { loadSuretyState } from './surety-state.js';

export interface Assessment {
  /** Refusals (422 validation_failed): a wrong link, and breaches where the obligee enforces its rules. */
  issues: FieldIssue[];
  /** Breaches published anyway, answered in `warnings` and acknowledged by the clerk in the portal. */
  warnings: Finding[];
}

type Subject = Pick<
  PublishRequest,
  | 'product'
  | 'contractAmount'
  | 'guaranteeAmount'
  | 'advanceAmount'
  | 'guaranteeDate'
  | 'guaranteePeriod'
  | 'works'
  | 'relatedContractNumber'
>;

const FIELD = 'relatedContractNumber';

/**
 * The 前払金額 of the advance guarantee an intermediate advance names, or why the link is wrong: it must exist, be a
 * 前払金保証 that is not cancelled, for the same obligee and the same works (工事名 and 工事番号).
 */
async function linkedAdvance(
  ctx: ServiceContext,
  db: Kysely<Database>,
  subject: Subject,
  obligeeId: string,
): Promise<{ amount: number } | { issue: FieldIssue }> {
  const number = subject.relatedContractNumber;
  const issue = (message: string) => ({ issue: { path: FIELD, message } });
  if (number === undefined) return issue('中間前払金保証には、元の前払金保証の保証契約番号を入力してください');
  const loaded = await loadSuretyState(ctx, number, db);
  if (loaded.kind === 'not_found') return issue(`保証契約番号 ${number} の前払金保証は登録されていません`);
  if (loaded.kind === 'tampered') return issue(`保証契約番号 ${number} の保存データを検証できません`);
  const original = loaded.state.current.certificate;
  if (original.product !== 'advance_payment') return issue(`保証契約番号 ${number} は前払金保証ではありません`);
  if (loaded.state.status === 'cancelled') return issue(`保証契約番号 ${number} の前払金保証は取り消されています`);
  if (original.obligee.id !== obligeeId)
    return issue(`保証契約番号 ${number} の前払金保証は発注者が異なります（${original.obligee.name}）`);
  if (original.works.name !== subject.works.name || original.works.number !== subject.works.number) {
    const works = original.works.number ? `${original.works.name}（${original.works.number}）` : original.works.name;
    return issue(`保証契約番号 ${number} の前払金保証は工事が異なります（${works}）`);
  }
  return { amount: original.advanceAmount ?? original.guaranteeAmount };
}

/** Every finding about a validated request, to be answered together with other errors (nothing is written here). */
export async function assessPublication(
  ctx: ServiceContext,
  db: Kysely<Database>,
  subject: Subject,
  obligee: ObligeeTable,
): Promise<Assessment> {
  const issues: FieldIssue[] = [];
  let linked: number | undefined;
  if (subject.product === 'intermediate_advance_payment') {
    const link = await linkedAdvance(ctx, db, subject, obligee.id);
    if ('issue' in link) issues.push(link.issue);
    else linked = link.amount;
  }
  const checks = checksOf(obligee);
  const findings = plausibilityFindings(subject, checks, linked);
  if (enforces(checks))
    return { issues: [...issues, ...findings.map((f) => ({ path: f.field, message: f.message }))], warnings: [] };
  return { issues, warnings: findings };
}
