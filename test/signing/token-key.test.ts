// The version-signing key in a PKCS#11 token (issue 19 item 2), on both databases against SoftHSM: keys:rotate moves
// from a file key to a token key (the secrets file keeps its public key and label only), versions published, changed
// and cancelled afterwards carry the token key's kid and verify for the officer, the API and `audit` as the older
// file-key versions still do; a token that cannot be used stops the start with a plain message, never the PIN.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { openSeal } from '../../src/pdf-sign/open-seal.js';
import { tokenAccessOf } from '../../src/platform.js';
import { auditIntegrity, trustedKeysOf, type IntegrityProblem } from '../../src/services/audit-integrity.js';
import { rotateSigningKey } from '../../src/services/rotate-keys.js';
import { importRows, validateCsv } from '../../src/services/staff/import.js';
import { readSecrets, SecretsError } from '../../src/signing/secrets.js';
import { importCsvText } from '../../scripts/make-import-csv.js';
import { loginAs } from '../admin/support.js';
import { grantFor } from '../documents/support.js';
import { addVersion, contractBody, publish, registerMishima } from '../support/fixtures.js';
import { createPgSchema, describeEachDatabase, dropPgSchema, setup, type TestEnv } from '../support/harness.js';
import { makePki, makeSoftHsmToken, type TestPki, type TestToken } from '../support/pki.js';

const root = path.resolve(import.meta.dirname, '../..');

// As in pades.test.ts: skipped (and said so) without SoftHSM or the optional pkcs11js addon, required in CI.
const PKCS11_READY = await (async () => {
  const reasons: string[] = [];
  if (!fs.existsSync('/usr/lib/softhsm/libsofthsm2.so')) reasons.push('SoftHSM (apt-get install softhsm2 opensc)');
  if (
    !(await import('pkcs11js').then(
      () => true,
      () => false,
    ))
  )
    reasons.push('the pkcs11js addon (optional dependency)');
  if (reasons.length > 0 && process.env.ESURETY_REQUIRE_PKCS11 === '1')
    throw new Error(`PKCS#11 test required but missing: ${reasons.join(', ')}`);
  if (reasons.length > 0) console.warn(`PKCS#11 version-key tests skipped: missing ${reasons.join(', ')}`);
  return reasons.length === 0;
})();

let pki: TestPki | undefined;
let token: TestToken;
beforeAll(() => {
  if (!PKCS11_READY) return;
  pki = makePki();
  token = makeSoftHsmToken(pki);
  process.env.SOFTHSM2_CONF = token.conf;
});
afterAll(() => pki?.cleanup());

const cli = { type: 'cli', id: 'test' } as const;
let labels = 0;

describeEachDatabase('the version-signing key in a PKCS#11 token', (kind) => {
  const open: TestEnv[] = [];
  let dataDir: string;
  let pgSchema: string | undefined;
  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-token-key-'));
    pgSchema = kind.name === 'postgres' ? await createPgSchema() : undefined;
  });
  afterEach(async () => {
    for (const env of open.splice(0)) await env.close();
    if (pgSchema) await dropPgSchema(pgSchema);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const tokenEnv = (): Record<string, string> => ({
    ESURETY_PDF_SIGN_PKCS11_MODULE: token.module,
    ESURETY_PDF_SIGN_PKCS11_TOKEN: token.token,
    ESURETY_PDF_SIGN_PKCS11_PIN: token.pin,
    ESURETY_PDF_SIGN_PKCS11_KEY: token.key,
  });
  const start = async (env: Record<string, string> = tokenEnv()) => {
    const started = await setup(kind, { dataDir, ...(pgSchema ? { pgSchema } : {}), env });
    open.push(started);
    return started;
  };
  const stop = async (env: TestEnv) => {
    open.splice(open.indexOf(env), 1);
    await env.close();
  };

  /** A guarantee published with the file key, then `keys:rotate --pkcs11-label` to a key generated in the token. */
  const rotatedToToken = async () => {
    const env = await start();
    await registerMishima(env);
    const before = await publish(env);
    const label = `jws-${kind.name}-${++labels}`;
    const rotation = await rotateSigningKey(env.ctx.db, env.config.secretsFile, cli, env.now(), {
      pkcs11Label: label,
      token: tokenAccessOf(env.config),
    });
    await stop(env);
    return { before, fileKid: decodeProtectedHeader(before.jws).kid!, label, rotation, file: env.config.secretsFile };
  };

  it.skipIf(!PKCS11_READY)(
    'signs publications, changes and cancellations with the token key; old and new versions verify for the officer, the API and audit',
    async () => {
      const { before, fileKid, label, rotation, file } = await rotatedToToken();
      expect(rotation.pkcs11).toEqual({ label, created: true });
      // The secrets file names the token key by its public half and label; its private half never left the token.
      const entry = readSecrets(file)!.signingKeys.find((k) => k.kid === rotation.kid)!;
      expect(Object.keys(entry).sort()).toEqual(['createdAt', 'kid', 'pkcs11Label', 'publicJwk']);
      expect(JSON.stringify(entry)).not.toContain('"d"');

      const env = await start();
      expect(env.ctx.keyring.activeKid).toBe(rotation.kid);
      expect(env.ctx.keyring.signer.describe).toBe(`PKCS#11 token "${token.token}", key "${label}"`);
      const settings = await (await loginAs(env, 'admin@token-key.jp', 'admin')).get('/admin/settings');
      expect(settings.html).toContain(`PKCS#11 トークン「${token.token}」のラベル「${label}」の鍵です`);
      expect(settings.html).not.toContain(token.pin);
      const after = await publish(env, contractBody());
      const change = await addVersion(env, before.contractNumber, {
        event: 'change',
        changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 },
      });
      const cancel = await addVersion(env, after.contractNumber, { event: 'cancellation' });
      expect([change.status, cancel.status]).toEqual([201, 201]);
      for (const jws of [after.jws, change.json.version.jws, cancel.json.version.jws]) {
        expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', kid: rotation.kid, typ: 'esurety-version+jwt' });
      }

      // The officer's form: the changed guarantee (v1 file key, v2 token key) opens as untampered, with the token kid.
      const grant = await grantFor(env, before.contractNumber, before.authKey);
      const page = await env.app.request(`/certificates/${before.contractNumber}`, {
        headers: { cookie: grant, 'x-forwarded-for': '203.0.113.30' },
      });
      const html = await page.text();
      expect(page.status).toBe(200);
      expect(html).toContain('改ざんなし');
      expect(html).toContain(rotation.kid);
      expect(html).not.toContain('署名検証に失敗しました');
      for (const s of [before, after]) {
        const res = await env.api('POST', '/api/v1/verify', { contractNumber: s.contractNumber, authKey: s.authKey });
        expect(res.status).toBe(200);
      }

      // The JWKS keeps its shape: both keys, public members only.
      const jwks = (await (await env.app.request('/.well-known/jwks.json')).json()) as { keys: object[] };
      expect(jwks.keys.map((k) => Object.keys(k).sort())).toEqual([
        ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
        ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
      ]);
      expect(jwks.keys.map((k) => (k as { kid: string }).kid).sort()).toEqual([fileKid, rotation.kid].sort());

      // Batched publication (the staff CSV import) signs a batch's versions together, all through the token.
      const csv = await validateCsv(env.ctx, new TextEncoder().encode(importCsvText(3)));
      expect((await importRows(env.ctx, cli, csv.rows)).published).toBe(3);
      const kids = (await env.ctx.db.selectFrom('versions').select('jws').execute()).map(
        (v) => decodeProtectedHeader(v.jws).kid,
      );
      expect(kids.sort()).toEqual([fileKid, ...Array<string>(6).fill(rotation.kid)].sort());

      const problems: IntegrityProblem[] = [];
      const report = await auditIntegrity(env.ctx.db, {
        trusted: await trustedKeysOf(readSecrets(file)!),
        onProblem: (p) => problems.push(p),
      });
      expect(problems).toEqual([]);
      expect(report.versions).toBe(7);
      if (kind.name === 'sqlite') {
        // The command an operator runs: it opens the token too (the active key is checked at every start).
        const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'audit'], {
          cwd: root,
          env: { ...process.env, ...tokenEnv(), ESURETY_DATA_DIR: dataDir, NODE_ENV: 'test', ESURETY_DEMO: '0' },
          encoding: 'utf8',
        });
        expect(run.stderr).not.toContain(token.pin);
        expect(run.status).toBe(0);
      }

      // The e-seal opens its own session on the same token; closing it leaves the version key signing.
      const seal = await openSeal(env.config);
      expect(seal?.describe).toContain(`PKCS#11 token "${token.token}", key "${token.key}"`);
      expect((await seal!.signer.sign(new Uint8Array(32))).length).toBeGreaterThan(64);
      seal!.close();
      const late = await publish(env, contractBody());
      expect(decodeProtectedHeader(late.jws).kid).toBe(rotation.kid);

      // Rotating away from the token key: the token signs the endorsement an instance with the older file trusts.
      const next = await rotateSigningKey(env.ctx.db, file, cli, env.now(), { token: tokenAccessOf(env.config) });
      const stored = await env.ctx.db
        .selectFrom('signing_keys')
        .select('endorsement')
        .where('kid', '=', next.kid)
        .executeTakeFirstOrThrow();
      expect(decodeProtectedHeader(stored.endorsement!).kid).toBe(rotation.kid);
      // This instance's file predates the rotation; once it reloads the database's keys it trusts the endorsed one.
      env.setNow(new Date(env.now().getTime() + 11_000).toISOString());
      expect(await env.ctx.keyring.publicKey(next.kid)).not.toBeNull();
      expect(env.ctx.keyring.refused()).toEqual([]);
    },
  );

  it.skipIf(!PKCS11_READY)(
    'refuses to start when the token key cannot be used (token, PIN, label, another key), never printing the PIN',
    async () => {
      const { label, rotation, file } = await rotatedToToken();
      const refusal = async (env: Record<string, string>) => {
        const error = await start(env).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(SecretsError);
        const message = (error as Error).message;
        expect(message).toContain(`the signing key ${rotation.kid} is in a PKCS#11 token`);
        expect(message).not.toContain(token.pin);
        return message;
      };

      const wrongPin = await refusal({ ...tokenEnv(), ESURETY_PDF_SIGN_PKCS11_PIN: '975319' });
      expect(wrongPin).toContain(`cannot log in to the PKCS#11 token "${token.token}": CKR_PIN_INCORRECT`);
      expect(wrongPin).not.toContain('975319');
      expect(await refusal({ ...tokenEnv(), ESURETY_PDF_SIGN_PKCS11_TOKEN: 'no-such-token' })).toContain(
        'no PKCS#11 token labelled "no-such-token"',
      );
      expect(await refusal({})).toContain('no token is configured');

      const original = fs.readFileSync(file, 'utf8');
      const relabel = (to: string) =>
        fs.writeFileSync(file, original.replace(`"pkcs11Label": "${label}"`, `"pkcs11Label": "${to}"`), {
          mode: 0o600,
        });
      relabel('absent-key');
      expect(await refusal(tokenEnv())).toContain(`no private key labelled "absent-key" on the PKCS#11 token`);
      // Another key in the same token under the label the file names: the probe signature does not verify.
      const { tokenKeyForRotation } = await import('../../src/signing/token-key.js');
      await tokenKeyForRotation({ module: token.module, token: token.token, pin: token.pin }, `${label}-other`);
      relabel(`${label}-other`);
      expect(await refusal(tokenEnv())).toContain(`is not the signing key ${rotation.kid} the secrets file names`);

      fs.writeFileSync(file, original, { mode: 0o600 });
      if (kind.name === 'sqlite') {
        // The real server: one plain line on its way out, exit 1, the PIN nowhere.
        const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
          cwd: root,
          env: {
            ...process.env,
            ...tokenEnv(),
            ESURETY_PDF_SIGN_PKCS11_PIN: '975319',
            ESURETY_DATA_DIR: dataDir,
            NODE_ENV: 'test',
            PORT: '0',
          },
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(run.status).toBe(1);
        expect(run.stdout).toContain(`cannot start: the signing key ${rotation.kid} is in a PKCS#11 token`);
        expect(run.stdout).toContain('CKR_PIN_INCORRECT');
        expect(run.stdout + run.stderr).not.toContain('975319');
      }
      const env = await start();
      expect(env.ctx.keyring.activeKid).toBe(rotation.kid);
    },
  );
});
