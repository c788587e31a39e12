// Use cases: a staff account made in the portal enrols its second factor only through a single-use link mailed to
// its own address. Its maker never sees the link, so one administrator cannot make an approver (or a clerk) and
// pass its second factor themselves: the account is the mailbox owner's. Accounts made on the command line — the
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
import { enrolsByLink, findEnrolment, insertEnrolment, useEnrolment } from '../../repositories/staff-enrolments.js';
import { findStaffUser, insertSession } from '../../repositories/staff.js';
import { generateTotpSecret } from '../../security/totp.js';
import type { ServiceContext } from '../context.js';
import type { StaffSession } from './auth.js';

/** Queues the enrolment mail of a new account; call inside the transaction that creates the account. */
export async function queueEnrolment(
  tx: Kysely<Database>,
  ctx: ServiceContext,
  user: { id: string; email: string; role: 'admin' | 'clerk' | 'approver' },
): Promise<void> {
  const jti = randomUUID();
  const outboxId = await queueMail(tx, ctx, {
    kind: 'staff_enrolment',
    contractNumber: null,
    recipient: user.email,
    doc: staffEnrolmentMail(user.email, adminTranslator('ja')(`role.${user.role}`), ctx.config.issuerName),
    enrol: { jti, userId: user.id },
  });
  await insertEnrolment(tx, {
    jti,
    user_id: user.id,
    outbox_id: outboxId,
    created_at: ctx.clock().toISOString(),
    used_at: null,
    used_client: null,
  });
}

export type EnrolLinkState = 'ok' | 'invalid' | 'expired' | 'used';

async function check(ctx: ServiceContext, token: string) {
  const verified = await linkSignerFor(ctx).verify(token, 'enrol', ctx.clock());
  if (!verified.ok) return { state: verified.reason } as const;
  if (verified.claims.pur !== 'enrol') return { state: 'invalid' } as const;
  const row = await findEnrolment(ctx.db, verified.claims.jti);
  if (!row || row.user_id !== verified.claims.sub) return { state: 'invalid' } as const;
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
