// Small request helpers shared by the route files: client identity, JSON bodies, path identifiers.
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import { normalizeContractNumber } from '../domain/identifiers.js';
import { DomainError } from '../errors.js';
import { clientAddress, clientKey, exemptMatcher } from '../security/client-address.js';
import type { Actor, ServiceContext } from '../services/context.js';

export interface AppEnv {
  Bindings: Partial<HttpBindings>;
  Variables: { requestId: string; actor: Actor; lang: 'ja' | 'en'; nonce: string };
}

export interface Client {
  address: string;
  key: string;
  exempt: boolean;
}

const exemptCache = new WeakMap<ServiceContext, (address: string) => boolean>();

export function clientOf(ctx: ServiceContext, c: Context<AppEnv>): Client {
  let isExempt = exemptCache.get(ctx);
  if (!isExempt) {
    isExempt = exemptMatcher(ctx.config.throttleExempt);
    exemptCache.set(ctx, isExempt);
  }
  const address = clientAddress(
    c.env?.incoming?.socket?.remoteAddress,
    c.req.header('x-forwarded-for'),
    ctx.config.trustProxy,
  );
  return { address, key: clientKey(address), exempt: isExempt(address) };
}

/** The JSON body; an empty body is `{}` when `allowEmpty` (POST routes that need no input). */
export async function readJson(c: Context<AppEnv>, options: { allowEmpty?: boolean } = {}): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') {
    if (options.allowEmpty) return {};
    throw new DomainError('bad_request', 'リクエスト本文（JSON）がありません');
  }
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new DomainError('bad_request', 'Content-Type は application/json にしてください');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DomainError('bad_request', 'リクエスト本文が正しい JSON ではありません');
  }
}

/** A contract number from a path; anything that does not normalise is simply not found. */
export function pathContractNumber(raw: string): string {
  const n = normalizeContractNumber(decodeURIComponent(raw));
  if (!n) throw new DomainError('not_found', '保証契約番号の形式が正しくありません');
  return n;
}
