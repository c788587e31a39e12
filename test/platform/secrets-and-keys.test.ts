// The secrets file and the database belong together (DESIGN §2); key rotation keeps old versions verifiable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterEach, expect, it } from 'vitest';
import { rotateSigningKey } from '../../src/services/rotate-keys.js';
import { SecretsError } from '../../src/signing/secrets.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { createPgSchema, describeEachDatabase, dropPgSchema, setup, type TestEnv } from '../support/harness.js';

describeEachDatabase('secrets and signing keys', (kind) => {
  const open: TestEnv[] = [];
  const schemas: string[] = [];
  afterEach(async () => {
    for (const env of open.splice(0)) await env.close().catch(() => undefined);
    for (const schema of schemas.splice(0)) await dropPgSchema(schema);
  });
  const start = async (options: Parameters<typeof setup>[1] = {}) => {
    const env = await setup(kind, options);
    open.push(env);
    return env;
  };
  const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-secrets-'));
  const sharedSchema = async () => {
    if (kind.name !== 'postgres') return undefined;
    const schema = await createPgSchema();
    schemas.push(schema);
    return schema;
  };

  it('creates the secrets file with mode 0600 holding every secret', async () => {
    const env = await start();
    const file = path.join(env.dataDir, 'secrets.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const secrets = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(Object.keys(secrets).sort()).toEqual([
      'activeKid',
      'cookieSecret',
      'encryptionKey',
      'logKey',
      'pepper',
      'signingKeys',
      'version',
    ]);
    if (kind.name === 'sqlite') expect(fs.statSync(path.join(env.dataDir, 'esurety.sqlite')).mode & 0o777).toBe(0o600);
  });

  it('refuses to start against a database whose fingerprint differs from the secrets file', async () => {
    const pgSchema = await sharedSchema();
    const first = await start({ pgSchema, dataDir: tempDir() });
    await registerMishima(first);
    await publish(first);
    await first.close();
    open.splice(0);
    const file = path.join(first.dataDir, 'secrets.json');
    const original = fs.readFileSync(file, 'utf8');
    const other = JSON.parse(original);
    other.pepper = Buffer.alloc(32, 7).toString('base64url');
    fs.writeFileSync(file, JSON.stringify(other), { mode: 0o600 });
    await expect(setup(kind, { dataDir: first.dataDir, pgSchema })).rejects.toThrow(/does not belong to this database/);
    fs.rmSync(file);
    await expect(setup(kind, { dataDir: first.dataDir, pgSchema })).rejects.toBeInstanceOf(SecretsError);
    fs.writeFileSync(file, original, { mode: 0o600 });
    const again = await start({ dataDir: first.dataDir, pgSchema });
    expect(
      (await again.api('GET', '/api/v1/sureties/10001-000001', undefined, { authorization: `Bearer ${again.token}` }))
        .status,
    ).toBe(200);
    fs.rmSync(first.dataDir, { recursive: true, force: true });
  });

  it('keeps old versions verifiable after keys:rotate and signs new ones with the new key', async () => {
    const pgSchema = await sharedSchema();
    const env = await start({ dataDir: tempDir(), pgSchema });
    await registerMishima(env);
    const before = await publish(env);
    const oldKid = decodeProtectedHeader(before.jws).kid;
    const { kid } = await rotateSigningKey(env.ctx.db, env.config.secretsFile, { type: 'cli', id: 't' }, env.now());
    expect(kid).not.toBe(oldKid);
    // A restarted instance signs with the new key, publishes both keys, and the old version still verifies.
    await env.close();
    open.splice(0);
    const restarted = await start({ dataDir: env.dataDir, pgSchema });
    const jwks = (await (await restarted.app.request('/.well-known/jwks.json')).json()) as {
      keys: { kid: string; alg: string }[];
    };
    expect(jwks.keys.map((k) => k.kid).sort()).toEqual([oldKid, kid].sort());
    expect(jwks.keys.every((k) => k.alg === 'ES256')).toBe(true);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    const after = await publish(restarted, { ...(await import('../support/fixtures.js')).contractBody() });
    expect(decodeProtectedHeader(after.jws).kid).toBe(kid);
    const res = await restarted.api('POST', '/api/v1/verify', {
      contractNumber: before.contractNumber,
      authKey: before.authKey,
    });
    expect(res.status).toBe(200);
  });

  it('refuses a secrets file older than a key rotation made elsewhere', async () => {
    const pgSchema = await sharedSchema();
    const env = await start({ dataDir: tempDir(), pgSchema });
    const stale = fs.readFileSync(env.config.secretsFile, 'utf8');
    await rotateSigningKey(env.ctx.db, env.config.secretsFile, { type: 'cli', id: 't' }, env.now());
    await env.close();
    open.splice(0);
    fs.writeFileSync(env.config.secretsFile, stale, { mode: 0o600 });
    await expect(setup(kind, { dataDir: env.dataDir, pgSchema })).rejects.toThrow(/older than a key rotation/);
    fs.rmSync(env.dataDir, { recursive: true, force: true });
  });
});
