// Use cases: a staff account made in the portal enrols its second factor only through a single-use link mailed to
// its own address. Its maker never sees the link, so one administrator cannot make an approver (or a clerk) and
// pass its second factor themselves: the account is the mailbox owner's. Its maker also chose that address, so the
// link is mailed only once a different administrator has approved the account. Accounts made on the command line — the
// operator's break-glass path — and older accounts keep the first-log-in enrolment (they have no link row).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { writeTransaction } from '../../../db/connection.js';
import type { Database } from '../../../db/schema.js';
import { adminTranslator } from '../../i18n/admin.js';
import { linkSignerFor } from '../../mail/links.js';
import { queueMail } from '../../mail/outbox.js';
import { staffEnrolmentMail } from '../../mail/templates.js';
import { insertAudit } from '../../repositories/audit-log.js';
import {
  approveEnrolment,
  enrolsByLink,
  findEnrolment,
  findPendingEnrolment,
  insertEnrolment,
  listPendingEnrolments,
  useEnrolment,
} from '../../repositories/staff-enrolments.js';
import { findStaffUser, insertSession } from '../../repositories/staff.js';
import { generateTotpSecret } from '../../security/totp.js';
import { DomainError } from '../../errors.js';
import type { Actor, ServiceContext } from '../context.js';
import { requireRole, type StaffActor } from './require-role.js';
import type { StaffSession } from './auth.js';

/**
 * Records that a new account made in the portal enrols through a mailed link; call inside the transaction that
 * creates it. Nothing is mailed yet: the maker chose the address, so a different administrator approves first.
 */
export async function holdEnrolment(
  tx: Kysely<Database>,
  ctx: ServiceContext,
  userId: string,
  createdBy: string,
): Promise<void> {
  await insertEnrolment(tx, {
    jti: randomUUID(),
    user_id: userId,
    created_by: createdBy,
    approved_by: null,
    approved_at: null,
    outbox_id: null,
    created_at: ctx.clock().toISOString(),
    used_at: null,
    used_client: null,
  });
}

/**
 * A different administrator approves an account made in the portal: the single-use enrolment link is mailed to the
 * account's own address, in the same transaction as the approval and its audit row.
 * @throws DomainError forbidden (not an administrator, or the account's maker) | conflict (nothing waits)
 */
export async function approveStaffAccount(ctx: ServiceContext, actor: Actor, userId: string): Promise<void> {
  requireRole(actor, ['admin']);
  await writeTransaction(ctx.db, async (tx) => {
    const pending = await findPendingEnrolment(tx, userId);
    const user = await findStaffUser(tx, userId);
    if (!pending || !user) throw new DomainError('conflict', 'この利用者は承認待ちではありません');
    if (pending.created_by === actor.id) {
      throw new DomainError('forbidden', '自分が作成した利用者は承認できません（別の管理者が承認してください）');
    }
    const at = ctx.clock().toISOString();
    const role = user.role as StaffActor['role'];
    const outboxId = await queueMail(tx, ctx, {
      kind: 'staff_enrolment',
      contractNumber: null,
      recipient: user.email,
      doc: staffEnrolmentMail(user.email, adminTranslator('ja')(`role.${role}`), ctx.config.issuerName),
      enrol: { jti: pending.jti, userId },
    });
    if (!(await approveEnrolment(tx, pending.jti, { by: actor.id, at, outboxId }))) {
      throw new DomainError('conflict', 'この利用者はすでに承認されています');
    }
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'staff.approve',
      contract_number: null,
      detail: JSON.stringify({ id: userId, email: user.email, role, createdBy: pending.created_by }),
    });
  });
}

/** Accounts waiting for a second administrator: user id → the id of the administrator who made it. */
export async function pendingAccounts(ctx: ServiceContext): Promise<Map<string, string>> {
  return new Map((await listPendingEnrolments(ctx.db)).map((r) => [r.user_id, r.created_by]));
}

export type EnrolLinkState = 'ok' | 'invalid' | 'expired' | 'used';

async function check(ctx: ServiceContext, token: string) {
  const verified = await linkSignerFor(ctx).verify(token, 'enrol', ctx.clock());
  if (!verified.ok) return { state: verified.reason } as const;
  if (verified.claims.pur !== 'enrol') return { state: 'invalid' } as const;
  const row = await findEnrolment(ctx.db, verified.claims.jti);
  if (!row || row.user_id !== verified.claims.sub || row.approved_by === null) return { state: 'invalid' } as const;
  const user = await findStaffUser(ctx.db, row.user_id);
  if (!user || user.disabled_at !== null) return { state: 'invalid' } as const;
  if (row.used_at !== null || user.totp_enabled_at !== null) return { state: 'used' } as const;
  return { state: 'ok', row, user } as const;
}

/** What the link's page shows before anything is used (a mail scanner's GET must not burn the link). */
export async function inspectEnrolmentLink(ctx: ServiceContext, token: string): Promise<EnrolLinkState> {
  return (await check(ctx, token)).state;
}

/**
 * Uses the link once: opens a session for the account that may enrol a second factor (the secret waits on the
 * session, as at a first log-in), audited. The new session token goes only into the cookie.
 */
export async function redeemEnrolmentLink(
  ctx: ServiceContext,
  token: string,
  client: string,
): Promise<{ state: 'ok'; sessionToken: string } | { state: Exclude<EnrolLinkState, 'ok'> }> {
  const checked = await check(ctx, token);
  if (checked.state !== 'ok') return { state: checked.state };
  const sessionToken = randomBytes(32).toString('base64url');
  const secretJwe = await ctx.vault.encrypt(generateTotpSecret());
  const used = await writeTransaction(ctx.db, async (tx) => {
    const at = ctx.clock().toISOString();
    if (!(await useEnrolment(tx, checked.row.jti, at, client))) return false;
    await insertSession(tx, {
      token_hash: createHash('sha256').update(sessionToken).digest('hex'),
      user_id: checked.user.id,
      created_at: at,
      last_seen_at: at,
      mfa_at: null,
      pending_totp_jwe: secretJwe,
    });
    await insertAudit(tx, {
      at,
      actor_type: 'staff',
      actor_id: checked.user.id,
      action: 'staff.enrolment_link_used',
      contract_number: null,
      detail: JSON.stringify({ email: checked.user.email, client }),
    });
    return true;
  });
  return used ? { state: 'ok', sessionToken } : { state: 'used' };
}

/**
 * Whether this session may enrol a second factor here: an account made in the portal only in the session its
 * mailed link opened (which carries the pending secret); other accounts at their first log-in, as before.
 */
export async function mayEnrolHere(ctx: ServiceContext, session: StaffSession): Promise<boolean> {
  if (session.user.mfaEnrolled || session.pendingTotpJwe !== null) return true;
  return !(await enrolsByLink(ctx.db, session.user.id));
}
