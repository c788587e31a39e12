// `log:monitor` against the real listening server on both databases: it follows the log across checkpoints, and
// reports — exit 1, state unchanged — an altered or deleted leaf row, a fork (two checkpoints of one size with
// different roots, both validly signed), a shrink, a bad signature and a changed key.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { monitorLog, type MonitorState } from '../../src/services/log-monitor.js';
import { contractBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, listen, setup, type Listening, type TestEnv } from '../support/harness.js';
import { cliAsync } from '../ops/process.js';

describeEachDatabase('log:monitor', (kind) => {
  let env: TestEnv;
  let server: Listening;
  let dir: string;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    server = await listen(env.ctx);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-monitor-'));
  });
  afterEach(async () => {
    await server.close();
    await env.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function grow(n: number) {
    for (let i = 0; i < n; i++) await publish(env, i % 2 ? contractBody() : undefined);
    await publishCheckpoint(env.ctx);
  }

  async function follow(state: MonitorState | null) {
    const result = await monitorLog(server.url, state);
    return result;
  }

  it('follows the log from its state file with the real command, and exits 1 on an altered leaf row', async () => {
    await grow(5);
    const stateFile = path.join(dir, 'state.json');
    const first = await cliAsync(['log:monitor', '--url', server.url, '--state', stateFile], {});
    expect([first.code, first.stdout]).toEqual([0, expect.stringContaining('grew from 0 to 5 entries')]);
    await grow(18);
    const second = await cliAsync(['log:monitor', '--url', server.url, '--state', stateFile], {});
    expect([second.code, second.stdout]).toEqual([0, expect.stringContaining('grew from 5 to 23 entries')]);
    const saved = fs.readFileSync(stateFile, 'utf8');

    // An insider rewrites one leaf (to hide a version) after the checkpoint was published.
    await sql`update log_leaves set digest = ${Buffer.alloc(32, 7).toString('base64')} where idx = 20`.execute(
      env.ctx.db,
    );
    const fresh = await cliAsync(['log:monitor', '--url', server.url, '--state', path.join(dir, 'new.json')], {});
    expect(fresh.code).toBe(1);
    expect(fresh.stdout).toContain('VIOLATION');
    expect(fresh.stdout).toContain('do not hash to the signed root of size 23');
    expect(fs.existsSync(path.join(dir, 'new.json'))).toBe(false);
    expect(fs.readFileSync(stateFile, 'utf8')).toBe(saved);
  }, 120_000);

  it('reports a deleted leaf row among the new entries', async () => {
    await grow(3);
    const seen = await follow(null);
    if (!seen.ok) throw new Error(seen.violation);
    await grow(4);
    await sql`delete from log_leaves where idx = 5`.execute(env.ctx.db);
    const result = await follow(seen.state);
    expect(result).toMatchObject({ ok: false, violation: expect.stringMatching(/missing/) });
  });

  it('reports a fork: a second, validly signed checkpoint of the same size with another root', async () => {
    await grow(6);
    const seen = await follow(null);
    if (!seen.ok) throw new Error(seen.violation);
    // An insider with the log key rolls the last version back and publishes another one at its index.
    await sql`delete from log_checkpoints`.execute(env.ctx.db);
    await sql`delete from log_leaves where idx = 5`.execute(env.ctx.db);
    await sql`update log_head set size = 5`.execute(env.ctx.db);
    await grow(1);
    const result = await follow(seen.state);
    expect(result).toMatchObject({ ok: false, violation: expect.stringMatching(/^fork: two checkpoints of size 6/) });

    // …and grown further, the rewritten log is not consistent with what the monitor saw.
    await grow(3);
    const later = await follow(seen.state);
    expect(later).toMatchObject({ ok: false, violation: expect.stringMatching(/^fork: .* not consistent/) });
  });

  it('reports a shrink, a bad signature and a changed key', async () => {
    await grow(2);
    await grow(2);
    const seen = await follow(null);
    if (!seen.ok) throw new Error(seen.violation);
    await sql`delete from log_checkpoints where size = 4`.execute(env.ctx.db);
    expect(await follow(seen.state)).toMatchObject({ ok: false, violation: expect.stringContaining('shrank') });

    await grow(1);
    const row = await env.ctx.db
      .selectFrom('log_checkpoints')
      .selectAll()
      .where('size', '=', 5)
      .executeTakeFirstOrThrow();
    // One character inside the signature (past the 4-byte key ID) changed.
    const at = row.note.lastIndexOf(' ') + 20;
    const forged = row.note.slice(0, at) + (row.note[at] === 'A' ? 'B' : 'A') + row.note.slice(at + 1);
    await env.ctx.db.updateTable('log_checkpoints').set({ note: forged }).where('size', '=', 5).execute();
    expect(await follow(seen.state)).toMatchObject({ ok: false, violation: expect.stringContaining('bad signature') });

    const otherKey = { ...seen.state, verifierKey: 'localhost:3000/log+00000000+AQ' + 'A'.repeat(42) };
    expect(await follow(otherKey)).toMatchObject({ ok: false, violation: expect.stringContaining('key changed') });
  });
});
