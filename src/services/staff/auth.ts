// Use cases: staff log-in (password, then TOTP or a recovery code), server-side sessions with idle and absolute
// timeouts, TOTP enrolment and log-out. Tokens live only in the cookie; the database keeps their SHA-256.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { writeTransaction } from '../../../db/connection.js';
import type { Kysely } from 'kysely';
import type { Database, StaffSessionTable, StaffUserTable } from '../../../db/schema.js';
import { DomainError } from '../../errors.js';
import { addFailure, insertAlert, lockBuckets, readFailures } from '../../repositories/activity.js';
import { insertAudit } from '../../repositories/audit-log.js';
import {
  advanceTotpStep,
  deleteSession,
  findSession,
  findStaffUser,
  findStaffUserByEmail,
  insertSession,
  refundFailure,
  updateSession,
  updateStaffUser,
} from '../../repositories/staff.js';
import { acquireHashSlot, costFor, hashPassword, verifyPassword } from '../../security/passwords.js';
import { hashRecoveryCode, matchRecoveryCode, newRecoveryCode } from '../../security/recovery-codes.js';
import { generateTotpSecret, matchTotp, totpAlreadyUsed } from '../../security/totp.js';
import { z } from 'zod';
import type { Actor, ServiceContext } from '../context.js';
import { toStaffUser, type StaffUser } from './accounts.js';

export const IDLE_TIMEOUT_MS = 30 * 60_000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60_000;
/** Last-seen is written at most this often, so that browsing costs no disk flush per page. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Log-in limits (password and second factor alike). A failure is counted per (account, client) and per client: the
 * pair limit stops one network guessing at one account, the client limit one network spraying many. Nothing is
 * counted against an account as a whole — that would let anyone who knows a staff address lock its owner out — so
 * failures across every client only raise an alert for the administrators once they reach `accountAlert`.
 */
export const LOGIN_LIMITS = {
  pair: { failures: 10, windowMs: 15 * 60_000 },
  client: { failures: 50, windowMs: 15 * 60_000 },
  accountAlert: { failures: 100, windowMs: 60 * 60_000 },
};

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const newToken = () => randomBytes(32).toString('base64url');

export interface StaffSession {
  tokenHash: string;
  user: StaffUser;
  /** The second factor has been passed: only then does the session open staff pages. */
  mfa: boolean;
  pendingTotpJwe: string | null;
  csrfToken: string;
  actor: Extract<Actor, { type: 'staff' }>;
}

export const staffActor = (user: StaffUser): Extract<Actor, { type: 'staff' }> => ({
  type: 'staff',
  id: user.id,
  email: user.email,
  role: user.role,
});

/** The per-session synchronizer token of every staff form (on top of the Origin check of app.ts). */
export function csrfTokenFor(ctx: ServiceContext, tokenHash: string): string {
  return createHmac('sha256', ctx.cookieSecret).update(`staff-csrf:${tokenHash}`).digest('base64url');
}

export function csrfMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

// Compared against when the email is unknown, so that timing does not tell which accounts exist.
let dummyHash: Promise<string> | null = null;

export type LoginResult =
  | { outcome: 'ok'; token: string; needsEnrolment: boolean }
  | { outcome: 'failed' }
  | { outcome: 'throttled'; retryAfter: number }
  /** Too many log-ins are being checked at once (passwords.ts's hashing queue is full): nothing was counted. */
  | { outcome: 'busy'; retryAfter: number };

const BUSY_RETRY_SECONDS = 5;

const wellFormedEmail = z.email();

/**
 * How a typed e-mail field is recorded (audit rows, alerts): as written only when it is a well-formed address;
 * anything else may be a password typed into the wrong field, so it is kept as a keyed hash, which still lets staff
 * see that attempts repeat without being able to read or brute-force what was typed.
 */
function recordedEmail(ctx: ServiceContext, email: string): { email: string } | { emailHash: string } {
  if (wellFormedEmail.safeParse(email).success) return { email };
  return { emailHash: createHmac('sha256', ctx.cookieSecret).update(`audit-email:${email}`).digest('base64url') };
}

/** The buckets of one attempt: the step's own (account, client) pair, the client, and the account-wide signal. */
interface AttemptBuckets {
  pair: string;
  client: string;
  account: string;
  /** The account as the alert records it. */
  recorded: { email: string } | { emailHash: string };
}

// The second factor has its own pair bucket: mistyped passwords do not use up the TOTP attempts, nor the reverse.
// Bucket names are stored too, so they name the account the way the audit log does (never a non-address verbatim).
function bucketsFor(ctx: ServiceContext, step: 'pw' | 'mfa', email: string, client: string): AttemptBuckets {
  const recorded = recordedEmail(ctx, email);
  const account = 'email' in recorded ? recorded.email : `#${recorded.emailHash}`;
  return {
    pair: `staff:${step}:${account}|${client}`,
    client: `staff:c:${client}`,
    account: `staff:a:${account}`,
    recorded,
  };
}

/** When the pair or client limit is reached: the seconds until it lifts, else null. */
async function blockedUntil(
  ctx: ServiceContext,
  db: Kysely<Database>,
  buckets: AttemptBuckets,
): Promise<{ retryAfter: number } | null> {
  const now = ctx.clock().getTime();
  const counters = await readFailures(db, [buckets.pair, buckets.client], now);
  const pair = counters.get(buckets.pair);
  const client = counters.get(buckets.client);
  const until = Math.max(
    pair && pair.failures >= LOGIN_LIMITS.pair.failures ? pair.windowEnds : 0,
    client && client.failures >= LOGIN_LIMITS.client.failures ? client.windowEnds : 0,
  );
  return until > 0 ? { retryAfter: Math.max(1, Math.ceil((until - now) / 1000)) } : null;
}

/**
 * Counts the attempt up front (check-and-consume in one transaction, so parallel guesses cannot pass the limit);
 * a success gives the provisional failure back. Only the pair and client buckets can refuse; the account bucket
 * raises one alert when its failures reach the alert threshold.
 */
async function consumeAttempt(ctx: ServiceContext, buckets: AttemptBuckets): Promise<{ retryAfter: number } | null> {
  const now = ctx.clock().getTime();
  // Not durable (like the verification counters): a counter is flushed by the next durable commit, and an attempt
  // must not cost a disk flush on the main thread before it has even been checked.
  return writeTransaction(
    ctx.db,
    async (tx) => {
      await lockBuckets(tx, [buckets.pair, buckets.client, buckets.account]);
      const blocked = await blockedUntil(ctx, tx, buckets);
      if (blocked) return blocked;
      await addFailure(tx, buckets.pair, now, LOGIN_LIMITS.pair.windowMs);
      await addFailure(tx, buckets.client, now, LOGIN_LIMITS.client.windowMs);
      const accountFailures = await addFailure(tx, buckets.account, now, LOGIN_LIMITS.accountAlert.windowMs);
      if (accountFailures === LOGIN_LIMITS.accountAlert.failures) {
        await insertAlert(tx, {
          at: new Date(now).toISOString(),
          kind: 'staff_login_failures',
          contract_number: null,
          detail: JSON.stringify({
            ...buckets.recorded,
            failures: accountFailures,
            windowMinutes: LOGIN_LIMITS.accountAlert.windowMs / 60_000,
          }),
        });
      }
      return null;
    },
    { durable: false },
  );
}

async function audit(ctx: ServiceContext, tx: typeof ctx.db, actor: Actor, action: string, detail: object) {
  await insertAudit(tx, {
    at: ctx.clock().toISOString(),
    actor_type: actor.type,
    actor_id: actor.id,
    action,
    contract_number: null,
    detail: JSON.stringify(detail),
  });
}

/** Password step. A success opens a half session (TOTP still to come) under a brand-new token. */
export async function logIn(
  ctx: ServiceContext,
  input: { email: string; password: string; client: string },
): Promise<LoginResult> {
  const email = input.email.trim().toLowerCase().slice(0, 254);
  const buckets = bucketsFor(ctx, 'pw', email, input.client);
  // Throttle before hashing: a client over its limit is answered from one plain read, without taking a hashing slot,
  // counting or auditing; a flood beyond the hashing queue is refused as busy before any of that too.
  const early = await blockedUntil(ctx, ctx.db, buckets);
  if (early) return { outcome: 'throttled', retryAfter: early.retryAfter };
  const slot = acquireHashSlot();
  if (!slot) return { outcome: 'busy', retryAfter: BUSY_RETRY_SECONDS };
  const release = await slot;
  let user: StaffUserTable | undefined;
  let passwordOk: boolean;
  try {
    const blocked = await consumeAttempt(ctx, buckets);
    if (blocked) return { outcome: 'throttled', retryAfter: blocked.retryAfter };
    user = await findStaffUserByEmail(ctx.db, email);
    dummyHash ??= hashPassword(randomBytes(16).toString('hex'), costFor(ctx.config.env));
    passwordOk = await verifyPassword(user?.password_hash ?? (await dummyHash), input.password);
  } finally {
    release();
  }
  if (!user || !passwordOk || user.disabled_at !== null) {
    await writeTransaction(ctx.db, (tx) =>
      audit(ctx, tx, { type: 'system', id: 'staff-login' }, 'staff.login_failed', {
        ...recordedEmail(ctx, email),
        client: input.client,
        reason: !user ? 'unknown' : !passwordOk ? 'password' : 'disabled',
      }),
    );
    return { outcome: 'failed' };
  }
  const token = newToken();
  const at = ctx.clock().toISOString();
  await writeTransaction(ctx.db, async (tx) => {
    await refundFailure(tx, [buckets.pair, buckets.client, buckets.account]);
    await insertSession(tx, {
      token_hash: sha256(token),
      user_id: user.id,
      created_at: at,
      last_seen_at: at,
      mfa_at: null,
      pending_totp_jwe: null,
    });
    await audit(ctx, tx, staffActor(toStaffUser(user)), 'staff.login_password', { client: input.client });
  });
  return { outcome: 'ok', token, needsEnrolment: user.totp_enabled_at === null };
}

function expired(ctx: ServiceContext, row: StaffSessionTable): boolean {
  const now = ctx.clock().getTime();
  return now - Date.parse(row.last_seen_at) > IDLE_TIMEOUT_MS || now - Date.parse(row.created_at) > ABSOLUTE_TIMEOUT_MS;
}

/** The session behind a cookie token, or null (unknown, expired, or the user disabled). Expired rows are deleted. */
export async function resolveSession(ctx: ServiceContext, token: string | undefined): Promise<StaffSession | null> {
  if (!token || token.length > 100) return null;
  const tokenHash = sha256(token);
  const row = await findSession(ctx.db, tokenHash);
  if (!row) return null;
  if (expired(ctx, row)) {
    await deleteSession(ctx.db, tokenHash);
    return null;
  }
  const user = await findStaffUser(ctx.db, row.user_id);
  if (!user || user.disabled_at !== null) return null;
  const now = ctx.clock();
  if (now.getTime() - Date.parse(row.last_seen_at) > TOUCH_EVERY_MS) {
    await updateSession(ctx.db, tokenHash, { last_seen_at: now.toISOString() });
  }
  const staff = toStaffUser(user);
  return {
    tokenHash,
    user: staff,
    mfa: row.mfa_at !== null,
    pendingTotpJwe: row.pending_totp_jwe,
    csrfToken: csrfTokenFor(ctx, tokenHash),
    actor: staffActor(staff),
  };
}

/** Ends the session now (the row is deleted: the old cookie opens nothing even if replayed). */
export async function logOut(ctx: ServiceContext, session: StaffSession): Promise<void> {
  await writeTransaction(ctx.db, async (tx) => {
    await deleteSession(tx, session.tokenHash);
    await audit(ctx, tx, session.actor, 'staff.logout', {});
  });
}

/** Starts (or restarts) TOTP enrolment: a new secret kept encrypted on the session until confirmed. */
export async function beginEnrolment(ctx: ServiceContext, session: StaffSession): Promise<string> {
  if (session.user.mfaEnrolled) throw new DomainError('forbidden', '二要素認証はすでに設定済みです');
  if (session.pendingTotpJwe) return ctx.vault.decrypt(session.pendingTotpJwe);
  const secret = generateTotpSecret();
  await updateSession(ctx.db, session.tokenHash, { pending_totp_jwe: await ctx.vault.encrypt(secret) });
  return secret;
}

export type SecondFactorResult =
  | { outcome: 'ok'; token: string; recoveryCodes: string[] | null }
  | { outcome: 'failed' }
  /** The code was right but already used (a replay, or the clerk's second try within the same 30 s). */
  | { outcome: 'reused' }
  | { outcome: 'throttled'; retryAfter: number };

const RECOVERY_CODES = 10;
/**
 * Second step: a TOTP code (or, once enrolled, an unused recovery code). Confirming an enrolment returns the
 * recovery codes once. Success replaces the session token (a new id once the account is fully authenticated).
 */
export async function passSecondFactor(
  ctx: ServiceContext,
  session: StaffSession,
  code: string,
  client: string,
): Promise<SecondFactorResult> {
  const buckets = bucketsFor(ctx, 'mfa', session.user.email, client);
  const blocked = await consumeAttempt(ctx, buckets);
  if (blocked) return { outcome: 'throttled', retryAfter: blocked.retryAfter };
  const user = (await findStaffUser(ctx.db, session.user.id)) as StaffUserTable;
  const now = ctx.clock();
  const enrolling = user.totp_enabled_at === null;
  const secretJwe = enrolling ? session.pendingTotpJwe : user.totp_secret_jwe;
  if (!secretJwe) return { outcome: 'failed' };
  const secret = await ctx.vault.decrypt(secretJwe);
  const step = matchTotp(secret, code.slice(0, 64), now.getTime(), user.totp_last_step);
  let usedRecovery = false;
  let remainingRecovery: string[] | null = null;
  if (step === null && !enrolling) {
    const hashes = JSON.parse(user.recovery_codes) as string[];
    const given = matchRecoveryCode(ctx.cookieSecret, hashes, code);
    if (given !== null) {
      usedRecovery = true;
      remainingRecovery = hashes.filter((h) => h !== given);
    }
  }
  if (step === null && !usedRecovery) {
    const reused = !enrolling && totpAlreadyUsed(secret, code.slice(0, 64), now.getTime(), user.totp_last_step);
    await writeTransaction(ctx.db, (tx) =>
      audit(ctx, tx, session.actor, 'staff.mfa_failed', { client, ...(reused ? { reused: true } : {}) }),
    );
    return { outcome: reused ? 'reused' : 'failed' };
  }
  const token = newToken();
  const at = now.toISOString();
  const recoveryCodes = enrolling ? Array.from({ length: RECOVERY_CODES }, newRecoveryCode) : null;
  const accepted = await writeTransaction(ctx.db, async (tx) => {
    if (step !== null && !(await advanceTotpStep(tx, user.id, step))) return false;
    if (enrolling) {
      await updateStaffUser(tx, user.id, {
        totp_secret_jwe: secretJwe,
        totp_enabled_at: at,
        recovery_codes: JSON.stringify((recoveryCodes as string[]).map((c) => hashRecoveryCode(ctx.cookieSecret, c))),
        updated_at: at,
      });
    } else if (remainingRecovery) {
      await updateStaffUser(tx, user.id, { recovery_codes: JSON.stringify(remainingRecovery), updated_at: at });
    }
    await refundFailure(tx, [buckets.pair, buckets.client, buckets.account]);
    const old = await findSession(tx, session.tokenHash);
    await deleteSession(tx, session.tokenHash);
    await insertSession(tx, {
      token_hash: sha256(token),
      user_id: user.id,
      created_at: old?.created_at ?? at,
      last_seen_at: at,
      mfa_at: at,
      pending_totp_jwe: null,
    });
    await audit(ctx, tx, session.actor, enrolling ? 'staff.mfa_enrolled' : 'staff.login', {
      client,
      ...(usedRecovery ? { recoveryCode: true, recoveryCodesLeft: remainingRecovery?.length } : {}),
    });
    return true;
  });
  // Another log-in took this very step first: the code was right, and is now used.
  if (!accepted) return { outcome: step !== null ? 'reused' : 'failed' };
  return { outcome: 'ok', token, recoveryCodes };
}
