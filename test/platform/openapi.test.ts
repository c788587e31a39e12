// The OpenAPI document describes every /api/v1 route the app serves, and the app answers what the document says.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { API_SCOPES } from '../../src/domain/api-scopes.js';
import { createObligeeToken } from '../../src/services/obligee-tokens.js';
import { advanceBody, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type ApiResponse, type TestEnv } from '../support/harness.js';
import { schemaErrors } from '../support/json-schema.js';

type Json = Record<string, unknown>;
interface Operation {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean }[];
  responses: Record<string, { description?: string; content?: Record<string, { schema: Json }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }>; securitySchemes: Json };
}

describeEachDatabase('OpenAPI document', (kind) => {
  let env: TestEnv;
  let doc: Document;
  beforeEach(async () => {
    env = await setup(kind);
    doc = (await (await env.app.request('/api/v1/openapi.json')).json()) as Document;
  });
  afterEach(async () => env.close());

  /** The documented response for this answer's status, its media type and, for JSON, its schema. */
  function expectDocumented(method: string, template: string, res: ApiResponse): void {
    const operation = doc.paths[template]?.[method];
    expect(operation, `${method} ${template} is not documented`).toBeDefined();
    const response = operation!.responses[String(res.status)];
    expect(response, `${method} ${template} answered ${res.status} (${res.text.slice(0, 200)})`).toBeDefined();
    const media = res.headers.get('content-type')?.split(';')[0] ?? '';
    expect(Object.keys(response!.content ?? {})).toContain(media);
    if (media === 'application/json') {
      expect(schemaErrors(doc as unknown as Json, response!.content![media]!.schema, res.json)).toEqual([]);
    }
  }
  const publicCall = (method: string, url: string, body?: unknown) => env.api(method, url, body, { authorization: '' });

  it('lists every /api/v1 route with the request schemas used for validation', async () => {
    const served = env.app.routes
      .filter((r) => r.path.startsWith('/api/v1/') && r.method !== 'ALL' && r.path !== '/api/v1/openapi.json')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace('/api/v1', '').replace(/:(\w+)/g, '{$1}')}`);
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(new Set(served)).toEqual(new Set(documented));
    expect(Object.keys(doc.components.schemas.PublishRequest?.properties ?? {})).toEqual(
      expect.arrayContaining(['product', 'obligeeId', 'contractNumber', 'contractorEmail', 'guaranteeAmount', 'works']),
    );
  });

  it('is an OpenAPI 3.1 document whose references resolve, with the bearer scheme on exactly the issuer routes', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes).toEqual({
      bearer: { type: 'http', scheme: 'bearer' },
      obligeeBearer: { type: 'http', scheme: 'bearer', description: expect.any(String) },
    });
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) {
      const target = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, part) => (node as Json | undefined)?.[part], doc);
      expect(target, ref).toBeDefined();
    }
    const publicOperations = ['post /verify', 'post /verifications', 'get /obligees'];
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const name = `${method} ${template}`;
        // Each issuer route names the one token scope it needs (issue 14); public routes name none.
        if (publicOperations.includes(name)) expect(operation.security, name).toBeUndefined();
        // The obligee API (DESIGN §11) takes an obligee organisation's token, never an issuer token.
        else if (template.startsWith('/watch')) expect(operation.security, name).toEqual([{ obligeeBearer: [] }]);
        else expect(operation.security, name).toEqual([{ bearer: [expect.toBeOneOf([...API_SCOPES])] }]);
        const declared = (operation.parameters ?? []).filter((p) => p.in === 'path' && p.required).map((p) => p.name);
        expect(declared.sort(), name).toEqual([...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort());
        for (const [status, response] of Object.entries(operation.responses)) {
          expect(response.description, `${name} ${status}`).toBeTruthy();
          for (const media of Object.values(response.content ?? {}))
            expect(media.schema, `${name} ${status}`).toBeTruthy();
        }
      }
    }
  });

  it('documents the real answers of every route, successes and §5 errors alike (drift fails here)', async () => {
    const put = await env.api('PUT', '/api/v1/obligees/mishima-city', {
      name: '三島市',
      title: '三島市長',
      rules: [{ products: ['advance_payment', 'contract'], basis: 'contract_date', effectiveFrom: '2026-01-01' }],
    });
    expectDocumented('put', '/obligees/{id}', put);
    expectDocumented('get', '/obligees', await publicCall('GET', '/api/v1/obligees'));

    const published = await env.api(
      'POST',
      '/api/v1/sureties',
      advanceBody({ contractorEmail: 'keiri@fujimi.example' }),
    );
    expect(published.status).toBe(201);
    expectDocumented('post', '/sureties', published);
    const n = published.json.contractNumber as string;

    const change = { event: 'change', changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 } };
    const changed = await env.api('POST', `/api/v1/sureties/${n}/versions`, { ...change, reason: '増額' });
    expect(changed.status).toBe(201);
    expectDocumented('post', '/sureties/{contractNumber}/versions', changed);
    const corrected = await env.api('POST', `/api/v1/sureties/${n}/versions`, {
      event: 'correction',
      target: 2,
      changes: { depositBank: '静岡中央銀行 本店' },
    });
    expectDocumented('post', '/sureties/{contractNumber}/versions', corrected);
    const surety = await env.api('GET', `/api/v1/sureties/${n}`);
    expect(surety.json.versions.map((v: { hidden: boolean }) => v.hidden)).toEqual([false, true, false]);
    expectDocumented('get', '/sureties/{contractNumber}', surety);

    const verified = await publicCall('POST', '/api/v1/verify', { contractNumber: n, authKey: published.json.authKey });
    expect(verified.status).toBe(200);
    expectDocumented('post', '/verify', verified);

    const reissued = await env.api('POST', `/api/v1/sureties/${n}/auth-key`);
    expect(reissued.status).toBe(200);
    expectDocumented('post', '/sureties/{contractNumber}/auth-key', reissued);
    const email = await env.api('PUT', `/api/v1/sureties/${n}/contractor-email`, { contractorEmail: null });
    expect(email.status).toBe(200);
    expectDocumented('put', '/sureties/{contractNumber}/contractor-email', email);

    const outbox = await env.api('GET', '/api/v1/outbox');
    expect(outbox.json.mails.length).toBeGreaterThan(0);
    expectDocumented('get', '/outbox', outbox);
    const retried = await env.api('POST', `/api/v1/outbox/${outbox.json.mails[0].id}/retry`);
    expect(retried.status).toBe(200);
    expectDocumented('post', '/outbox/{id}/retry', retried);

    const notice = await env.api('GET', `/api/v1/sureties/${n}/notice.pdf`);
    expect(notice.status).toBe(200);
    expectDocumented('get', '/sureties/{contractNumber}/notice.pdf', notice);

    // The error answers, each in the §5 shape its route documents.
    const errors: [string, string, ApiResponse, number][] = [
      ['get', '/sureties/{contractNumber}', await publicCall('GET', `/api/v1/sureties/${n}`), 401],
      ['get', '/sureties/{contractNumber}', await env.api('GET', '/api/v1/sureties/99999-999999'), 404],
      ['post', '/sureties', await env.api('POST', '/api/v1/sureties', '{"product":'), 400],
      ['post', '/sureties', await env.api('POST', '/api/v1/sureties', 'x'.repeat(300 * 1024)), 413],
      ['post', '/sureties', await env.api('POST', '/api/v1/sureties', advanceBody({ contractNumber: n })), 409],
      ['post', '/sureties', await env.api('POST', '/api/v1/sureties', advanceBody({ guaranteeAmount: '2千万' })), 422],
      [
        'post',
        '/sureties/{contractNumber}/versions',
        await env.api('POST', `/api/v1/sureties/${n}/versions`, { event: 'issue' }),
        422,
      ],
      ['post', '/verify', await publicCall('POST', '/api/v1/verify', { contractNumber: n, authKey: 'x' }), 401],
      ['get', '/outbox', await env.api('GET', '/api/v1/outbox?state=lost'), 422],
      ['put', '/obligees/{id}', await env.api('PUT', '/api/v1/obligees/Mishima', {}), 422],
    ];
    for (const [method, template, res, status] of errors) {
      expect(res.status, `${method} ${template}: ${res.text}`).toBe(status);
      expectDocumented(method, template, res);
    }
    expect(errors[5]![2].json.error.issues).toEqual([{ path: 'guaranteeAmount', message: expect.any(String) }]);
  });

  it('documents the obligee API’s real answers (DESIGN §11)', async () => {
    await registerMishima(env);
    const published = await env.api('POST', '/api/v1/sureties', advanceBody());
    const n = published.json.contractNumber as string;
    const { token } = await createObligeeToken(
      env.ctx,
      { type: 'cli', id: 'test' },
      { obligeeId: 'mishima-city', name: 't' },
    );
    const as = (method: string, url: string, body?: unknown) =>
      env.api(method, url, body, { authorization: `Bearer ${token}` });
    const calls: [string, string, ApiResponse, number][] = [
      ['put', '/watch/{contractNumber}', await as('PUT', `/api/v1/watch/${n}`, { authKey: 'ABCDEFGHJKMN' }), 401],
      [
        'put',
        '/watch/{contractNumber}',
        await as('PUT', `/api/v1/watch/${n}`, { authKey: published.json.authKey }),
        201,
      ],
      [
        'put',
        '/watch/{contractNumber}',
        await as('PUT', `/api/v1/watch/${n}`, { authKey: published.json.authKey }),
        200,
      ],
      ['put', '/watch/{contractNumber}', await as('PUT', `/api/v1/watch/${n}`, {}), 422],
      ['get', '/watch', await as('GET', '/api/v1/watch'), 200],
      ['get', '/watch', await publicCall('GET', '/api/v1/watch'), 401],
    ];
    await env.api('POST', `/api/v1/sureties/${n}/versions`, {
      event: 'change',
      changes: { contractAmount: 51_000_000 },
    });
    await env.api('POST', `/api/v1/sureties/${n}/auth-key`);
    const events = await as('GET', '/api/v1/watch/events');
    expect(events.json.events.map((e: { event: string }) => e.event)).toEqual(['change', 'key_reissued']);
    calls.push(['get', '/watch/events', events, 200]);
    calls.push(['get', '/watch/events', await as('GET', '/api/v1/watch/events?after=x'), 422]);
    calls.push(['delete', '/watch/{contractNumber}', await as('DELETE', '/api/v1/watch/99999-999999'), 404]);
    for (const [method, template, res, status] of calls) {
      expect(res.status, `${method} ${template}: ${res.text}`).toBe(status);
      expectDocumented(method, template, res);
    }
    const removed = await as('DELETE', `/api/v1/watch/${n}`);
    expect(removed.status).toBe(204);
    expect(doc.paths['/watch/{contractNumber}']!.delete!.responses['204']).toBeDefined();
  });

  it('catches an answer that drifts from its schema: a missing, a mistyped or an undocumented field', async () => {
    await registerMishima(env);
    const res = await env.api('POST', '/api/v1/sureties', advanceBody());
    const schema = doc.paths['/sureties']!.post!.responses['201']!.content!['application/json']!.schema;
    const errorsOf = (body: unknown) => schemaErrors(doc as unknown as Json, schema, body);
    expect(errorsOf(res.json)).toEqual([]);
    const { jws: _jws, ...versionWithoutJws } = res.json.version;
    expect(errorsOf({ ...res.json, version: versionWithoutJws })).toEqual(['$.version: missing "jws"']);
    expect(errorsOf({ ...res.json, authKey: 12 })).toEqual(['$.authKey: expected string, got integer']);
    expect(errorsOf({ ...res.json, notes: [] })).toEqual(['$: undocumented property "notes"']);
    expect(errorsOf({ ...res.json, version: { ...res.json.version, event: 'change' } })).toHaveLength(1);
    const error = doc.paths['/sureties']!.post!.responses['409']!.content!['application/json']!.schema;
    expect(schemaErrors(doc as unknown as Json, error, { error: { code: 'teapot', message: '…' } })).toHaveLength(1);
  });
});
