// Who a number + key attempt is counted against (DESIGN §7, §11). The one function single verification, bulk
// verification and watch registration use: a request carrying a valid obligee token counts per token (`t:<token
// id>`), so an office behind a shared egress address is not throttled for its neighbours; any other request counts
// per client address (IPv4, or IPv6 /64), exempt when ESURETY_THROTTLE_EXEMPT lists it.
import type { Context } from 'hono';
import { authenticateObligeeToken, type ObligeeActor } from '../services/obligee-tokens.js';
import type { ServiceContext } from '../services/context.js';
import { clientOf, type AppEnv, type Client } from './http.js';

/** The obligee token of an `Authorization: Bearer eob_…` header, if it is one (an issuer token is not). */
export function bearerOf(c: Context<AppEnv>): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
  return match?.[1] ?? null;
}

/**
 * The throttling client of this request. The obligee API has authenticated its token already (`obligee`); on the
 * public routes a bearer token is looked up only when one is sent, and an unknown, revoked or issuer token simply
 * counts as the address (the public routes need no account).
 */
export async function throttleClientOf(ctx: ServiceContext, c: Context<AppEnv>): Promise<Client> {
  const address = clientOf(ctx, c);
  let obligee: ObligeeActor | undefined = c.get('obligee');
  if (!obligee) {
    const token = bearerOf(c);
    obligee = (token && (await authenticateObligeeToken(ctx, token))) || undefined;
  }
  return obligee ? { address: address.address, key: `t:${obligee.id}`, exempt: false } : address;
}
