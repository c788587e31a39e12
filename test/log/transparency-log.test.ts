// The transparency log of DESIGN §12 on both databases: one leaf per published version (the SHA-256 of its JWS) in
// publication order with no gap, back-filled by the migration, a signed C2SP checkpoint, proofs that verify with
// the reference hashing of test/log/support.ts, the §12 error rules, and the verify answer's `log` member.
import { afterEach, beforeEach, expect, it } from 'vitest';
import * as createLog from '../../db/migrations/20261206080000_create_log.js';
import * as addLogLeavesRestoredAt from '../../db/migrations/20261207050000_add_log_leaves_restored_at.js';
import type { Kysely } from 'kysely';
import { publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { addVersion, advanceBody, contractBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import {
  fetchEntries,
  getText,
  openCheckpoint,
  referenceConsistency,
  referencePath,
  referenceRoot,
  sha256,
} from './support.js';

const b64 = (b: Buffer) => b.toString('base64');
const INCREASE = {
  event: 'change',
  changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 },
  reason: '増額',
};

describeEachDatabase('transparency log', (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
  });
  afterEach(async () => env.close());

  async function leaves() {
    return env.ctx.db.selectFrom('log_leaves').selectAll().orderBy('idx').execute();
  }

  it('appends the digest of each published version as the next leaf, in publication order', async () => {
    env.setNow('2026-11-24T01:00:00.000Z');
    const a = await publish(env);
    env.setNow('2026-11-24T01:00:01.000Z');
    const b = await publish(env, contractBody());
    env.setNow('2026-11-24T01:00:02.000Z');
    const change = await addVersion(env, a.contractNumber, INCREASE);
    expect(change.status).toBe(201);
    const rows = await leaves();
    expect(rows.map((r) => [Number(r.idx), r.contract_number, Number(r.seq)])).toEqual([
      [0, a.contractNumber, 1],
      [1, b.contractNumber, 1],
      [2, a.contractNumber, 2],
    ]);
    expect(rows.map((r) => r.digest)).toEqual([a.jws, b.jws, change.json.version.jws].map((j) => b64(sha256(j))));
  });

  it('gives concurrent publications one order with no gap, and a refused one takes no index', async () => {
    const bad = await env.api('POST', '/api/v1/sureties', advanceBody({ obligeeId: 'nowhere' }));
    expect(bad.status).toBe(422);
    await Promise.all(Array.from({ length: 8 }, () => publish(env)));
    const rows = await leaves();
    expect(rows.map((r) => Number(r.idx))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const head = await env.ctx.db.selectFrom('log_head').selectAll().executeTakeFirstOrThrow();
    expect(Number(head.size)).toBe(8);
    const versions = await env.ctx.db.selectFrom('versions').select('jws').execute();
    expect(new Set(rows.map((r) => r.digest))).toEqual(new Set(versions.map((v) => b64(sha256(v.jws)))));
  });

  it('back-fills the versions published before the log existed in their original order', async () => {
    env.setNow('2026-11-24T01:00:00.000Z');
    const a = await publish(env); // 10001-000001
    env.setNow('2026-11-24T02:00:00.000Z');
    const b = await publish(env, contractBody({ contractNumber: '10001-000000' })); // sorts before a by number
    env.setNow('2026-11-24T03:00:00.000Z');
    expect((await addVersion(env, a.contractNumber, INCREASE)).status).toBe(201);
    const before = await leaves();
    const db = env.ctx.db as unknown as Kysely<unknown>;
    await createLog.down(db);
    await createLog.up(db);
    await addLogLeavesRestoredAt.up(db); // the later log migration, as a fresh database runs them

    const after = await leaves();
    expect(after).toEqual(before);
    expect(after.map((r) => r.contract_number)).toEqual([a.contractNumber, b.contractNumber, a.contractNumber]);
    // …and the log goes on from there.
    await publish(env);
    expect((await leaves()).map((r) => Number(r.idx))).toEqual([0, 1, 2, 3]);
  });

  it('serves a signed C2SP checkpoint whose root is the RFC 6962 hash of the served entries', async () => {
    const key = await getText(env, '/log/key');
    expect(key.status).toBe(200);
    expect(key.type).toMatch(/^text\/plain/);
    expect(key.text).toMatch(/^localhost:3000\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    // Before any version: the empty tree.
    const empty = openCheckpoint(key.text, (await getText(env, '/log/checkpoint')).text);
    expect(empty).toEqual({ origin: 'localhost:3000/log', size: 0, root: sha256() });

    for (let i = 0; i < 21; i++) await publish(env, i % 2 ? contractBody() : advanceBody());
    // Not covered until the checkpoint job runs.
    expect(openCheckpoint(key.text, (await getText(env, '/log/checkpoint')).text).size).toBe(0);
    expect((await getText(env, '/log/entries/0')).status).toBe(404);
    await publishCheckpoint(env.ctx);
    const note = await getText(env, '/log/checkpoint');
    expect(note.type).toMatch(/^text\/plain/);
    expect(note.text).toMatch(
      /^localhost:3000\/log\n21\n[A-Za-z0-9+/]{43}=\n\n— localhost:3000\/log [A-Za-z0-9+/]{91}=\n$/,
    );
    const cp = openCheckpoint(key.text, note.text);
    const entries = await fetchEntries(env, 21);
    expect(entries.every((e) => e.length === 32)).toBe(true);
    expect(b64(cp.root)).toBe(b64(referenceRoot(entries)));
    // A signature over anything else does not verify.
    expect(() => openCheckpoint(key.text, note.text.replace('\n21\n', '\n22\n'))).toThrow('bad signature');
  });

  it('answers inclusion and consistency proofs equal to RFC 6962 PATH and PROOF, across checkpoints', async () => {
    for (let i = 0; i < 19; i++) await publish(env);
    await publishCheckpoint(env.ctx);
    for (let i = 0; i < 22; i++) await publish(env, contractBody());
    await publishCheckpoint(env.ctx);
    const entries = await fetchEntries(env, 41);
    for (const [index, size] of [
      [0, 1],
      [0, 41],
      [18, 19],
      [40, 41],
      [16, 33],
      [31, 32],
    ] as const) {
      const res = await env.api('GET', `/log/proof/inclusion?index=${index}&size=${size}`);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({
        index,
        size,
        leafHash: b64(sha256(Buffer.of(0), entries[index]!)),
        proof: referencePath(index, entries.slice(0, size)).map(b64),
      });
    }
    for (const [from, size] of [
      [1, 41],
      [19, 41],
      [16, 41],
      [41, 41],
      [7, 19],
    ] as const) {
      const res = await env.api('GET', `/log/proof/consistency?from=${from}&size=${size}`);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ from, size, proof: referenceConsistency(from, entries.slice(0, size)).map(b64) });
    }
  });

  it('answers §5 errors: a size beyond the tree, from 0 or from > size are 400 bad_request', async () => {
    for (let i = 0; i < 3; i++) await publish(env);
    await publishCheckpoint(env.ctx);
    await publish(env); // published, not yet in a checkpoint: beyond the tree
    for (const path of [
      '/log/proof/inclusion?index=0&size=4',
      '/log/proof/inclusion?index=3&size=3',
      '/log/proof/inclusion?index=-1&size=3',
      '/log/proof/inclusion?size=3',
      '/log/proof/consistency?from=1&size=4',
      '/log/proof/consistency?from=0&size=3',
      '/log/proof/consistency?from=3&size=2',
      '/log/proof/consistency?from=x&size=2',
    ]) {
      const res = await env.api('GET', path);
      expect([path, res.status, res.json?.error?.code]).toEqual([path, 400, 'bad_request']);
      expect(typeof res.json.error.message).toBe('string');
    }
    const missing = await env.api('GET', '/log/entries/3');
    expect([missing.status, missing.json.error.code]).toEqual([404, 'not_found']);
    expect((await env.api('GET', '/log/nothing')).json.error.code).toBe('not_found');
  });

  it("carries the current version's index, checkpoint and inclusion proof in the verify answer", async () => {
    const a = await publish(env);
    const ask = () => env.api('POST', '/api/v1/verify', { contractNumber: a.contractNumber, authKey: a.authKey });
    const before = await ask();
    expect(before.status).toBe(200);
    expect(before.json.log).toBeNull();
    await publish(env, contractBody());
    await publishCheckpoint(env.ctx);
    const after = await ask();
    const { index, size, checkpoint, proof } = after.json.log;
    expect([index, size]).toEqual([0, 2]);
    const key = (await getText(env, '/log/key')).text;
    const cp = openCheckpoint(key, checkpoint);
    expect(cp.size).toBe(2);
    const entries = await fetchEntries(env, 2);
    expect(b64(entries[0]!)).toBe(b64(sha256(after.json.jws)));
    expect(proof).toEqual(referencePath(0, entries).map(b64));
    expect(b64(referenceRoot(entries))).toBe(b64(cp.root));
  });
});
