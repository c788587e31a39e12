// Use cases behind the staff 発注者 screens: the register with each obligee's rules, and one obligee for its form.
// Changing an obligee is a four-eyes request (requests.ts), never a write from here.
import { DomainError } from '../../errors.js';
import { findObligee, listObligees } from '../../repositories/obligees.js';
import type { ServiceContext } from '../context.js';
import { toObligee, type Obligee } from '../obligees.js';
import { pendingObligeeRequests } from './requests.js';

/** Every registered obligee, those without rules (not accepting e-surety) included, and the requests waiting. */
export async function obligeeRegister(
  ctx: ServiceContext,
): Promise<{ obligees: Obligee[]; pending: Map<string, string> }> {
  return { obligees: (await listObligees(ctx.db)).map(toObligee), pending: await pendingObligeeRequests(ctx) };
}

/** @throws DomainError not_found */
export async function obligeeForEdit(ctx: ServiceContext, id: string): Promise<Obligee> {
  const row = await findObligee(ctx.db, id);
  if (!row) throw new DomainError('not_found', '発注者が見つかりません');
  return toObligee(row);
}
