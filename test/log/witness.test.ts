// Witnesses (C2SP tlog-witness / tlog-cosignature) on both databases, with a real witness process (`log:witness`)
// and the real listening server: the served checkpoint carries the witness's cosignature, checked here from the spec
// text alone; the witness refuses a shrunk or forked checkpoint with the spec's codes; and a database restored to
// before a cosigned checkpoint is held once the witness answers 409 with its larger size.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { checkpointBody, signNote } from '../../src/log/note.js';
import { logOrigin, publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { resumeLog } from '../../src/services/log-hold.js';
import { probeWitnesses, startLogWitnessing, submitToWitness } from '../../src/services/log-witnessing.js';
import { ed25519Cosigner } from '../../src/log/cosignature.js';
import { treeConsistency } from '../../src/services/log-tree.js';
import { advanceBody, publish, registerMishima } from '../support/fixtures.js';
import {
  createPgSchema,
  describeEachDatabase,
  dropPgSchema,
  listen,
  setup,
  type Listening,
  type TestEnv,
} from '../support/harness.js';
import { openCheckpoint } from './support.js';
import {
  checkCosignature,
  freePort,
  prepareWitness,
  startWitness,
  WITNESS_NAME,
  type Witness,
} from './witness-support.js';

describeEachDatabase('log witnesses', (kind) => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  /** The platform configured with the witness, its real server, and the witness process trusting its log key. */
  async function place(options: { dataDir?: string; pgSchema?: string; also?: string } = {}) {
    const prep = await prepareWitness(cleanup);
    const witnesses = `${prep.verifierKey} http://127.0.0.1:${prep.port}${options.also ? `,${options.also}` : ''}`;
    const open = async () => {
      const env = await setup(kind, { ...options, env: { ESURETY_LOG_WITNESSES: witnesses } });
      const server = await listen(env.ctx);
      let closed = false;
      const close = async () => {
        if (closed) return;
        closed = true;
        await server.close();
        await env.close();
      };
      cleanup.push(close);
      return { env, server, close };
    };
    const first = await open();
    const logKey = (await (await fetch(`${first.server.url}/log/key`)).text()).trim();
    const witness = await startWitness(cleanup, prep, logKey);
    return { ...first, open, witness };
  }

  const witnessOf = (env: TestEnv) => env.config.logWitnesses[0]!;

  async function grow(env: TestEnv, n: number) {
    for (let i = 0; i < n; i++) await publish(env);
    await publishCheckpoint(env.ctx);
  }

  async function served(server: Listening) {
    const res = await fetch(`${server.url}/log/checkpoint`);
    expect(res.status).toBe(200);
    return res.text();
  }

  const post = (witness: Witness, body: string) =>
    fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body }).then(async (r) => ({
      status: r.status,
      type: r.headers.get('content-type'),
      text: await r.text(),
    }));

  it('serves the checkpoint with the witness cosignature after the log line, verifiable with the witness key', async () => {
    const { env, server, witness } = await place();
    await registerMishima(env);
    await grow(env, 3);
    const before = Math.floor(Date.now() / 1000);
    expect(await submitToWitness(env.ctx, witnessOf(env))).toEqual({ outcome: 'cosigned', size: 3 });
    const first = await served(server);
    const logKey = (await (await fetch(`${server.url}/log/key`)).text()).trim();
    expect(openCheckpoint(logKey, first)).toMatchObject({ size: 3 });
    const signatures = first.slice(first.indexOf('\n\n') + 2, -1).split('\n');
    expect(signatures).toHaveLength(2);
    expect(signatures[0]).toMatch(/^— localhost:3000\/log /);
    expect(signatures[1]).toMatch(new RegExp(`^— ${WITNESS_NAME.replace(/\./g, '\\.')} `));
    const { time } = checkCosignature(first, witness.verifierKey);
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));

    // It grows: the next submission carries a consistency proof from 3, and the witness recorded 7 before answering.
    await grow(env, 4);
    expect(await submitToWitness(env.ctx, witnessOf(env))).toEqual({ outcome: 'cosigned', size: 7 });
    const second = await served(server);
    expect(openCheckpoint(logKey, second)).toMatchObject({ size: 7 });
    checkCosignature(second, witness.verifierKey);
    expect(JSON.parse(fs.readFileSync(witness.stateFile, 'utf8')).logs['localhost:3000/log'].size).toBe(7);
    expect(await submitToWitness(env.ctx, witnessOf(env))).toEqual({ outcome: 'up_to_date', size: 7 });
    // The witness's monitoring answer: the same checkpoint, log line and cosignature.
    const originHash = createHash('sha256').update('localhost:3000/log').digest('hex');
    const monitored = await (await fetch(`${witness.url}/${originHash}/checkpoint`)).text();
    expect(openCheckpoint(logKey, monitored).size).toBe(7);
    checkCosignature(monitored, witness.verifierKey);
  }, 120_000);

  it('the leader job cosigns each new checkpoint on its own while a dead second witness only backs off', async () => {
    const dead = ed25519Cosigner('dead.example.jp/w9', randomBytes(32)).verifierKey;
    const { env, server, witness } = await place({ also: `${dead} http://127.0.0.1:${await freePort()}` });
    await registerMishima(env);
    const job = startLogWitnessing(env.ctx, { everyMs: 100, timeoutMs: 1000 });
    cleanup.push(() => job.stop());
    for (const size of [2, 5]) {
      await grow(env, size === 2 ? 2 : 3);
      const deadline = Date.now() + 20_000;
      let note = await served(server);
      while (note.split('\n')[1] !== String(size) || !note.includes(`— ${WITNESS_NAME} `)) {
        if (Date.now() > deadline) throw new Error(`never cosigned at ${size}: ${note}`);
        await new Promise((r) => setTimeout(r, 100));
        note = await served(server);
      }
      checkCosignature(note, witness.verifierKey);
      expect(note).not.toContain('dead.example.jp');
    }
  }, 120_000);

  it('serves the largest cosigned checkpoint, or one signed 3 s ago when no witness answers, never going back', async () => {
    const { env, server, witness } = await place();
    await registerMishima(env);
    await grow(env, 2);
    await submitToWitness(env.ctx, witnessOf(env));
    await grow(env, 3); // size 5, not (yet) submitted
    const soon = await served(server);
    expect(soon.split('\n')[1]).toBe('2');
    checkCosignature(soon, witness.verifierKey);
    const t0 = env.now().getTime();
    env.setNow(new Date(t0 + 2999).toISOString());
    expect((await served(server)).split('\n')[1]).toBe('2');
    env.setNow(new Date(t0 + 3000).toISOString());
    const later = await served(server);
    expect(later.split('\n')[1]).toBe('5');
    expect(() => checkCosignature(later, witness.verifierKey)).toThrow(/no cosignature line/);
    // A newer, not yet cosigned checkpoint does not send the served size back to the cosigned 2.
    await grow(env, 2);
    expect((await served(server)).split('\n')[1]).toBe('5');

    // A dead witness: a clear failure for the job's back-off, nothing blocks the log.
    witness.child.kill('SIGTERM');
    await new Promise((resolve) => witness.child.once('exit', resolve));
    const result = await submitToWitness(env.ctx, witnessOf(env), { timeoutMs: 2000 });
    expect(result).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/unreachable|timed out/) });
    await publish(env);
    expect((await publishCheckpoint(env.ctx))?.size).toBe(8);
  }, 120_000);

  it('the witness refuses a shrunk, forked or badly proven checkpoint with the spec codes and keeps its size', async () => {
    const { env, witness } = await place();
    await registerMishima(env);
    await grow(env, 6);
    expect(await submitToWitness(env.ctx, witnessOf(env))).toEqual({ outcome: 'cosigned', size: 6 });
    const origin = logOrigin(env.config.publicUrl);
    const signed = (size: number, root: Buffer) => signNote(checkpointBody({ origin, size, root }), env.ctx.logSigner);
    const rootAt = async (size: number) =>
      Buffer.from(
        (
          await env.ctx.db
            .selectFrom('log_checkpoints')
            .select('root')
            .where('size', '=', size)
            .executeTakeFirstOrThrow()
        ).root,
        'base64',
      );
    const root6 = await rootAt(6);

    // Shrunk: a validly signed checkpoint of size 4.
    const shrunk = await post(witness, `old 6\n\n${signed(4, root6)}`);
    expect(shrunk.status).toBe(400);
    const stale = await post(witness, `old 4\n\n${signed(4, root6)}`);
    expect([stale.status, stale.type, stale.text]).toEqual([409, 'text/x.tlog.size', '6\n']);
    // Forked: the same size with another root.
    const fork = await post(witness, `old 6\n\n${signed(6, Buffer.alloc(32, 9))}`);
    expect(fork.status).toBe(422);

    // Honest growth to 8, but sent with a proof that has one byte flipped.
    await grow(env, 2);
    const proof = (await treeConsistency(env.ctx.db, 6, 8)).map((h) => Buffer.from(h));
    const p0 = proof[0]!;
    p0[0] = p0[0]! ^ 1;
    const note8 = (
      await env.ctx.db.selectFrom('log_checkpoints').select('note').where('size', '=', 8).executeTakeFirstOrThrow()
    ).note;
    const bad = await post(witness, `old 6\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${note8}`);
    expect(bad.status).toBe(422);

    // An insider rewrites leaf 5 and signs a size-10 tree over it; the platform's proof is from that rewritten tree.
    await sql`delete from log_checkpoints where size >= 6`.execute(env.ctx.db);
    await sql`delete from log_nodes`.execute(env.ctx.db);
    await sql`update log_leaves set digest = ${Buffer.alloc(32, 7).toString('base64')} where idx = 5`.execute(
      env.ctx.db,
    );
    await grow(env, 2);
    const forked = await submitToWitness(env.ctx, witnessOf(env));
    expect(forked).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('422') });
    // The witness's operator sees it, with both roots (evidence of the fork).
    expect(witness.stderr()).toContain(`add-checkpoint refused 422: ${origin}: size 10 root `);
    expect(witness.stderr()).toContain(`cosigned size 6 root ${root6.toString('base64')}`);

    // Unknown origin, a tampered log signature, garbage.
    const foreign = signNote(checkpointBody({ origin: 'other.example/log', size: 1, root: root6 }), env.ctx.logSigner);
    expect((await post(witness, `old 0\n\n${foreign}`)).status).toBe(404);
    const sigAt = note8.lastIndexOf(' ') + 20;
    const tampered = `${note8.slice(0, sigAt)}${note8[sigAt] === 'A' ? 'B' : 'A'}${note8.slice(sigAt + 1)}`;
    expect((await post(witness, `old 6\n\n${tampered}`)).status).toBe(403);
    expect((await post(witness, 'hello')).status).toBe(400);

    expect(JSON.parse(fs.readFileSync(witness.stateFile, 'utf8')).logs[origin]).toMatchObject({
      size: 6,
      root: root6.toString('base64'),
    });
  }, 120_000);

  it('a database restored to before a cosigned checkpoint is held when the witness answers 409 with its size', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-witness-db-'));
    cleanup.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const pgSchema = kind.name === 'postgres' ? await createPgSchema() : undefined;
    if (pgSchema) cleanup.push(() => dropPgSchema(pgSchema));
    const first = await place({ dataDir, ...(pgSchema ? { pgSchema } : {}) });
    const env = first.env;
    await registerMishima(env);
    await grow(env, 2);
    await submitToWitness(env.ctx, witnessOf(env));
    // The nightly backup: database and the issued-numbers directory (which remembers the published checkpoint).
    const recordFile = path.join(env.config.numbersDir, 'log-checkpoint');
    const backedUpRecord = fs.readFileSync(recordFile);
    const kept = (await env.ctx.db.selectFrom('versions').select('contract_number').execute()).map(
      (v) => v.contract_number,
    );
    await grow(env, 3);
    expect(await submitToWitness(env.ctx, witnessOf(env))).toEqual({ outcome: 'cosigned', size: 5 });
    const lost = await env.ctx.db.selectFrom('log_leaves').selectAll().where('idx', '>=', 2).execute();

    // The whole machine is restored from that backup: the later versions, leaves, checkpoints and cosignatures are
    // gone, and the outside record says 2 — only the witness remembers 5.
    const db = env.ctx.db;
    await db.deleteFrom('log_checkpoints').where('size', '>', 2).execute();
    await db.deleteFrom('log_cosignatures').where('size', '>', 2).execute();
    await db.updateTable('log_witnesses').set({ size: 2 }).execute();
    await db.deleteFrom('log_nodes').execute();
    await db.deleteFrom('log_leaves').where('idx', '>=', 2).execute();
    await db.deleteFrom('versions').where('contract_number', 'not in', kept).execute();
    await db.deleteFrom('sureties').where('contract_number', 'not in', kept).execute();
    await sql`update log_head set size = 2`.execute(db);
    fs.writeFileSync(recordFile, backedUpRecord);
    await first.close();

    const second = await first.open();
    expect(second.env.platform.logHold).toBeNull(); // nothing inside the machine can tell
    // What the server does at start, before it accepts a publication.
    expect(await probeWitnesses(second.env.ctx)).toEqual([{ outcome: 'held', witnessed: 5, head: 2 }]);
    // (An explicit number: the numbering's own restore check is another matter.)
    const refused = await second.env.api('POST', '/api/v1/sureties', advanceBody({ contractNumber: '10001-009001' }));
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toContain('log:resume');
    expect(await publishCheckpoint(second.env.ctx)).toBeNull();
    const audit = await second.env.ctx.db
      .selectFrom('audit_log')
      .select('detail')
      .where('action', '=', 'log.held')
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.detail!)).toMatchObject({ reason: 'behind_witness', witnessed: 5, head: 2 });
    await expect(resumeLog(second.env.ctx, { type: 'cli', id: 'operator' })).rejects.toMatchObject({
      code: 'conflict',
    });

    // The lost leaves come back (a newer copy or a mirror of the public log): the hold lifts, the witness cosigns on.
    await second.env.ctx.db.insertInto('log_leaves').values(lost).execute();
    await sql`update log_head set size = 5`.execute(second.env.ctx.db);
    expect((await resumeLog(second.env.ctx, { type: 'cli', id: 'operator' })).lifted).toMatchObject({
      reason: 'behind_witness',
    });
    expect((await publishCheckpoint(second.env.ctx))?.size).toBe(5);
    expect(await submitToWitness(second.env.ctx, witnessOf(second.env))).toEqual({ outcome: 'cosigned', size: 5 });
  }, 120_000);
});

describe('ESURETY_LOG_WITNESSES', () => {
  const key = 'witness.test/w1+61ac8dd0+BAytbAfCDBjFwurnO4/PzG9nUXeSziJgegvClQEfEdGm';
  it('reads "<verifier key> <URL>" entries and names the variable when one is wrong', () => {
    const config = loadConfig({ ESURETY_LOG_WITNESSES: `${key} https://w.example.jp/witness/` });
    expect(config.logWitnesses).toEqual([
      { name: 'witness.test/w1', verifierKey: key, url: 'https://w.example.jp/witness' },
    ]);
    expect(() => loadConfig({ ESURETY_LOG_WITNESSES: key })).toThrow(/ESURETY_LOG_WITNESSES: entry 1/);
    const logKey = 'localhost:3000/log+0d8d5b5f+AQ1fHU+KrXYWzM5ZL0bS7tr5cV8s3n2l4BkkuW9Ia2aO';
    expect(() => loadConfig({ ESURETY_LOG_WITNESSES: `${logKey} https://w.example.jp` })).toThrow(
      /ESURETY_LOG_WITNESSES/,
    );
  });
});
