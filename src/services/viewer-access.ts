// Use case: which certificates a browser's viewer grant still opens. Each grant entry carries a tag of the key it was
// earned with; once the key is reissued the tag no longer matches, so a grant obtained with the old key shows nothing.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { listAuthKeyHmacs } from '../repositories/sureties.js';
import { decodeGrant, grantEntry, type GrantEntry } from '../security/viewer-grant.js';
import type { ServiceContext } from './context.js';

/**
 * A short keyed digest of the stored key HMAC: it changes with every reissue and says nothing about the key (the
 * cookie is signed, not encrypted, so it must not carry the HMAC itself).
 */
export function keyTagOf(ctx: Pick<ServiceContext, 'cookieSecret'>, authKeyHmac: string): string {
  return createHmac('sha256', Buffer.from(ctx.cookieSecret, 'base64url'))
    .update(`grant-key:${authKeyHmac}`)
    .digest('base64url')
    .slice(0, 22);
}

const sameTag = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The entries that were made with their guarantee's current key (one query for all of them). */
async function withCurrentKey(ctx: ServiceContext, entries: GrantEntry[]): Promise<GrantEntry[]> {
  const tagged = entries.filter((e) => e.k !== undefined);
  if (tagged.length === 0) return [];
  const rows = await listAuthKeyHmacs(
    ctx.db,
    tagged.map((e) => e.n),
  );
  const current = new Map(rows.map((r) => [r.contract_number, keyTagOf(ctx, r.auth_key_hmac)]));
  return tagged.filter((e) => {
    const tag = current.get(e.n);
    return tag !== undefined && sameTag(tag, e.k ?? '');
  });
}

/** The entries of a grant cookie that are unexpired, untampered and made with the guarantee's current key. */
export async function liveGrantEntries(ctx: ServiceContext, cookie: string | undefined): Promise<GrantEntry[]> {
  return withCurrentKey(ctx, decodeGrant(ctx.cookieSecret, cookie, ctx.clock().getTime()));
}

/** The live grant entry covering one certificate, if any. */
export async function liveGrantEntry(
  ctx: ServiceContext,
  cookie: string | undefined,
  contractNumber: string,
): Promise<GrantEntry | undefined> {
  const entry = grantEntry(decodeGrant(ctx.cookieSecret, cookie, ctx.clock().getTime()), contractNumber);
  return entry ? (await withCurrentKey(ctx, [entry]))[0] : undefined;
}
