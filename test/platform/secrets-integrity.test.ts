// A damaged secrets file is refused at start with its name and what to do; the fingerprint the database keeps covers
// the encryption key, so a restored database next to another encryption key never starts to fail its notice PDFs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { legacySecretsFingerprint, secretsFingerprint, SecretsError, type Secrets } from '../../src/signing/secrets.js';
import { publish, registerMishima } from '../support/fixtures.js';
import { createPgSchema, describeEachDatabase, dropPgSchema, setup } from '../support/harness.js';
import { cli } from '../ops/process.js';

describeEachDatabase('a damaged or mismatched secrets file', (kind) => {
  const dirs: string[] = [];
  const schemas: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    for (const schema of schemas.splice(0)) await dropPgSchema(schema);
  });

  /** A data dir (and PostgreSQL schema) with one published guarantee, closed again. */
  const used = async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-secrets-'));
    dirs.push(dataDir);
    const pgSchema = kind.name === 'postgres' ? await createPgSchema() : undefined;
    if (pgSchema) schemas.push(pgSchema);
    const env = await setup(kind, { dataDir, pgSchema });
    await registerMishima(env);
    await publish(env);
    const file = env.config.secretsFile;
    await env.close();
    const read = () => JSON.parse(fs.readFileSync(file, 'utf8')) as Secrets;
    const write = (secrets: Secrets) => fs.writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
    const reopen = () => setup(kind, { dataDir, pgSchema });
    return { dataDir, file, read, write, reopen };
  };
  const flip = (text: string, index: number) =>
    `${text.slice(0, index)}${text[index] === 'A' ? 'B' : 'A'}${text.slice(index + 1)}`;

  it('refuses a signing key damaged by one byte, naming the file, the key and what to do', async () => {
    const { dataDir, file, read, write, reopen } = await used();
    const secrets = read();
    const key = secrets.signingKeys[0];
    if (!key || !('privateJwk' in key)) throw new Error('no signing key in the file');
    key.privateJwk.d = flip(key.privateJwk.d, 7);
    write(secrets);
    const refused = reopen();
    await expect(refused).rejects.toBeInstanceOf(SecretsError);
    await expect(refused).rejects.toThrow(`the secrets file ${file} holds a damaged signing key ${key.kid}`);
    await expect(refused).rejects.toThrow(/restore the file from its backup copy/);
    if (kind.name === 'sqlite') {
      const run = cli(['audit'], { ESURETY_DATA_DIR: dataDir });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`the secrets file ${file} holds a damaged signing key ${key.kid}`);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  }, 30_000);

  it('refuses to start with another encryption key in an otherwise matching secrets file', async () => {
    const { read, write, reopen } = await used();
    const secrets = read();
    secrets.encryptionKey = Buffer.alloc(32, 9).toString('base64url');
    write(secrets);
    await expect(reopen()).rejects.toThrow(/does not belong to this database/);
  });

  it('moves a database bound before the encryption key was fingerprinted onto the new fingerprint', async () => {
    const { read, write, reopen } = await used();
    const secrets = read();
    // As such a database was left: its meta row holds the legacy fingerprint.
    const bindLegacy = async () => {
      const env = await reopen();
      await env.ctx.db
        .updateTable('meta')
        .set({ value: legacySecretsFingerprint(secrets) })
        .where('key', '=', 'secrets_fingerprint')
        .execute();
      await env.close();
    };
    await bindLegacy();
    write({ ...secrets, encryptionKey: Buffer.alloc(32, 9).toString('base64url') });
    await expect(reopen()).rejects.toThrow(/does not decrypt this database's stored authentication keys/);
    write(secrets);
    const env = await reopen();
    try {
      const meta = await env.ctx.db
        .selectFrom('meta')
        .select('value')
        .where('key', '=', 'secrets_fingerprint')
        .execute();
      expect(meta).toEqual([{ value: secretsFingerprint(secrets) }]);
      const upgrades = await env.ctx.db
        .selectFrom('audit_log')
        .select(['actor_type', 'detail'])
        .where('action', '=', 'secrets.fingerprint_upgrade')
        .execute();
      expect(upgrades).toHaveLength(1);
      expect(upgrades[0]?.actor_type).toBe('system');
    } finally {
      await env.close();
    }
  });
});
