// POST /api/v1/verify, the hot path of the platform: the answer as a function of the request's parts, used by the
// Hono route (api.ts) and by the Node server directly (withVerifyPath, wired in server.ts), which answers this one
// route without building web Request/Response objects or running Hono's router and middleware chain — measured at
// 20–25 % of a verification's CPU (`npm run bench -- verify`). Both paths give the same bytes, status codes, headers
// and log line (test/api/verify-node-path.test.ts).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyRequestSchema } from '../domain/requests.js';
import type { Status } from '../domain/history.js';
import { DomainError, statusFor } from '../errors.js';
import type { ServiceContext } from '../services/context.js';
import type { SuretyState } from '../services/surety-state.js';
import { parseOrThrow } from '../services/validation.js';
import { verifySurety } from '../services/verify-surety.js';
import {
  API_HEADERS,
  INTERNAL_MESSAGE,
  apiErrorBody,
  clientFrom,
  parseJsonBody,
  readIncoming,
  type Client,
} from './http.js';

export const VERIFY_PATH = '/api/v1/verify';

/** The current (latest visible) version as both the verify and the issuer answers show it. */
export const currentJson = (state: SuretyState) => ({
  seq: state.current.seq,
  event: state.current.event,
  issuedAt: state.current.issuedAt,
  certificate: state.current.certificate,
});

// An unchanged guarantee gets the same answer bytes on every verification: serialised once per verified state
// (cached by number and latest seq in surety-state.ts) and status (which changes when the period ends).
// Kept as UTF-8 bytes: a string answer would be measured and encoded again on every write.
const verifyAnswers = new WeakMap<SuretyState['versions'], Partial<Record<Status, Uint8Array<ArrayBuffer>>>>();

function verifyAnswer(state: SuretyState): Uint8Array<ArrayBuffer> {
  let byStatus = verifyAnswers.get(state.versions);
  if (!byStatus) {
    byStatus = {};
    verifyAnswers.set(state.versions, byStatus);
  }
  return (byStatus[state.status] ??= new TextEncoder().encode(
    JSON.stringify({
      contractNumber: state.contractNumber,
      status: state.status,
      current: currentJson(state),
      history: state.visible.map((v) => ({ seq: v.seq, event: v.event, issuedAt: v.issuedAt, jws: v.jws })),
      jws: state.current.jws,
    }),
  ));
}

/** The 200 answer's body for a parsed JSON body; every failure is a DomainError (§5 code and message). */
export async function answerVerification(
  ctx: ServiceContext,
  input: unknown,
  client: Client,
): Promise<Uint8Array<ArrayBuffer>> {
  const { contractNumber, authKey } = parseOrThrow(verifyRequestSchema, input);
  const result = await verifySurety(ctx, {
    contractNumber,
    authKey,
    client: client.key,
    exempt: client.exempt,
    channel: 'api',
  });
  switch (result.outcome) {
    case 'no_match':
      throw new DomainError('no_match', '保証契約番号または認証キーが正しくありません');
    case 'throttled':
      throw new DomainError('throttled', '試行回数が多すぎます。しばらくしてから再度お試しください', {
        retryAfter: result.retryAfter,
      });
    case 'tampered':
      throw new DomainError('internal', '保証データの署名を検証できませんでした。発行者にお問い合わせください');
    case 'ok':
      return verifyAnswer(result.state);
  }
}

/**
 * The server's Node request listener: exactly `POST /api/v1/verify` (no query string) is answered here, everything
 * else goes to `app` (the Hono app's listener). What the app's middleware does for this route is done here too:
 * request id, the §5 error shape, the API security headers, one log line. `release` holds each answer until the end
 * of its event-loop turn, like every other answer of the server (turn-batching.ts).
 */
export function withVerifyPath(
  ctx: ServiceContext,
  release: () => Promise<void>,
  app: (req: IncomingMessage, res: ServerResponse) => unknown,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method === 'POST' && req.url === VERIFY_PATH) void answerNode(ctx, release, req, res);
    else void app(req, res);
  };
}

async function answerNode(
  ctx: ServiceContext,
  release: () => Promise<void>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = randomUUID();
  const started = performance.now();
  let status = 200;
  let body: Uint8Array<ArrayBuffer> | string;
  let retryAfter: number | undefined;
  try {
    const input = parseJsonBody(await readIncoming(req), req.headers['content-type']);
    const forwarded = req.headers['x-forwarded-for'];
    const client = clientFrom(
      ctx,
      req.socket.remoteAddress,
      Array.isArray(forwarded) ? forwarded.join(', ') : forwarded,
    );
    body = await answerVerification(ctx, input, client);
  } catch (error) {
    if (error instanceof DomainError) {
      status = statusFor(error.code);
      retryAfter = error.retryAfter;
      body = JSON.stringify(
        apiErrorBody(error.code, error.message, error.issues, error.code === 'internal' ? requestId : undefined),
      );
    } else {
      ctx.logger.error({ requestId, err: error }, 'unhandled error');
      status = statusFor('internal');
      body = JSON.stringify(apiErrorBody('internal', INTERNAL_MESSAGE, undefined, requestId));
    }
  }
  await release();
  res.writeHead(status, {
    // Stated: headers written by writeHead() leave before end() could add it, and the answer would go chunked.
    'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
    'content-type': 'application/json',
    'x-request-id': requestId,
    ...API_HEADERS,
    ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}),
  });
  res.end(body);
  ctx.logger.info(
    { requestId, method: 'POST', route: VERIFY_PATH, status, ms: Math.round((performance.now() - started) * 10) / 10 },
    'request',
  );
}
