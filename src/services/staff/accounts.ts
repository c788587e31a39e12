// Use cases: staff accounts — create (CLI and admin screen; an account made on the screen enrols its second factor
// through a link mailed to its own address), list, disable/enable (disabling ends every session).
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { writeTransaction } from '../../../db/connection.js';
import type { StaffUserTable } from '../../../db/schema.js';
import { DomainError } from '../../errors.js';
import { insertAudit } from '../../repositories/audit-log.js';
import {
  deleteUserSessions,
  findStaffUser,
  findStaffUserByEmail,
  insertStaffUser,
  listStaffUsers,
  updateStaffUser,
} from '../../repositories/staff.js';
import { costFor, hashPassword, PASSWORD_MESSAGES, passwordProblem } from '../../security/passwords.js';
import type { Actor, ServiceContext } from '../context.js';
import { holdEnrolment } from './enrolment.js';

export const ROLES = ['admin', 'clerk', 'approver'] as const;
export type StaffRole = (typeof ROLES)[number];

export interface StaffUser {
  id: string;
  email: string;
  role: StaffRole;
  mfaEnrolled: boolean;
  disabled: boolean;
  createdAt: string;
}

export const toStaffUser = (row: StaffUserTable): StaffUser => ({
  id: row.id,
  email: row.email,
  role: row.role as StaffRole,
  mfaEnrolled: row.totp_enabled_at !== null,
  disabled: row.disabled_at !== null,
  createdAt: row.created_at,
});

const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: 'メールアドレスの形式が正しくありません' }).max(254));

/** A generated password: 20 characters of base64url (120 bits), shown once. */
const generatePassword = () => randomBytes(15).toString('base64url');

/**
 * Creates a staff account. Without a password one is generated and returned (to be shown once).
 * @throws DomainError validation_failed (bad email, role or password) | conflict (email taken)
 */
export async function createStaffUser(
  ctx: ServiceContext,
  actor: Actor,
  input: { email: string; role: string; password?: string | undefined },
): Promise<{ user: StaffUser; generatedPassword: string | null }> {
  const issues: { path: string; message: string }[] = [];
  const email = emailSchema.safeParse(input.email);
  if (!email.success) issues.push({ path: 'email', message: 'メールアドレスの形式が正しくありません' });
  if (!(ROLES as readonly string[]).includes(input.role)) {
    issues.push({ path: 'role', message: '権限は admin / clerk / approver のいずれかです' });
  }
  const generated = input.password === undefined || input.password === '' ? generatePassword() : null;
  const password = generated ?? (input.password as string);
  const problem = passwordProblem(password, email.success ? email.data : undefined);
  if (problem) issues.push({ path: 'password', message: PASSWORD_MESSAGES[problem] });
  if (issues.length > 0 || !email.success) {
    throw new DomainError('validation_failed', '入力内容に誤りがあります', { issues });
  }
  const passwordHash = await hashPassword(password, costFor(ctx.config.env));
  const at = ctx.clock().toISOString();
  const row: StaffUserTable = {
    id: randomUUID(),
    email: email.data,
    role: input.role,
    password_hash: passwordHash,
    totp_secret_jwe: null,
    totp_enabled_at: null,
    totp_last_step: null,
    recovery_codes: '[]',
    disabled_at: null,
    created_at: at,
    updated_at: at,
  };
  await writeTransaction(ctx.db, async (tx) => {
    if (await findStaffUserByEmail(tx, row.email)) {
      throw new DomainError('conflict', `${row.email} はすでに登録されています`, {
        issues: [{ path: 'email', message: 'このメールアドレスはすでに登録されています' }],
      });
    }
    await insertStaffUser(tx, row);
    // Made in the portal: its second factor is enrolled only through a link to its own address, mailed once a
    // different administrator approves the account (enrolment.ts).
    if (actor.type === 'staff') await holdEnrolment(tx, ctx, row.id, actor.id);
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'staff.create',
      contract_number: null,
      detail: JSON.stringify({
        id: row.id,
        email: row.email,
        role: row.role,
        ...(actor.type === 'staff' ? { enrolment: 'mailed_link_after_approval' } : { breakGlass: true }),
      }),
    });
  });
  return { user: toStaffUser(row), generatedPassword: generated };
}

export async function listStaff(ctx: ServiceContext): Promise<StaffUser[]> {
  return (await listStaffUsers(ctx.db)).map(toStaffUser);
}

/**
 * Disables or re-enables an account; disabling deletes every session of the user in the same transaction.
 * @throws DomainError not_found | forbidden (an admin cannot disable themselves)
 */
export async function setStaffDisabled(
  ctx: ServiceContext,
  actor: Actor,
  userId: string,
  disabled: boolean,
): Promise<void> {
  if (actor.id === userId) throw new DomainError('forbidden', '自分自身のアカウントは無効にできません');
  await writeTransaction(ctx.db, async (tx) => {
    const user = await findStaffUser(tx, userId);
    if (!user) throw new DomainError('not_found', '利用者が見つかりません');
    const at = ctx.clock().toISOString();
    await updateStaffUser(tx, userId, { disabled_at: disabled ? at : null, updated_at: at });
    const ended = disabled ? await deleteUserSessions(tx, userId) : 0;
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: disabled ? 'staff.disable' : 'staff.enable',
      contract_number: null,
      detail: JSON.stringify({ id: userId, email: user.email, sessionsEnded: ended }),
    });
  });
}
