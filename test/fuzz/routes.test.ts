// Property-based fuzzing of every route the app serves (taken from the app itself, so new routes are covered too):
// arbitrary and hostile path parameters, query strings, headers, JSON and form bodies — unicode, huge numbers, wrong
// types, duplicated fields, invalid UTF-8, oversized and chunked bodies. Whatever comes in: no 5xx, no input
// reflected unescaped into HTML, and nothing written when the request is rejected.
// FUZZ_RUNS sets the cases per property (default 50 for CI; e.g. FUZZ_RUNS=5000 for a nightly-style run).
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { advanceBody, MISHIMA, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';

const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 50));
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const TIMEOUT = 30_000 + RUNS * 400;
const ORIGIN = 'http://localhost:3000';
const options = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };

/** Markers that must never reach HTML unescaped. */
const marker = fc.constantFrom('<x-fz>', '"><x-fz a=1>', "'><x-fz>", '</title><x-fz>', '<x-fz/onload=1>', '<!--<x-fz>');
const REFLECTED = /<x-fz/i;

const nastyString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.tuple(fc.string({ maxLength: 10 }), marker, fc.string({ maxLength: 10 })).map(([a, m, b]) => a + m + b),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '１２３４５－０００００１',
    '10001-000001',
    '10001000001',
    '../../etc/passwd',
    '%00',
    '%E0%A4%A',
    'ｱ'.repeat(33),
    '\uFEFF10001-000001',
    '\u202Eabc',
    '\uD800',
    'null',
    'NaN',
    '1e309',
    '__proto__',
    'constructor',
    '2026-02-30',
    '9999-99-99',
  ),
  fc.string({ minLength: 300, maxLength: 3000 }),
);
const nastyNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 0.5, 2 ** 63, 1e21, -1, 0),
);
const { value: nastyValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    nastyString,
    nastyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(nastyString, tie('value'), { maxKeys: 3 }),
  ),
}));
/** Numbers JSON.stringify cannot write: spliced into the text of a body. */
const rawNumber = fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '1.0', '-0', '0x10', '1_000');
const clientAddress = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  nastyString,
  fc.array(fc.ipV4(), { maxLength: 4 }).map((a) => a.join(', ')),
);

/** Percent-encodes any string, lone surrogates included (encodeURIComponent throws on those). */
const enc = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** What a header can carry: the UTF-8 bytes of the text read as Latin-1 (as on the wire), without line breaks. */
const headerValue = (s: string) =>
  Buffer.from(s, 'utf8')
    .toString('latin1')
    .replace(/[\r\n\0]/g, '');

/** Every path a valid body may hold, for mutating one field at a time. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  return [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

function mutate(body: unknown, path: string[], replacement: unknown, remove: boolean): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(body) as Record<string, unknown>;
  let cursor: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) cursor = cursor[key] as Record<string, unknown>;
  const last = path[path.length - 1] as string;
  if (remove) delete cursor[last];
  else cursor[last] = replacement;
  return copy;
}

describeEachDatabase('fuzzing every route', (kind) => {
  let env: TestEnv;
  let n: string;
  let key: string;
  let cookie: string;
  let routes: { method: string; path: string }[];
  const tables = [
    'sureties',
    'versions',
    'audit_log',
    'idempotency_keys',
    'obligees',
    'office_sequences',
    'api_tokens',
    'signing_keys',
    'meta',
    'staff_users',
    'staff_drafts',
    'mail_outbox',
    'mail_subscriptions',
    'receipt_confirmations',
  ];
  const existing: string[] = [];

  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber: n, authKey: key } = await publish(env));
    const res = await env.app.request('/verify', {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ contractNumber: n, authKey: key }).toString(),
    });
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    routes = env.app.routes.filter((r) => r.method !== 'ALL').map((r) => ({ method: r.method, path: r.path }));
    for (const table of tables) {
      try {
        await env.ctx.db
          .selectFrom(table as 'meta')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        existing.push(table);
      } catch {
        // a table another part of the platform has not added yet
      }
    }
  }, 60_000);
  afterAll(async () => env?.close());

  async function counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of existing) {
      const row = await env.ctx.db
        .selectFrom(table as 'meta')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      out[table] = Number(row.n);
    }
    return out;
  }

  /** Sends one request and checks the three promises; returns the status for property-specific checks. */
  async function check(label: string, path: string, init: RequestInit): Promise<number> {
    const before = await counts();
    const res = await env.app.request(path, init);
    const body = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const where = `${label} ${init.method ?? 'GET'} ${path.slice(0, 200)} → ${res.status}`;
    expect(res.status, `${where}\n${body.slice(0, 500)}`).toBeLessThan(500);
    if (type.startsWith('text/html')) expect(REFLECTED.test(body), `${where}: input reflected unescaped`).toBe(false);
    if (path.startsWith('/api/') && res.status >= 400) expect(type, where).toMatch(/^application\/json/);
    if (res.status >= 400) {
      const after = await counts();
      // A refused login or second factor is itself recorded (staff.*_failed): that is the only write allowed.
      const failures = await env.ctx.db
        .selectFrom('audit_log')
        .select('action')
        .orderBy('id', 'desc')
        .limit(Math.max(0, (after.audit_log ?? 0) - (before.audit_log ?? 0)))
        .execute();
      if (failures.length > 0 && failures.every((f) => /^staff\.[a-z_]+_failed$/.test(f.action))) {
        after.audit_log = before.audit_log ?? 0;
      }
      expect(after, `${where}: wrote something while rejecting`).toEqual(before);
    }
    return res.status;
  }

  const fill = (path: string, params: string[]) => {
    let i = 0;
    return path.replace(/:[A-Za-z]+/g, () => enc(params[i++ % Math.max(1, params.length)] ?? ''));
  };
  const param = fc.oneof(nastyString, fc.constantFrom('10001-000001', '1', '2', 'mishima-city', 'change'));

  it(
    'answers every route with arbitrary path parameters, query strings and client headers without a 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...routes),
          fc.array(param, { minLength: 1, maxLength: 3 }),
          fc.dictionary(nastyString, nastyString, { maxKeys: 3 }),
          clientAddress,
          fc.boolean(),
          fc.boolean(),
          async (route, params, query, xff, withToken, withCookie) => {
            const search = new URLSearchParams(query).toString();
            const path = fill(route.path, params) + (search ? `?${search}` : '');
            const headers: Record<string, string> = { 'x-forwarded-for': headerValue(xff) };
            if (withToken) headers.authorization = `Bearer ${env.token}`;
            if (withCookie) headers.cookie = cookie;
            if (route.method !== 'GET') headers.origin = ORIGIN;
            await check('path', path, { method: route.method, headers });
          },
        ),
        options,
      );
    },
    TIMEOUT,
  );

  it(
    'rejects mutated JSON bodies (wrong types, huge numbers, unicode, missing fields) on every JSON route',
    async () => {
      const valid: Record<string, unknown> = {
        'POST /api/v1/verify': { contractNumber: n, authKey: key },
        'POST /api/v1/sureties': advanceBody(),
        'PUT /api/v1/obligees/:id': MISHIMA,
        'POST /api/v1/sureties/:contractNumber/versions': {
          event: 'change',
          changes: { guaranteeAmount: 21_000_000, advanceAmount: 21_000_000, works: { name: '工事' } },
          reason: '変更',
        },
        'POST /api/v1/sureties/:contractNumber/auth-key': {},
        'PUT /api/v1/sureties/:contractNumber/contractor-email': { contractorEmail: 'keiyaku@example.jp' },
      };
      const jsonRoutes = routes.filter((r) => r.path.startsWith('/api/') && r.method !== 'GET');
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...jsonRoutes),
          fc.nat(),
          nastyValue,
          fc.boolean(),
          fc.option(rawNumber, { nil: undefined }),
          fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
          async (route, pick, replacement, remove, raw, idempotencyKey) => {
            const base = valid[`${route.method} ${route.path}`] ?? {};
            const targets = paths(base);
            const target = targets[pick % targets.length] ?? [];
            let text = JSON.stringify(mutate(base, target, raw === undefined ? replacement : '@@RAW@@', remove));
            if (raw !== undefined) text = text.replace('"@@RAW@@"', raw);
            const headers: Record<string, string> = {
              authorization: `Bearer ${env.token}`,
              'content-type': 'application/json',
              'x-forwarded-for': `198.51.100.${pick % 250}`,
            };
            if (idempotencyKey !== undefined) headers['idempotency-key'] = headerValue(idempotencyKey);
            const status = await check('json', fill(route.path, [n]), { method: route.method, headers, body: text });
            // A body that is no longer what the route needs is refused, never half-applied.
            expect(status).not.toBe(0);
          },
        ),
        options,
      );
    },
    TIMEOUT,
  );

  it(
    'copes with raw bodies: any text, invalid UTF-8, duplicated fields, odd content types, chunked or oversized',
    async () => {
      const bodyRoutes = routes.filter((r) => r.method !== 'GET');
      const duplicated = fc
        .tuple(fc.constantFrom('contractNumber', 'authKey', 'event', 'product', 'email', 'password'), nastyString)
        .map(([k, v]) => ({
          json: `{"${k}":${JSON.stringify(v)},"${k}":${JSON.stringify(n)},"authKey":"${key}","authKey":"x"}`,
          form: `${k}=${enc(v)}&${k}=${enc(n)}&authKey=${key}&authKey=x`,
        }));
      const body = fc.oneof(
        nastyString.map((s) => ({ kind: 'text', data: s as string | Uint8Array })),
        fc.uint8Array({ maxLength: 200 }).map((b) => ({ kind: 'bytes', data: b as string | Uint8Array })),
        duplicated.map((d) => ({ kind: 'duplicated json', data: d.json as string | Uint8Array })),
        duplicated.map((d) => ({ kind: 'duplicated form', data: d.form as string | Uint8Array })),
        fc.constantFrom(257 * 1024, 65 * 1024, 1024 * 1024).map((size) => ({
          kind: 'oversized',
          data: `{"contractNumber":"${'1'.repeat(size)}"}` as string | Uint8Array,
        })),
      );
      const contentType = fc.constantFrom(
        undefined,
        'application/json',
        'application/json; charset=shift_jis',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=zz',
        'text/plain',
        'application/merge-patch+json',
        '*/*',
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...bodyRoutes),
          body,
          contentType,
          fc.boolean(),
          fc.boolean(),
          async (route, { kind, data }, type, chunked, withToken) => {
            const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
            const headers: Record<string, string> = { origin: ORIGIN, 'x-forwarded-for': '203.0.113.99', cookie };
            if (type) headers['content-type'] = type;
            if (withToken) headers.authorization = `Bearer ${env.token}`;
            const init: RequestInit & { duplex?: 'half' } = { method: route.method, headers };
            if (chunked) {
              // No Content-Length: the size is only known by reading, in pieces.
              init.body = new ReadableStream<Uint8Array>({
                start(controller) {
                  for (let i = 0; i < bytes.length; i += 16 * 1024) controller.enqueue(bytes.slice(i, i + 16 * 1024));
                  controller.close();
                },
              });
              init.duplex = 'half';
            } else {
              init.body = bytes as Uint8Array<ArrayBuffer>;
            }
            const status = await check(`raw ${kind}${chunked ? ' chunked' : ''}`, fill(route.path, [n, '1']), init);
            if (kind === 'oversized' && bytes.length > 256 * 1024 && route.path.startsWith('/api/')) {
              expect([401, 413, 404, 400]).toContain(status);
            }
          },
        ),
        options,
      );
    },
    TIMEOUT,
  );

  it(
    'rejects arbitrary form fields on every form route without reflecting them unescaped',
    async () => {
      const formRoutes = routes.filter((r) => !r.path.startsWith('/api/') && r.method === 'POST');
      const field = fc.constantFrom(
        'contractNumber',
        'authKey',
        'email',
        'password',
        'code',
        'token',
        'department',
        'officerName',
        'seq',
        'lang',
        'event',
        'reason',
        '_csrf',
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...formRoutes),
          fc.array(fc.tuple(fc.oneof(field, nastyString), nastyString), { maxLength: 6 }),
          fc.boolean(),
          async (route, fields, multipart) => {
            const headers: Record<string, string> = { origin: ORIGIN, 'x-forwarded-for': '192.0.2.77', cookie };
            let body: BodyInit;
            if (multipart) {
              const form = new FormData();
              for (const [k, v] of fields) form.append(k, v);
              body = form;
            } else {
              headers['content-type'] = 'application/x-www-form-urlencoded';
              body = new URLSearchParams(fields).toString();
            }
            await check('form', fill(route.path, [n, '1']), { method: 'POST', headers, body });
          },
        ),
        options,
      );
    },
    TIMEOUT,
  );
});
