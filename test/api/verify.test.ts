// Verification by number + key: the answer, uniform failures, throttling (§7), access records and tampering — through
// app.request() and over HTTP on the listening server src/server.ts runs (status, §5 bodies, headers, log lines).
import { afterEach, beforeEach, expect, it } from 'vitest';
import { addVersion, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, listen, setup, type Listening, type TestEnv } from '../support/harness.js';
import { memoryLogger } from '../../src/logger.js';
import { listAccessEvents, listAlerts } from '../../src/repositories/activity.js';

describeEachDatabase('verifying number + key', (kind) => {
  let env: TestEnv;
  let n: string;
  let key: string;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber: n, authKey: key } = await publish(env));
  });
  afterEach(async () => env.close());

  const verify = (contractNumber: string, authKey: string, client = '203.0.113.10') =>
    env.api('POST', '/api/v1/verify', { contractNumber, authKey }, { authorization: '', 'x-forwarded-for': client });

  it('answers the current certificate, status and visible history, each with its JWS', async () => {
    await addVersion(env, n, { event: 'change', changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 } });
    await addVersion(env, n, { event: 'correction', target: 2, changes: { depositBank: '静岡中央銀行 本店' } });
    const res = await verify(n, key);
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual([
      'contractNumber',
      'current',
      'findings',
      'history',
      'jws',
      'log',
      'status',
    ]);
    expect(res.json).toMatchObject({ contractNumber: n, status: 'active', current: { seq: 3, event: 'correction' } });
    expect(res.json.current.certificate.depositBank).toBe('静岡中央銀行 本店');
    expect(res.json.history.map((h: { seq: number }) => h.seq)).toEqual([1, 3]);
    expect(res.json.jws).toBe(res.json.history[1].jws);
  });

  it('turns the status to 保証期間満了 at midnight JST after the last day, though the answer is cached', async () => {
    // The fixture's guarantee period ends 2027-04-30 (JST).
    const statusAt = async (instant: string) => {
      env.setNow(instant);
      const res = await verify(n, key);
      expect(res.status).toBe(200);
      return res.json.status as string;
    };
    expect(await statusAt('2027-04-30T14:59:59Z')).toBe('active'); // 23:59:59 JST on the last day
    expect(await statusAt('2027-04-30T14:59:59Z')).toBe('active'); // the same answer again (cached)
    expect(await statusAt('2027-04-30T15:00:00Z')).toBe('expired'); // 00:00 JST the next day
    expect(await statusAt('2027-05-01T03:00:00Z')).toBe('expired');
    // A clock set back (tests, or a corrected server clock) is answered for its own day, not from the cache.
    expect(await statusAt('2027-04-30T03:00:00Z')).toBe('active');
  });

  it('accepts full-width digits, dash variants and spaces in the number, and spaces or hyphens in the key', async () => {
    const wide = n.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))).replace('-', 'ー');
    const spacedKey = `${key.slice(0, 4)} ${key.slice(4, 8)}-${key.slice(8)}`;
    expect((await verify(` ${wide} `, spacedKey)).status).toBe(200);
    expect((await verify(n.replace('-', ''), key)).status).toBe(200);
  });

  it('gives one uniform answer for an unknown number, a wrong key and a reissued key', async () => {
    const unknown = await verify('99999-999999', key, '203.0.113.1');
    const wrong = await verify(n, key.slice(0, 11) + (key.endsWith('A') ? 'B' : 'A'), '203.0.113.2');
    const reissued = await env.api('POST', `/api/v1/sureties/${n}/auth-key`);
    const old = await verify(n, key, '203.0.113.3');
    for (const res of [unknown, wrong, old]) {
      expect(res.status).toBe(401);
      expect(res.json).toEqual(unknown.json);
    }
    expect(unknown.json.error.code).toBe('no_match');
    expect((await verify(n, reissued.json.authKey, '203.0.113.4')).status).toBe(200);
  });

  it('never echoes the key in an error, and rejects over-long input before any lookup', async () => {
    const res = await verify(n, 'WRONGKEY2345');
    expect(res.text).not.toContain('WRONGKEY2345');
    const long = await verify('1'.repeat(33), key);
    expect(long.status).toBe(422);
    expect(long.text).not.toContain(key);
  });

  it('throttles a (number, client) pair after 5 failures for an hour, without locking out other clients', async () => {
    for (let i = 0; i < 5; i++) expect((await verify(n, 'zzzzzzzzzzzz', '198.51.100.66')).status).toBe(401);
    const blocked = await verify(n, key, '198.51.100.66');
    expect(blocked.status).toBe(429);
    expect(blocked.json.error.code).toBe('throttled');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(3000);
    // A real officer elsewhere is never locked out of the real certificate.
    expect((await verify(n, key, '192.0.2.44')).status).toBe(200);
    // Another number from the same client still works.
    const other = await publish(env);
    expect((await verify(other.contractNumber, other.authKey, '198.51.100.66')).status).toBe(200);
    env.setNow('2026-11-24T02:00:01.000Z');
    expect((await verify(n, key, '198.51.100.66')).status).toBe(200);
  });

  it('throttles a client after 30 failures in 10 minutes, counting unknown numbers like real ones', async () => {
    for (let i = 0; i < 30; i++) {
      const res = await verify(`10001-${String(100 + i).padStart(6, '0')}`, 'zzzzzzzzzzzz', '198.51.100.77');
      expect(res.status).toBe(401);
    }
    expect((await verify(n, key, '198.51.100.77')).status).toBe(429);
    expect((await verify(n, key, '198.51.100.78')).status).toBe(200);
    env.setNow('2026-11-24T01:10:01.000Z');
    expect((await verify(n, key, '198.51.100.77')).status).toBe(200);
  });

  it('treats an IPv6 /64 as one client', async () => {
    for (let i = 0; i < 5; i++) await verify(n, 'zzzzzzzzzzzz', `2001:db8:1:2::${i + 1}`);
    expect((await verify(n, key, '2001:db8:1:2:ffff::9')).status).toBe(429);
    expect((await verify(n, key, '2001:db8:1:3::1')).status).toBe(200);
  });

  it('lets parallel failures through exactly up to the limit (atomic check-and-consume)', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => verify(n, 'zzzzzzzzzzzz', '198.51.100.99')));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
  });

  it('records every attempt without the key, batched, and raises an alert for a number attacked from many clients', async () => {
    await verify(n, key);
    await verify(n, 'zzzzzzzzzzzz');
    await verify('99999-999999', key);
    await env.ctx.recorder.flush();
    const events = await listAccessEvents(env.ctx.db);
    expect(events.map((e) => [e.kind, e.outcome, e.contract_number])).toEqual([
      ['verify', 'ok', n],
      ['verify', 'no_match', n],
      ['verify', 'no_match', '99999-999999'],
    ]);
    expect(JSON.stringify(events)).not.toContain(key);
    const threshold = env.config.throttle.numberAlertThreshold;
    for (let i = 0; i < threshold; i++) await verify(n, 'zzzzzzzzzzzz', `10.${Math.floor(i / 250)}.${i % 250}.1`);
    const alerts = await listAlerts(env.ctx.db);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'many_failures', contract_number: n });
  });

  it('writes nothing to the database during a successful verification (records wait for the batch)', async () => {
    await env.ctx.recorder.flush();
    const before = (await listAccessEvents(env.ctx.db)).length;
    expect((await verify(n, key)).status).toBe(200);
    expect((await listAccessEvents(env.ctx.db)).length).toBe(before);
    const counters = await env.ctx.db.selectFrom('throttle_counters').selectAll().execute();
    expect(counters).toHaveLength(0);
    await env.ctx.recorder.flush();
    expect((await listAccessEvents(env.ctx.db)).length).toBe(before + 1);
  });

  it('fails visibly when one stored byte of a signed version is edited', async () => {
    const row = await env.ctx.db
      .selectFrom('versions')
      .select('jws')
      .where('contract_number', '=', n)
      .executeTakeFirstOrThrow();
    const [h, p, s] = row.jws.split('.') as [string, string, string];
    const payload = Buffer.from(p, 'base64url').toString('utf8').replace('20000000', '90000000');
    const tampered = `${h}.${Buffer.from(payload).toString('base64url')}.${s}`;
    await env.ctx.db.updateTable('versions').set({ jws: tampered }).where('contract_number', '=', n).execute();
    const res = await verify(n, key);
    expect(res.status).toBe(500);
    expect(res.json.error.code).toBe('internal');
    expect(res.text).not.toContain('90000000');
    const issuer = await env.api('GET', `/api/v1/sureties/${n}`);
    expect(issuer.status).toBe(500);
    const change = await addVersion(env, n, { event: 'cancellation' });
    expect(change.status).toBe(500);
  });

  it('detects a signature byte flipped in place', async () => {
    const row = await env.ctx.db
      .selectFrom('versions')
      .select('jws')
      .where('contract_number', '=', n)
      .executeTakeFirstOrThrow();
    const i = row.jws.length - 5;
    const flipped = row.jws.slice(0, i) + (row.jws[i] === 'A' ? 'B' : 'A') + row.jws.slice(i + 1);
    await env.ctx.db.updateTable('versions').set({ jws: flipped }).where('contract_number', '=', n).execute();
    expect((await verify(n, key)).status).toBe(500);
  });

  it('detects a version moved to another guarantee', async () => {
    const other = await publish(env);
    const row = await env.ctx.db
      .selectFrom('versions')
      .select('jws')
      .where('contract_number', '=', other.contractNumber)
      .executeTakeFirstOrThrow();
    await env.ctx.db.updateTable('versions').set({ jws: row.jws }).where('contract_number', '=', n).execute();
    expect((await verify(n, key)).status).toBe(500);
  });
});

describeEachDatabase('throttle exemption', (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await setup(kind, { env: { ESURETY_THROTTLE_EXEMPT: '203.0.113.0/24' } });
    await registerMishima(env);
  });
  afterEach(async () => env.close());

  it('never throttles an exempt shared egress per client, but still limits guesses at one number', async () => {
    const { contractNumber, authKey } = await publish(env);
    const verify = (n: string, k: string, client: string) =>
      env.api(
        'POST',
        '/api/v1/verify',
        { contractNumber: n, authKey: k },
        { authorization: '', 'x-forwarded-for': client },
      );
    for (let i = 0; i < 40; i++) {
      expect((await verify(`10001-${String(500 + i).padStart(6, '0')}`, 'zzzzzzzzzzzz', '203.0.113.5')).status).toBe(
        401,
      );
    }
    expect((await verify(contractNumber, authKey, '203.0.113.5')).status).toBe(200);
    for (let i = 0; i < 5; i++) await verify(contractNumber, 'zzzzzzzzzzzz', '203.0.113.5');
    expect((await verify(contractNumber, authKey, '203.0.113.5')).status).toBe(429);
  });
});

describeEachDatabase('POST /api/v1/verify over HTTP', (kind) => {
  let env: TestEnv;
  let server: Listening;
  let logger: ReturnType<typeof memoryLogger>;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    logger = memoryLogger();
    server = await listen({ ...env.ctx, logger });
  });
  afterEach(async () => {
    await server.close();
    await env.close();
  });

  // Every /api answer carries these and its own Content-Type (plus Retry-After when throttled), nothing else.
  const jsonHeaders = {
    'content-type': 'application/json',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    'cross-origin-resource-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': 'max-age=15552000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
  };

  async function send(body: string, headers: Record<string, string>) {
    const res = await fetch(`${server.url}/api/v1/verify`, { method: 'POST', headers, body });
    const sent = { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
    expect(sent.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(sent.headers['content-length'])).toBe(Buffer.byteLength(sent.body));
    // What differs from answer to answer (the request id, the date) and the connection's own headers.
    for (const name of ['x-request-id', 'date', 'connection', 'keep-alive', 'content-length'])
      delete sent.headers[name];
    return sent;
  }

  it('answers every kind of request with its status, its §5 error and the JSON headers', async () => {
    const { contractNumber: n, authKey: key } = await publish(env);
    const json = { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.30' };
    const noMatch = { code: 'no_match', message: '保証契約番号または認証キーが正しくありません' };
    const cases: [string, string, Record<string, string>, number, Record<string, unknown> | null][] = [
      ['valid', JSON.stringify({ contractNumber: n, authKey: key }), json, 200, null],
      [
        'full-width number',
        JSON.stringify({
          contractNumber: n.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))),
          authKey: key,
        }),
        json,
        200,
        null,
      ],
      [
        'wrong key',
        JSON.stringify({ contractNumber: n, authKey: 'zzzzzzzzzzzz' }),
        { ...json, 'x-forwarded-for': '198.51.100.31' },
        401,
        noMatch,
      ],
      [
        'unknown number',
        JSON.stringify({ contractNumber: '99999-999999', authKey: key }),
        { ...json, 'x-forwarded-for': '198.51.100.32' },
        401,
        noMatch,
      ],
      [
        'malformed JSON',
        '{"contractNumber":',
        json,
        400,
        { code: 'bad_request', message: 'リクエスト本文が正しい JSON ではありません' },
      ],
      ['empty body', '', json, 400, { code: 'bad_request', message: 'リクエスト本文（JSON）がありません' }],
      [
        'not JSON content type',
        JSON.stringify({ contractNumber: n, authKey: key }),
        { 'content-type': 'text/plain' },
        400,
        { code: 'bad_request', message: 'Content-Type は application/json にしてください' },
      ],
      [
        'wrong types',
        JSON.stringify({ contractNumber: 1, authKey: [] }),
        json,
        422,
        { code: 'validation_failed', message: '入力内容に誤りがあります' },
      ],
      [
        'unknown field',
        JSON.stringify({ contractNumber: n, authKey: key, extra: 1 }),
        json,
        422,
        { code: 'validation_failed', message: '入力内容に誤りがあります' },
      ],
      [
        'oversized',
        JSON.stringify({ contractNumber: n, authKey: 'x'.repeat(300 * 1024) }),
        json,
        413,
        { code: 'too_large', message: 'リクエストが大きすぎます' },
      ],
    ];
    for (const [label, body, headers, status, error] of cases) {
      const sent = await send(body, headers);
      expect(sent.status, label).toBe(status);
      expect(sent.headers, label).toEqual(jsonHeaders);
      const answer = JSON.parse(sent.body);
      if (error === null) expect(answer, label).toMatchObject({ contractNumber: n, status: 'active' });
      else if (status === 422) expect(answer.error, label).toMatchObject({ ...error, issues: expect.any(Array) });
      else expect(answer, label).toEqual({ error });
    }
  });

  it('counts failures in the limits, answers 429 with Retry-After, logs every attempt and records the first refusal', async () => {
    const { contractNumber: n } = await publish(env);
    const headers = { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.77' };
    const wrong = JSON.stringify({ contractNumber: n, authKey: 'zzzzzzzzzzzz' });
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await send(wrong, headers));
    // Per (number, client): 5 failures an hour; the clock stands still, so the whole hour is left.
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
    for (const answer of answers.slice(5)) {
      expect(answer.headers).toEqual({ ...jsonHeaders, 'retry-after': '3600' });
      expect(JSON.parse(answer.body)).toEqual({
        error: { code: 'throttled', message: '試行回数が多すぎます。しばらくしてから再度お試しください' },
      });
    }

    await env.ctx.recorder.flush();
    const outcomes = (await listAccessEvents(env.ctx.db, n)).map((e) => `${e.outcome} ${e.client} ${e.channel}`);
    // One row says the client was refused for this window; more would only fill the disk (test/ops/access-retention).
    expect(outcomes).toEqual([...Array(5).fill('no_match 203.0.113.77 api'), 'throttled 203.0.113.77 api']);
    const lines = logger.lines().filter((l) => l.route === '/api/v1/verify');
    expect(lines).toHaveLength(10);
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(
        ['level', 'method', 'ms', 'msg', 'requestId', 'route', 'service', 'status', 'time', 'version'].sort(),
      );
      expect(line).toMatchObject({ level: 'info', method: 'POST' });
    }
    expect(lines.map((l) => l.status)).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
    expect(JSON.stringify(lines)).not.toContain('zzzzzzzzzzzz');
  });
});
