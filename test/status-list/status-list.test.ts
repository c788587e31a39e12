// The public status list of DESIGN §13 on both databases: each version's 2-bit entry is 0 after publication, 1 once
// a later visible version exists, 2 after 取消 (written in the 取消's own transaction: a failed one changes nothing), 3
// after the guarantee period; the list is a vc+jwt that verifies with the public JWKS, decoded here from the W3C
// Bitstring Status List rules (GZIP, multibase base64url, index 0 at the left-most bits) without src/domain code.
import { gunzipSync } from 'node:zlib';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import * as createStatusEntries from '../../db/migrations/20261207060000_create_status_entries.js';
import { importRows, validateCsv } from '../../src/services/staff/import.js';
import { COLUMNS } from '../../src/services/staff/certificate-form.js';
import { addVersion, advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';

const INCREASE = { event: 'change', changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 } };

describeEachDatabase('public status list', (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await setup(kind, { now: '2026-11-24T01:00:00.000Z' });
    await registerMishima(env);
  });
  afterEach(async () => env.close());

  async function indexOf(contractNumber: string, seq: number): Promise<number> {
    const row = await env.ctx.db
      .selectFrom('status_entries')
      .select('status_index')
      .where('contract_number', '=', contractNumber)
      .where('seq', '=', seq)
      .executeTakeFirstOrThrow();
    return Number(row.status_index);
  }

  /** Fetches list 0 as a verifier would, checks its JWT with the public JWKS and reads the 2 bits at `index`. */
  async function bit(index: number): Promise<number> {
    const res = await env.app.request('/status-lists/0');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vc+jwt');
    const jwt = await res.text();
    const jwks = (await (await env.app.request('/.well-known/jwks.json')).json()) as never;
    expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'ES256', typ: 'vc+jwt' });
    const { payload } = await compactVerify(jwt, createLocalJWKSet(jwks));
    const vc = JSON.parse(new TextDecoder().decode(payload));
    expect(vc.type).toEqual(['VerifiableCredential', 'BitstringStatusListCredential']);
    expect(vc.credentialSubject).toMatchObject({
      type: 'BitstringStatusList',
      statusPurpose: 'message',
      statusSize: 2,
    });
    const encoded: string = vc.credentialSubject.encodedList;
    expect(encoded[0]).toBe('u');
    const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
    expect(bits.length * 4).toBe(131_072);
    return (bits[Math.floor(index / 4)]! >> (6 - 2 * (index % 4))) & 3;
  }

  it('reads 0 after publication, 1 after a 変更 and 2 after 取消 for the first version', async () => {
    const other = await publish(env);
    const a = await publish(env);
    const first = await indexOf(a.contractNumber, 1);
    expect(first).toBe((await indexOf(other.contractNumber, 1)) + 1);
    expect(await bit(first)).toBe(0);
    expect((await addVersion(env, a.contractNumber, INCREASE)).status).toBe(201);
    expect(await bit(first)).toBe(1);
    expect(await bit(await indexOf(a.contractNumber, 2))).toBe(0);
    expect((await addVersion(env, a.contractNumber, { event: 'cancellation' })).status).toBe(201);
    expect(await bit(first)).toBe(2);
    expect(await bit(await indexOf(a.contractNumber, 3))).toBe(2);
    expect(await bit(await indexOf(other.contractNumber, 1))).toBe(0);
  });

  it('leaves the list unchanged when the 取消 fails inside its transaction', async () => {
    const a = await publish(env);
    const first = await indexOf(a.contractNumber, 1);
    // Occupy the next index so that the 取消's own insert fails after its version row was written.
    await env.ctx.db
      .insertInto('status_entries')
      .values({ status_index: first + 1, contract_number: 'x', seq: 1 })
      .execute();
    const failed = await addVersion(env, a.contractNumber, { event: 'cancellation' });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(await bit(first)).toBe(0);
    const versions = await env.ctx.db
      .selectFrom('versions')
      .select('seq')
      .where('contract_number', '=', a.contractNumber)
      .execute();
    expect(versions).toHaveLength(1);
    await env.ctx.db.deleteFrom('status_entries').where('contract_number', '=', 'x').execute();
    expect((await addVersion(env, a.contractNumber, { event: 'cancellation' })).status).toBe(201);
    expect(await bit(first)).toBe(2);
  });

  it('reads 3 once the guarantee period has ended (JST), without any new version', async () => {
    const a = await publish(env, advanceBody({ guaranteePeriod: { from: '2026-04-02', to: '2026-12-31' } }));
    const first = await indexOf(a.contractNumber, 1);
    env.setNow('2026-12-31T14:59:59.000Z'); // 23:59:59 JST on the last day
    expect(await bit(first)).toBe(0);
    env.setNow('2026-12-31T15:00:00.000Z'); // 2027-01-01 00:00 JST
    expect(await bit(first)).toBe(3);
  });

  it('gives a batch of imported guarantees consecutive indexes in the batch transaction', async () => {
    const a = await publish(env);
    const row: Record<string, string> = {
      product: 'contract',
      obligeeId: 'mishima-city',
      contractorName: '試験建設株式会社',
      worksName: '市道改良工事',
      contractDate: '2026-04-01',
      worksFrom: '2026-04-02',
      worksTo: '2027-03-19',
      contractAmount: '10000000',
      guaranteeAmount: '1000000',
      guaranteeFrom: '2026-04-02',
      guaranteeTo: '2027-04-30',
      guaranteeDate: '2026-04-10',
    };
    const csv = [
      COLUMNS.join(','),
      ...[1, 2, 3].map((i) =>
        COLUMNS.map((c) => (c === 'worksName' ? `市道${i}号線改良工事` : (row[c] ?? ''))).join(','),
      ),
    ].join('\n');
    const checked = await validateCsv(env.ctx, `${csv}\n`);
    expect(checked.errors).toEqual([]);
    await importRows(env.ctx, { type: 'cli', id: 'ops' }, checked.rows);
    const entries = await env.ctx.db.selectFrom('status_entries').selectAll().orderBy('status_index').execute();
    expect(entries.map((e) => Number(e.status_index))).toEqual([0, 1, 2, 3]);
    expect(entries[0]!.contract_number).toBe(a.contractNumber);
    expect(new Set(entries.map((e) => e.contract_number)).size).toBe(4);
    for (const index of [1, 2, 3]) expect(await bit(index)).toBe(0);
  });

  it('gives concurrent publications distinct indexes with no gap', async () => {
    await Promise.all(Array.from({ length: 8 }, () => publish(env)));
    const entries = await env.ctx.db.selectFrom('status_entries').selectAll().orderBy('status_index').execute();
    expect(entries.map((e) => Number(e.status_index))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(entries.map((e) => e.contract_number)).size).toBe(8);
    const head = await env.ctx.db.selectFrom('status_head').selectAll().executeTakeFirstOrThrow();
    expect(Number(head.size)).toBe(8);
  });

  it('back-fills versions published before the status list existed, in publication order', async () => {
    const a = await publish(env);
    env.setNow('2026-11-24T02:00:00.000Z');
    await publish(env);
    env.setNow('2026-11-24T03:00:00.000Z');
    expect((await addVersion(env, a.contractNumber, INCREASE)).status).toBe(201);
    const rows = () => env.ctx.db.selectFrom('status_entries').selectAll().orderBy('status_index').execute();
    const before = await rows();
    const db = env.ctx.db as unknown as Kysely<unknown>;
    await createStatusEntries.down(db);
    await createStatusEntries.up(db);
    expect((await rows()).map((r) => ({ ...r, status_index: Number(r.status_index), seq: Number(r.seq) }))).toEqual(
      before.map((r) => ({ ...r, status_index: Number(r.status_index), seq: Number(r.seq) })),
    );
    expect((await publish(env)).contractNumber).toBeTruthy();
    expect((await rows()).map((r) => Number(r.status_index))).toEqual([0, 1, 2, 3]);
  });

  it('is cacheable with a short max-age and an ETag that changes with the list', async () => {
    const a = await publish(env);
    const res = await env.app.request('/status-lists/0');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    const etag = res.headers.get('etag')!;
    expect((await env.app.request('/status-lists/0', { headers: { 'if-none-match': etag } })).status).toBe(304);
    await addVersion(env, a.contractNumber, { event: 'cancellation' });
    const after = await env.app.request('/status-lists/0', { headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    expect((await env.app.request('/status-lists/1')).status).toBe(404);
  });
});
