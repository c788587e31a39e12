// The staff services' own permission check: the portal's route guard (routes/admin/route-table.ts) refuses first,
// but a service never trusts its caller to have done so (the CLI and tests call services directly).
import { DomainError } from '../../errors.js';
import type { Actor } from '../context.js';

export type StaffActor = Extract<Actor, { type: 'staff' }>;

/** @throws DomainError forbidden — the actor is not staff, or not in one of `roles` */
export function requireRole(actor: Actor, roles: readonly StaffActor['role'][]): asserts actor is StaffActor {
  if (actor.type !== 'staff' || !roles.includes(actor.role)) {
    throw new DomainError('forbidden', 'この操作を行う権限がありません');
  }
}
