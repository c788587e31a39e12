// Use case: the contractor opens the mailed link to the key notice PDF. The link is checked (signature, purpose,
// expiry, still the current key), works once, and its use is recorded with an audit row (DESIGN §10).
import type { Product } from '../domain/certificate.js';
import { writeTransaction } from '../../db/connection.js';
import { linkSignerFor } from '../mail/links.js';
import { keyBinding } from '../mail/outbox.js';
import { insertAudit } from '../repositories/audit-log.js';
import { findMailLink, useMailLink } from '../repositories/outbox.js';
import { findSurety } from '../repositories/sureties.js';
import type { ServiceContext } from './context.js';
import { loadSuretyState, type SuretyState } from './surety-state.js';

export interface NoticeTarget {
  contractNumber: string;
  product: Product;
  worksName: string;
  obligeeName: string;
}

export type NoticeLinkState =
  | { status: 'ok'; target: NoticeTarget; expiresAt: Date }
  | { status: 'used'; usedAt: string; target: NoticeTarget }
  /** expired: genuine but too old; invalid: not a link of ours (or altered); reissued: the key changed since. */
  | { status: 'expired' | 'invalid' | 'reissued' | 'unavailable' };

/** Renders the notice PDF of a guarantee from its verified state and its current key (src/pdf does the drawing). */
export type NoticeRenderer = (ctx: ServiceContext, state: SuretyState, authKey: string) => Promise<Uint8Array>;

interface Resolved {
  jti: string;
  outboxId: string;
  state: SuretyState;
  authKeyJwe: string;
  expiresAt: Date;
}

async function resolve(ctx: ServiceContext, token: string): Promise<NoticeLinkState | Resolved> {
  const check = await linkSignerFor(ctx).verify(token, 'notice', ctx.clock());
  if (!check.ok) return { status: check.reason };
  if (check.claims.pur !== 'notice') return { status: 'invalid' };
  const { jti, sub, kh } = check.claims;
  const link = await findMailLink(ctx.db, jti);
  if (!link || link.contract_number !== sub || link.purpose !== 'notice') return { status: 'invalid' };
  const surety = await findSurety(ctx.db, sub);
  const loaded = await loadSuretyState(ctx, sub);
  if (!surety || loaded.kind !== 'ok') return { status: 'unavailable' };
  if (link.used_at) return { status: 'used', usedAt: link.used_at, target: targetOf(loaded.state) };
  if (keyBinding(surety.auth_key_hmac) !== kh) return { status: 'reissued' };
  return {
    jti,
    outboxId: link.outbox_id,
    state: loaded.state,
    authKeyJwe: surety.auth_key_jwe,
    expiresAt: check.expiresAt,
  };
}

function targetOf(state: SuretyState): NoticeTarget {
  const c = state.current.certificate;
  return {
    contractNumber: state.contractNumber,
    product: c.product,
    worksName: c.works.name,
    obligeeName: c.obligee.name,
  };
}

/** What the link would open, without using it (mail scanners fetch links; only the button press counts). */
export async function inspectNoticeLink(ctx: ServiceContext, token: string): Promise<NoticeLinkState> {
  const r = await resolve(ctx, token);
  return 'status' in r ? r : { status: 'ok', target: targetOf(r.state), expiresAt: r.expiresAt };
}

/**
 * Uses the link: renders the notice, then marks the link used and writes the audit row in one transaction. A
 * parallel second use loses the conditional update and gets `used`, never a second PDF.
 */
export async function redeemNoticeLink(
  ctx: ServiceContext,
  token: string,
  client: string,
  renderNotice: NoticeRenderer,
): Promise<NoticeLinkState | { status: 'downloaded'; target: NoticeTarget; pdf: Uint8Array }> {
  const r = await resolve(ctx, token);
  if ('status' in r) return r;
  const pdf = await renderNotice(ctx, r.state, await ctx.vault.decrypt(r.authKeyJwe));
  const at = ctx.clock().toISOString();
  const target = targetOf(r.state);
  const won = await writeTransaction(ctx.db, async (tx) => {
    if (!(await useMailLink(tx, r.jti, at, client))) return false;
    await insertAudit(tx, {
      at,
      actor_type: 'mail_link',
      actor_id: r.jti,
      action: 'notice.download',
      contract_number: target.contractNumber,
      detail: JSON.stringify({ mail: r.outboxId, client }),
    });
    return true;
  });
  if (!won) return { status: 'used', usedAt: (await findMailLink(ctx.db, r.jti))?.used_at ?? at, target };
  return { status: 'downloaded', target, pdf };
}
