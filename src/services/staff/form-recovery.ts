// Use case: a 申込 form survives a session expiry. A clerk who spent half an hour on a form and posts it after the
// idle timeout is asked to log in again; the posted fields are kept — encrypted with the vault's key, bound to the
// account whose (expired) session posted them, for KEEP_MS — and the form comes back filled after the log-in. Only
// the application forms' own inputs are kept (never a password, a code or the CSRF token), and only one form per
// account; it is handed back once and deleted.
import { createHash } from 'node:crypto';
import { writeTransaction } from '../../../db/connection.js';
import { COLUMNS } from './certificate-form.js';
import { setFieldsOf } from './application-set.js';
import { deleteFormStash, findFormStash, purgeFormStash, putFormStash } from '../../repositories/form-stash.js';
import { findSession } from '../../repositories/staff.js';
import type { Actor, ServiceContext } from '../context.js';

/** The forms that can be kept: the combined 申込 and the single-product 申込. */
export type KeptForm = 'application-set' | 'issue';

/** Long enough to find a password manager and the TOTP device; short enough that an abandoned form goes away. */
export const KEEP_MS = 2 * 60 * 60_000;

/** The inputs a form may keep: its certificate fields and which application it edits, nothing else. */
function keepable(form: KeptForm, fields: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> =
    form === 'application-set'
      ? setFieldsOf(fields)
      : Object.fromEntries(
          Object.entries(fields).filter(([k]) => k === 'product' || (COLUMNS as readonly string[]).includes(k)),
        );
  if (typeof fields.applicationId === 'string' && /^[0-9a-f-]{36}$/.test(fields.applicationId))
    kept.applicationId = fields.applicationId;
  return kept;
}

/**
 * The account of a session cookie, expired or not (read before the session is resolved, which deletes an expired
 * row): who may get a form posted with it back.
 */
export async function sessionOwner(ctx: ServiceContext, token: string | undefined): Promise<string | null> {
  if (!token || token.length > 100) return null;
  const row = await findSession(ctx.db, createHash('sha256').update(token).digest('hex'));
  return row?.user_id ?? null;
}

/** Keeps a form posted after its session expired, for the session's account. */
export async function keepExpiredForm(
  ctx: ServiceContext,
  userId: string,
  form: KeptForm,
  fields: Record<string, string>,
): Promise<void> {
  const now = ctx.clock().getTime();
  const fieldsJwe = await ctx.vault.encrypt(JSON.stringify(keepable(form, fields)));
  await writeTransaction(ctx.db, async (tx) => {
    await purgeFormStash(tx, new Date(now).toISOString());
    await putFormStash(tx, {
      user_id: userId,
      form,
      fields_jwe: fieldsJwe,
      expires_at: new Date(now + KEEP_MS).toISOString(),
    });
  });
}

/** Where the account's kept form is waiting (the page that refills it), or null. */
export async function keptFormPath(ctx: ServiceContext, userId: string): Promise<string | null> {
  const kept = await findFormStash(ctx.db, userId);
  if (!kept || kept.expires_at < ctx.clock().toISOString()) return null;
  return kept.form === 'application-set' ? '/admin/applications/new?restore=1' : '/admin/drafts/new?restore=1';
}

/** The account's kept form of that kind, handed back once (then deleted); null when none or expired. */
export async function takeKeptForm(
  ctx: ServiceContext,
  actor: Actor,
  form: KeptForm,
): Promise<Record<string, string> | null> {
  const kept = await findFormStash(ctx.db, actor.id);
  if (!kept || kept.form !== form) return null;
  if (!(await deleteFormStash(ctx.db, actor.id))) return null;
  if (kept.expires_at < ctx.clock().toISOString()) return null;
  return JSON.parse(await ctx.vault.decrypt(kept.fields_jwe)) as Record<string, string>;
}
