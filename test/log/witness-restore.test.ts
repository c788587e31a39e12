// A real restore, with real processes (SQLite: the data directory copied while the server is stopped is the backup,
// database, secrets and issued-numbers record together): the server started on the restored copy asks its witness
// before accepting publications, learns from its 409 that a larger checkpoint was cosigned, and holds the log.
// (PostgreSQL's restore path is covered in witness.test.ts, where rows stand for a pg_dump of an older day.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { advanceBody, MISHIMA } from '../support/fixtures.js';
import { apiClient, createToken, startServer, stop, type Server } from '../ops/process.js';
import { checkCosignature, prepareWitness, startWitness, WITNESS_NAME } from './witness-support.js';

describe('log witnesses across a real restore (SQLite, real processes)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function cosignedAt(server: Server, size: number): Promise<string> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const note = await (await fetch(`${server.url}/log/checkpoint`)).text();
      if (note.split('\n')[1] === String(size) && note.includes(`— ${WITNESS_NAME} `)) return note;
      if (Date.now() > deadline) throw new Error(`no cosigned checkpoint of size ${size}: ${note}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('a server started on an older copy of its data directory is held by the witness 409 before publishing', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-witness-restore-'));
    cleanup.push(async () => fs.rmSync(root, { recursive: true, force: true }));
    const dataDir = path.join(root, 'data');
    const prep = await prepareWitness(cleanup);
    const env = {
      ESURETY_DATA_DIR: dataDir,
      ESURETY_LOG_WITNESSES: `${prep.verifierKey} http://127.0.0.1:${prep.port}`,
    };
    const token = await createToken(env);
    const boot = async () => {
      const server = await startServer(env);
      cleanup.push(async () => void (await stop(server)));
      return server;
    };

    let server = await boot();
    const logKey = (await (await fetch(`${server.url}/log/key`)).text()).trim();
    const witness = await startWitness(cleanup, prep, logKey);
    let api = apiClient(server.url, token);
    expect((await api('PUT', '/api/v1/obligees/mishima-city', MISHIMA)).status).toBe(200);
    expect((await api('POST', '/api/v1/sureties', advanceBody())).status).toBe(201);
    checkCosignature(await cosignedAt(server, 1), witness.verifierKey);
    await stop(server);
    fs.cpSync(dataDir, path.join(root, 'backup'), { recursive: true });

    server = await boot();
    api = apiClient(server.url, token);
    for (let i = 0; i < 2; i++) expect((await api('POST', '/api/v1/sureties', advanceBody())).status).toBe(201);
    checkCosignature(await cosignedAt(server, 3), witness.verifierKey);
    await stop(server);

    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.cpSync(path.join(root, 'backup'), dataDir, { recursive: true });
    server = await boot();
    api = apiClient(server.url, token);
    expect(server.stdout()).toContain('the transparency log is ON HOLD');
    const refused = await api('POST', '/api/v1/sureties', advanceBody({ contractNumber: '10001-009001' }));
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toContain('log:resume');
    // The public log still serves what it had, and the witness kept its size.
    expect((await (await fetch(`${server.url}/log/checkpoint`)).text()).split('\n')[1]).toBe('1');
    expect(JSON.parse(fs.readFileSync(witness.stateFile, 'utf8')).logs['esurety-ops.localhost/log'].size).toBe(3);
    // Nothing secret in the server's log lines about the witness.
    expect(server.stdout() + server.stderr()).not.toContain(fs.readFileSync(prep.keyFile, 'utf8').trim().slice(-44));
  }, 180_000);
});
