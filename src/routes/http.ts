// Small request helpers shared by the route files: client identity, JSON bodies, path identifiers.
import type { IncomingMessage } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import { normalizeContractNumber } from '../domain/identifiers.js';
import { DomainError, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { clientAddress, clientKey, exemptMatcher } from '../security/client-address.js';
import type { Actor, ServiceContext } from '../services/context.js';

export interface AppEnv {
  Bindings: Partial<HttpBindings>;
  /** `log` is the process logger with this request's id on every line. */
  Variables: { requestId: string; log: Logger; actor: Actor; lang: 'ja' | 'en'; nonce: string };
}

export interface Client {
  address: string;
  key: string;
  exempt: boolean;
}

const exemptCache = new WeakMap<ServiceContext, (address: string) => boolean>();
// Building the matcher's address object costs ≈2% of a verification; remember recent answers per address.
const exemptAnswers = new Map<string, boolean>();

export function clientOf(ctx: ServiceContext, c: Context<AppEnv>): Client {
  return clientFrom(ctx, c.env?.incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for'));
}

/** The client of a request from its socket address and X-Forwarded-For header (ESURETY_TRUST_PROXY decides which). */
export function clientFrom(
  ctx: ServiceContext,
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
): Client {
  let isExempt = exemptCache.get(ctx);
  if (!isExempt) {
    isExempt = exemptMatcher(ctx.config.throttleExempt);
    exemptCache.set(ctx, isExempt);
    exemptAnswers.clear();
  }
  const address = clientAddress(socketAddress, forwardedFor, ctx.config.trustProxy);
  let exempt = exemptAnswers.get(address);
  if (exempt === undefined) {
    exempt = isExempt(address);
    if (exemptAnswers.size >= 10_000) exemptAnswers.clear();
    exemptAnswers.set(address, exempt);
  }
  return { address, key: clientKey(address), exempt };
}

/**
 * The headers of every /api answer besides its own (Content-Type, Retry-After …): JSON has nothing to run, frame or
 * embed, so a CSP that allows nothing, no framing, no sniffing, no referrer, same-origin resources only, HSTS — the
 * set the OWASP REST Security Cheat Sheet lists. The headers that only concern HTML documents (COOP,
 * Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options, X-Permitted-Cross-Domain-Policies,
 * X-XSS-Protection) stay on the pages: on a JSON answer they did nothing but add 200 bytes to each verification.
 * app.ts adds them to each /api response, unless the response came from jsonAnswer() which carries them already.
 */
export const API_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
};

const complete = new WeakSet<Response>();

/**
 * A JSON answer that already carries every header the app's middleware would add (API_HEADERS, X-Request-Id), as one
 * plain object: on the Node server such a response is written without building web `Headers` at all — the
 * verification hot path's answer (measured: 191 → 175 µs of main-thread CPU per verification, +10 % req/s).
 */
export function jsonAnswer(c: Context<AppEnv>, body: string | Uint8Array<ArrayBuffer>, status: number = 200): Response {
  const res = new Response(body, {
    status,
    headers: { 'content-type': 'application/json', 'x-request-id': c.get('requestId'), ...API_HEADERS },
  });
  complete.add(res);
  return res;
}

/**
 * Whether `res` came from jsonAnswer() (its headers are final). Headers set with c.header() before the handler ran
 * are not merged into such a response (hono merges them only into responses it builds): /api middleware adds its
 * headers after next(), as app.ts does.
 */
export const hasFinalHeaders = (res: Response): boolean => complete.has(res);

export const JSON_LIMIT = 256 * 1024;

const tooLarge = () => new DomainError('too_large', 'リクエストが大きすぎます');

/**
 * Reads the request body as text, refusing more than `limit` bytes (413) — by Content-Length before reading, and
 * while reading for chunked bodies. On the Node server it reads the IncomingMessage directly: going through the
 * web Request (as hono/body-limit does) costs ≈150 µs per request on the verification hot path.
 */
async function readText(c: Context<AppEnv>, limit: number): Promise<string> {
  const incoming = c.env?.incoming;
  if (!incoming || incoming.readableEnded) {
    if (Number(c.req.header('content-length') ?? 'NaN') > limit) throw tooLarge();
    const text = await c.req.text();
    if (Buffer.byteLength(text) > limit) throw tooLarge();
    return text;
  }
  return readIncoming(incoming, limit);
}

/** The body of a Node request as text, at most `limit` bytes (413 past it, by Content-Length or while reading). */
export function readIncoming(incoming: IncomingMessage, limit: number = JSON_LIMIT): Promise<string> {
  if (Number(incoming.headers['content-length'] ?? 'NaN') > limit) return Promise.reject(tooLarge());
  // Plain 'data'/'end' events: an async iterator over the stream costs several promises per request.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        incoming.off('data', onData);
        incoming.resume();
        reject(tooLarge());
      }
    };
    incoming.on('data', onData);
    incoming.once('end', () => {
      if (size <= limit)
        resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    incoming.once('error', reject);
  });
}

/** The JSON body; an empty body is `{}` when `allowEmpty` (POST routes that need no input). */
export async function readJson(c: Context<AppEnv>, options: { allowEmpty?: boolean } = {}): Promise<unknown> {
  return parseJsonBody(await readText(c, JSON_LIMIT), c.req.header('content-type'), options);
}

/** A request body as JSON: 400 when empty (unless allowed), not declared as JSON, or not JSON. */
export function parseJsonBody(
  text: string,
  contentType: string | undefined,
  options: { allowEmpty?: boolean } = {},
): unknown {
  if (text.trim() === '') {
    if (options.allowEmpty) return {};
    throw new DomainError('bad_request', 'リクエスト本文（JSON）がありません');
  }
  const type = contentType ?? '';
  if (type !== 'application/json' && !/^application\/(.+\+)?json\b/i.test(type)) {
    throw new DomainError('bad_request', 'Content-Type は application/json にしてください');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DomainError('bad_request', 'リクエスト本文が正しい JSON ではありません');
  }
}

/** The message of every 500 `internal` answer (no internals: the request id says where to look in the log). */
export const INTERNAL_MESSAGE = 'システムエラーが発生しました。時間をおいて再度お試しください';

/** The §5 error body of an /api answer. */
export function apiErrorBody(
  code: ErrorCode,
  message: string,
  issues?: { path: string; message: string }[],
  requestId?: string,
): { error: { code: ErrorCode; message: string; issues?: { path: string; message: string }[]; requestId?: string } } {
  return { error: { code, message, ...(issues ? { issues } : {}), ...(requestId ? { requestId } : {}) } };
}

/** A contract number from a path; anything that does not normalise is simply not found. */
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
