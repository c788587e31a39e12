// log:monitor's auditor mode against the real listening server on both databases: with a read-only issuer token (a
// file or an environment variable, never an argument) the real CLI fetches each new entry's version, and reports with
// exit 1 a version whose stored JWS was altered, a signature that the published keys do not verify and a broken
// history; the issuer route serves the version an index commits to under the read scope only.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { insertVersion } from '../../src/repositories/sureties.js';
import { createApiToken } from '../../src/services/api-tokens.js';
import { jwsHash, signVersion, type VersionPayload } from '../../src/signing/versions.js';
import { publishCheckpoint } from '../../src/services/log-checkpoints.js';
import { monitorLog } from '../../src/services/log-monitor.js';
import { addVersion, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, listen, setup, type Listening, type TestEnv } from '../support/harness.js';
import { cliAsync } from '../ops/process.js';

describeEachDatabase('log:monitor as auditor', (kind) => {
  let env: TestEnv;
  let server: Listening;
  let dir: string;
  let auditor: string;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    server = await listen(env.ctx);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-auditor-'));
    const created = await createApiToken(env.ctx, { type: 'system', id: 'test' }, 'auditor');
    // An auditor's token: the read scope only.
    await env.ctx.db.updateTable('api_tokens').set({ scopes: 'read' }).where('id', '=', created.id).execute();
    auditor = created.token;
  });
  afterEach(async () => {
    await server.close();
    await env.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Three guarantees, one of them changed: four versions, covered by a checkpoint. */
  async function grow() {
    const numbers: string[] = [];
    for (let i = 0; i < 3; i++) numbers.push((await publish(env)).contractNumber);
    const changed = await addVersion(env, numbers[1]!, {
      event: 'change',
      changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 },
    });
    expect(changed.status).toBe(201);
    await publishCheckpoint(env.ctx);
    return numbers;
  }

  async function run(extraEnv: Record<string, string>, args: string[] = []) {
    return cliAsync(['log:monitor', '--url', server.url, '--state', path.join(dir, 'state.json'), ...args], extraEnv);
  }

  it('re-verifies every new entry with the token from a file, and reports an altered version with exit 1', async () => {
    const numbers = await grow();
    const tokenFile = path.join(dir, 'auditor.token');
    fs.writeFileSync(tokenFile, `${auditor}\n`, { mode: 0o600 });
    const ok = await run({}, ['--token-file', tokenFile]);
    expect([ok.code, ok.stdout]).toEqual([0, expect.stringContaining('each version fetched and re-verified')]);
    expect(ok.stdout + ok.stderr).not.toContain(auditor);

    // An insider rewrites a stored version (the JWS in the database) after it was logged and more are published.
    await publish(env);
    await publishCheckpoint(env.ctx);
    const [row] = await env.ctx.db
      .selectFrom('versions')
      .select(['jws'])
      .where('contract_number', '=', numbers[2]!)
      .execute();
    const parts = row!.jws.split('.');
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as {
      certificate: { contractAmount: number };
    };
    payload.certificate.contractAmount += 1;
    const forged = [parts[0], Buffer.from(JSON.stringify(payload)).toString('base64url'), parts[2]].join('.');
    await env.ctx.db.updateTable('versions').set({ jws: forged }).where('contract_number', '=', numbers[2]!).execute();
    // The new entry (index 4) is untouched; a fresh auditor from index 0 finds the altered one at index 2.
    const fresh = await cliAsync(['log:monitor', '--url', server.url, '--state', path.join(dir, 'fresh.json')], {
      ESURETY_AUDITOR_TOKEN: auditor,
    });
    expect(fresh.code).toBe(1);
    expect(fresh.stdout).toContain('VIOLATION');
    expect(fresh.stdout).toContain(`entry 2 (${numbers[2]} seq 1): SHA-256 of the stored JWS is not the log entry`);
    expect(fresh.stdout + fresh.stderr).not.toContain(auditor);
    expect(fs.existsSync(path.join(dir, 'fresh.json'))).toBe(false);
  }, 120_000);

  it('reports a version whose signature the published keys do not verify, even when the leaf was rewritten to match', async () => {
    const numbers = await grow();
    const [row] = await env.ctx.db
      .selectFrom('versions')
      .select(['jws'])
      .where('contract_number', '=', numbers[0]!)
      .execute();
    const parts = row!.jws.split('.');
    const forged = [parts[0], parts[1], Buffer.alloc(64, 1).toString('base64url')].join('.');
    await env.ctx.db.updateTable('versions').set({ jws: forged }).where('contract_number', '=', numbers[0]!).execute();
    // An insider with the log key also rewrites the leaf and signs the rewritten tree: the log alone looks whole.
    const digest = createHash('sha256').update(forged, 'ascii').digest('base64');
    await env.ctx.db.updateTable('log_leaves').set({ digest }).where('idx', '=', 0).execute();
    await env.ctx.db.deleteFrom('log_nodes').execute();
    await env.ctx.db.deleteFrom('log_checkpoints').execute();
    await publishCheckpoint(env.ctx);
    // Without the auditor token the log itself is intact: nothing to see.
    expect(await monitorLog(server.url, null)).toMatchObject({ ok: true, audited: false });
    const result = await monitorLog(server.url, null, { auditorToken: auditor });
    expect(result).toMatchObject({
      ok: false,
      violation: expect.stringContaining(`entry 0 (${numbers[0]} seq 1): version seq 1 fails the signature check`),
    });
  });

  it('reports a validly signed version that breaks the history rules', async () => {
    const numbers = await grow();
    // An insider with the signing key publishes, straight into the database, a "change" that claims the guarantee is
    // cancelled: signature, chain and log all hold; only the history rules (as audit replays them) do not.
    const [first] = await env.ctx.db
      .selectFrom('versions')
      .select(['jws', 'issued_at'])
      .where('contract_number', '=', numbers[0]!)
      .execute();
    const payload = JSON.parse(Buffer.from(first!.jws.split('.')[1]!, 'base64url').toString()) as VersionPayload;
    const jws = await signVersion(env.ctx.keyring, {
      ...payload,
      seq: 2,
      event: 'change',
      prev: jwsHash(first!.jws),
      status: 'cancelled',
    });
    await insertVersion(env.ctx.db, {
      contract_number: numbers[0]!,
      seq: 2,
      event: 'change',
      target: null,
      jws,
      issued_at: first!.issued_at,
    });
    await publishCheckpoint(env.ctx);
    expect(await monitorLog(server.url, null)).toMatchObject({ ok: true });
    const result = await monitorLog(server.url, null, { auditorToken: auditor });
    expect(result).toMatchObject({
      ok: false,
      violation: expect.stringContaining(`entry 4 (${numbers[0]} seq 2): history rule broken at seq 2`),
    });
  });

  it('serves the version an index commits to under the read scope only; 404 beyond the tree, 400 for a bad index', async () => {
    const numbers = await grow();
    const ok = await env.api('GET', '/api/v1/log/entries/3/version', undefined, { authorization: `Bearer ${auditor}` });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ index: 3, contractNumber: numbers[1], seq: 2 });
    expect(ok.json.versions.map((v: { seq: number }) => v.seq)).toEqual([1, 2]);
    const beyond = await env.api('GET', '/api/v1/log/entries/4/version', undefined, {
      authorization: `Bearer ${auditor}`,
    });
    expect([beyond.status, beyond.json.error.code]).toEqual([404, 'not_found']);
    const bad = await env.api('GET', '/api/v1/log/entries/x/version', undefined, {
      authorization: `Bearer ${auditor}`,
    });
    expect([bad.status, bad.json.error.code]).toEqual([400, 'bad_request']);
    const anonymous = await env.app.request('/api/v1/log/entries/3/version');
    expect(anonymous.status).toBe(401);
    const publishOnly = await createApiToken(env.ctx, { type: 'system', id: 'test' }, 'publisher');
    await env.ctx.db.updateTable('api_tokens').set({ scopes: 'publish' }).where('id', '=', publishOnly.id).execute();
    const refused = await env.api('GET', '/api/v1/log/entries/3/version', undefined, {
      authorization: `Bearer ${publishOnly.token}`,
    });
    expect(refused.status).toBe(403);
  });
});
