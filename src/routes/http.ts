// Small request helpers shared by the route files: client identity, JSON bodies, path identifiers.
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import { normalizeContractNumber } from '../domain/identifiers.js';
import { DomainError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { clientAddress, clientKey, exemptMatcher } from '../security/client-address.js';
import type { Actor, ServiceContext } from '../services/context.js';
import type { ObligeeActor } from '../services/obligee-tokens.js';

export interface AppEnv {
  Bindings: Partial<HttpBindings>;
  /** `log` is the process logger with this request's id on every line. */
  /** `obligee`: the organisation behind an obligee token (the obligee API of DESIGN §11). */
  Variables: {
    requestId: string;
    log: Logger;
    actor: Actor;
    obligee: ObligeeActor;
    lang: 'ja' | 'en';
    nonce: string;
  };
}

export interface Client {
  address: string;
  key: string;
  exempt: boolean;
}

const exemptCache = new WeakMap<ServiceContext, (address: string) => boolean>();
// Building the matcher's address object costs ≈2% of a verification; remember recent answers per address.
const exemptAnswers = new Map<string, boolean>();

export function clientOf<E extends AppEnv>(ctx: ServiceContext, c: Context<E>): Client {
  let isExempt = exemptCache.get(ctx);
  if (!isExempt) {
    isExempt = exemptMatcher(ctx.config.throttleExempt);
    exemptCache.set(ctx, isExempt);
    exemptAnswers.clear();
  }
  const address = clientAddress(
    c.env?.incoming?.socket?.remoteAddress,
    c.req.header('x-forwarded-for'),
    ctx.config.trustProxy,
  );
  let exempt = exemptAnswers.get(address);
  if (exempt === undefined) {
    exempt = isExempt(address);
    if (exemptAnswers.size >= 10_000) exemptAnswers.clear();
    exemptAnswers.set(address, exempt);
  }
  return { address, key: clientKey(address), exempt };
}

/** The §5 error body of an /api answer. */
export function apiErrorBody(
  code: ErrorCode,
  message: string,
  issues?: { path: string; message: string }[],
  requestId?: string,
): { error: { code: ErrorCode; message: string; issues?: { path: string; message: string }[]; requestId?: string } } {
  return { error: { code, message, ...(issues ? { issues } : {}), ...(requestId ? { requestId } : {}) } };
}

const JSON_LIMIT = 256 * 1024;

const tooLarge = () => new DomainError('too_large', 'リクエストが大きすぎます');

/**
 * The request body as text, refusing more than `limit` bytes (413): by a declared Content-Length before reading,
 * and while reading a body without one (chunked). Not hono/body-limit: it asks the request for its web body stream
 * first, so on the Node server every JSON request — each verification — would be read through a ReadableStream
 * instead of @hono/node-server's direct read behind c.req.text().
 */
async function readText(c: Context<AppEnv>, limit: number): Promise<string> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
    if (Number(declared) > limit) throw tooLarge();
    return c.req.text();
  }
  const body = c.req.raw.body;
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    // The rest is left unread, as hono/body-limit does: @hono/node-server drains it after the 413 is sent.
    if (size > limit) throw tooLarge();
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The JSON body: 400 when empty (unless `allowEmpty`: POST routes that need no input get `{}`), not declared as
 * JSON, or not JSON; 413 past 256 KB.
 */
export async function readJson(c: Context<AppEnv>, options: { allowEmpty?: boolean } = {}): Promise<unknown> {
  const text = await readText(c, JSON_LIMIT);
  if (text.trim() === '') {
    if (options.allowEmpty) return {};
    throw new DomainError('bad_request', 'リクエスト本文（JSON）がありません');
  }
  const type = c.req.header('content-type') ?? '';
  if (type !== 'application/json' && !/^application\/(.+\+)?json\b/i.test(type)) {
    throw new DomainError('bad_request', 'Content-Type は application/json にしてください');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DomainError('bad_request', 'リクエスト本文が正しい JSON ではありません');
  }
}

/** A contract number from a path; anything that does not normalise is simply not found. */
/** A version's seq from a path; anything but a positive integer is simply not found. */
export function versionSeq(raw: string | undefined): number {
  const seq = Number(raw);
  if (!Number.isSafeInteger(seq) || seq < 1) throw new DomainError('not_found', 'この版は存在しません');
  return seq;
}

export function pathContractNumber(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    decoded = raw; // a stray '%' (found by test/fuzz): not a number either way
  }
  const n = normalizeContractNumber(decoded);
  if (!n) throw new DomainError('not_found', '保証契約番号の形式が正しくありません');
  return n;
}
