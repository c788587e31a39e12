// /api/v1: the public verification endpoint and the issuer API (bearer tokens). Thin: parse → service → JSON.
import { OpenAPIHono } from '@hono/zod-openapi';
import { DomainError } from '../errors.js';
import { apiDocument } from '../openapi.js';
import { authenticateApiToken } from '../services/api-tokens.js';
import type { ServiceContext } from '../services/context.js';
import { getContractorContact, getSurety } from '../services/get-surety.js';
import { listAcceptingObligees, putObligee } from '../services/obligees.js';
import { publishSurety } from '../services/publish-surety.js';
import { publishVersion } from '../services/publish-version.js';
import { listOutbox, outboxQuerySchema, retryMail } from '../services/outbox-admin.js';
import { reissueAuthKey } from '../services/reissue-auth-key.js';
import { verificationReceiptSummary } from '../services/issue-verification-receipt.js';
import { renderNoticePdf } from '../services/render-notice.js';
import { signedPdfOf } from '../services/signed-pdfs.js';
import type { SuretyState } from '../services/surety-state.js';
import { parseOrThrow } from '../services/validation.js';
import { verifySurety } from '../services/verify-surety.js';
import { bulkVerifyRequestSchema, verifyRequestSchema } from '../domain/requests.js';
import type { Finding } from '../domain/findings.js';
import { checkFindings } from '../services/check-findings.js';
import { verifyBulk } from '../services/verify-bulk.js';
import type { Status } from '../domain/history.js';
import { contractorEmailRoutes } from './api-contractor-email.js';
import {
  REQUEST_SCHEMAS,
  authKeyRoute,
  noticeRoute,
  obligeesRoute,
  logEntryVersionRoute,
  outboxRoute,
  publishRoute,
  putObligeeRoute,
  retryRoute,
  signedPdfRoute,
  suretyRoute,
  verificationsRoute,
  verifyRoute,
  versionsRoute,
} from './api-routes.js';
import { scoped } from './api-scope-guard.js';
import { logNumber, versionLogEvidence, type LogEvidence } from '../services/log-answers.js';
import { logEntryVersion } from '../services/log-entry-version.js';
import { fresh } from './api-schemas.js';
import { attachment } from './documents.js';
import { pathContractNumber, readJson, versionSeq, type AppEnv } from './http.js';
import { obligeeApiRoutes } from './obligee-api.js';
import { throttleClientOf } from './throttle-client.js';

/** The current (latest visible) version as both the verify and the issuer answers show it. */
export const currentJson = (state: SuretyState) => ({
  seq: state.current.seq,
  event: state.current.event,
  issuedAt: state.current.issuedAt,
  certificate: state.current.certificate,
});

// An unchanged guarantee gets the same answer bytes on every verification: serialised once per verified state
// (cached by number and latest seq in surety-state.ts) and status (which changes when the period ends).
// Kept as UTF-8 bytes: a string answer would be measured and encoded again on every write. The findings (DESIGN §11)
// close the object: without any, the cached bytes are the whole answer; with some, they follow the cached head.
const verifyAnswers = new WeakMap<
  SuretyState['versions'],
  Partial<Record<Status, { head: Uint8Array<ArrayBuffer>; whole: Uint8Array<ArrayBuffer> }>>
>();
const encoder = new TextEncoder();

function verifyAnswer(
  state: SuretyState,
  log: LogEvidence | null,
  findings: readonly Finding[],
): Uint8Array<ArrayBuffer> {
  const build = () => {
    const json = JSON.stringify({
      contractNumber: state.contractNumber,
      status: state.status,
      current: currentJson(state),
      history: state.visible.map((v) => ({ seq: v.seq, event: v.event, issuedAt: v.issuedAt, jws: v.jws })),
      jws: state.current.jws,
      log,
    });
    const head = json.slice(0, -1);
    return { head: encoder.encode(head), whole: encoder.encode(`${head},"findings":[]}`) };
  };
  let byStatus = verifyAnswers.get(state.versions);
  if (!byStatus) {
    byStatus = {};
    verifyAnswers.set(state.versions, byStatus);
  }
  // `log: null` lasts the seconds before a checkpoint covers the version: only the final answer is kept.
  const cached = log === null ? build() : (byStatus[state.status] ??= build());
  if (findings.length === 0) return cached.whole;
  const tail = encoder.encode(`,"findings":${JSON.stringify(findings)}}`);
  const out = new Uint8Array(cached.head.length + tail.length);
  out.set(cached.head);
  out.set(tail, cached.head.length);
  return out;
}

const JSON_TYPE = { 'content-type': 'application/json' } as const;

/** The Idempotency-Key header of a publishing request, checked the same way on every route that honours it. */
function idempotencyKeyOf(c: { req: { header(name: string): string | undefined } }): string | undefined {
  const key = c.req.header('idempotency-key');
  if (key !== undefined && (key.length === 0 || key.length > 200)) {
    throw new DomainError('bad_request', 'Idempotency-Key は1〜200文字にしてください');
  }
  return key;
}

/**
 * All of /api/v1: the public API first, so that the issuer API's token check never runs for its routes; then the
 * obligee API (its token check only under /watch); the issuer API last.
 */
export function apiRoutes(ctx: ServiceContext): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>()
    .route('/', publicApiRoutes(ctx))
    .route('/', obligeeApiRoutes(ctx))
    .route('/', issuerApiRoutes(ctx));
}

/** The public API (no account): verification, the obligee list, and the OpenAPI document of all of /api/v1. */
export function publicApiRoutes(ctx: ServiceContext): OpenAPIHono<AppEnv> {
  const api = new OpenAPIHono<AppEnv>();
  api.openAPIRegistry.register('VerifyRequest', fresh(REQUEST_SCHEMAS.VerifyRequest));
  api.openAPIRegistry.register('BulkVerifyRequest', fresh(REQUEST_SCHEMAS.BulkVerifyRequest));
  // Generated once, from the definitions both sub-apps register as they define their routes (the issuer API is built
  // a second time for its registry alone: building it does no I/O).
  let document: ReturnType<typeof apiDocument> | undefined;
  api.get('/openapi.json', (c) =>
    c.json((document ??= apiDocument(ctx.config.publicUrl, [api, obligeeApiRoutes(ctx), issuerApiRoutes(ctx)]))),
  );

  api.post('/verify', async (c) => {
    const { contractNumber, authKey, expect } = parseOrThrow(verifyRequestSchema, await readJson(c));
    const client = await throttleClientOf(ctx, c);
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
      case 'ok': {
        const { state } = result;
        const findings = await checkFindings(ctx, state.current.certificate, expect);
        const log = await versionLogEvidence(ctx, state.contractNumber, state.current.seq, state.current.jws);
        return c.body(verifyAnswer(state, log, findings), 200, JSON_TYPE);
      }
    }
  });

  api.openapi(verificationsRoute, async (c) => {
    const { items } = parseOrThrow(bulkVerifyRequestSchema, await readJson(c));
    // With an obligee token the per-client budget is the token's own (DESIGN §11), as for a single verification.
    const client = await throttleClientOf(ctx, c);
    const answer = await verifyBulk(ctx, items, { client: client.key, exempt: client.exempt, channel: 'api' });
    if (answer.throttled) {
      throw new DomainError('throttled', '試行回数が多すぎます。しばらくしてから再度お試しください', {
        retryAfter: answer.retryAfter,
      });
    }
    const results = answer.results.map((r) =>
      r.outcome === 'ok'
        ? {
            contractNumber: r.contractNumber,
            outcome: r.outcome,
            status: r.state.status,
            current: currentJson(r.state),
            findings: r.findings,
          }
        : { contractNumber: r.contractNumber, outcome: r.outcome },
    );
    c.header('Cache-Control', 'no-store');
    return c.json({ results }, 200);
  });

  // Described without api.openapi(): its handler answers prebuilt bytes the compiler cannot see, so the documented
  // shape is checked at run time instead (test/platform/openapi.test.ts) and by the types of currentJson.
  api.openAPIRegistry.registerPath(verifyRoute);

  api.openapi(obligeesRoute, async (c) => c.json({ obligees: await listAcceptingObligees(ctx) }, 200));

  return api;
}

/** The issuer API: every route needs an issuer API token (`Authorization: Bearer <token>`). */
export function issuerApiRoutes(ctx: ServiceContext): OpenAPIHono<AppEnv> {
  const api = new OpenAPIHono<AppEnv>();
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  for (const name of ['ObligeeRequest', 'PublishRequest', 'VersionRequest', 'ContractorEmailRequest'] as const) {
    api.openAPIRegistry.register(name, fresh(REQUEST_SCHEMAS[name]));
  }

  // On '*', as before the split: an unknown /api/v1 path answers 401 without a token, 404 with one.
  api.use('*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const actor = match?.[1] ? await authenticateApiToken(ctx, match[1]) : null;
    if (!actor) {
      c.header('WWW-Authenticate', 'Bearer realm="esurety"');
      throw new DomainError('unauthorized', 'API トークンが必要です（Authorization: Bearer <token>）');
    }
    c.set('actor', actor);
    await next();
  });

  api.openapi(scoped(putObligeeRoute), async (c) =>
    c.json(await putObligee(ctx, c.get('actor'), c.req.param('id'), await readJson(c)), 200),
  );

  api.openapi(scoped(publishRoute), async (c) => {
    const result = await publishSurety(ctx, c.get('actor'), await readJson(c), idempotencyKeyOf(c));
    c.header('Cache-Control', 'no-store');
    return c.json(result, 201);
  });

  api.openapi(scoped(suretyRoute), async (c) => {
    const state = await getSurety(ctx, pathContractNumber(c.req.param('contractNumber')));
    return c.json(
      {
        contractNumber: state.contractNumber,
        status: state.status,
        current: currentJson(state),
        versions: state.versions.map((v) => ({
          seq: v.seq,
          event: v.event,
          target: v.target,
          issuedAt: v.issuedAt,
          hidden: v.hidden,
          jws: v.jws,
        })),
        // That officers asked for verification receipts (確認証跡), and when — never who.
        verificationReceipts: await verificationReceiptSummary(ctx, state.contractNumber),
        contractorContact: await getContractorContact(ctx, state.contractNumber),
      },
      200,
    );
  });

  // The key notice PDF (it carries the key: never cached; every print is audited).
  api.openapi(scoped(noticeRoute), async (c) => {
    const file = await renderNoticePdf(ctx, c.get('actor'), pathContractNumber(c.req.param('contractNumber')));
    return c.body(file.pdf as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': attachment(file),
      'Cache-Control': 'no-store',
    });
  });

  api.openapi(scoped(signedPdfRoute), async (c) => {
    const state = await getSurety(ctx, pathContractNumber(c.req.param('contractNumber')));
    const file = await signedPdfOf(ctx, state, versionSeq(c.req.param('seq')), 'issuer');
    return c.body(file.pdf as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': attachment(file),
      'Cache-Control': 'no-store',
    });
  });

  // The body goes to the service unvalidated: §3's history rules must answer before any field validation.
  api.openapi(scoped(versionsRoute), async (c) => {
    const version = await publishVersion(
      ctx,
      c.get('actor'),
      pathContractNumber(c.req.param('contractNumber')),
      await readJson(c),
      idempotencyKeyOf(c),
    );
    return c.json({ version }, 201);
  });

  api.openapi(scoped(authKeyRoute), async (c) => {
    await readJson(c, { allowEmpty: true });
    const result = await reissueAuthKey(ctx, c.get('actor'), pathContractNumber(c.req.param('contractNumber')));
    c.header('Cache-Control', 'no-store');
    return c.json(result, 200);
  });

  api.route('/sureties', contractorEmailRoutes(ctx));

  // The mail outbox for issuer staff (the staff portal's mail screen uses the same services).
  api.openapi(scoped(logEntryVersionRoute), async (c) =>
    c.json(await logEntryVersion(ctx, logNumber('index', c.req.param('index'))), 200),
  );

  api.openapi(scoped(outboxRoute), async (c) => {
    const input = parseOrThrow(outboxQuerySchema, { state: c.req.query('state'), limit: c.req.query('limit') });
    c.header('Cache-Control', 'no-store');
    return c.json(await listOutbox(ctx, c.get('actor'), input), 200);
  });

  api.openapi(scoped(retryRoute), async (c) => {
    await readJson(c, { allowEmpty: true });
    return c.json({ mail: await retryMail(ctx, c.get('actor'), c.req.param('id')) }, 200);
  });

  return api;
}
