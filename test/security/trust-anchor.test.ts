// The secrets file is the trust anchor (issue 14): a signing key that only the database knows — the penetration
// test's "retired" attacker key with a forged version — is refused by the page, the verify API, the JWKS and
// /verify-file, named at start-up and by `audit`; a rotation still verifies across two instances sharing a database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CompactSign, decodeProtectedHeader, importJWK } from 'jose';
import { afterEach, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { openPlatform } from '../../src/platform.js';
import { auditIntegrity, trustedKeysOf, type IntegrityProblem } from '../../src/services/audit-integrity.js';
import { rotateSigningKey } from '../../src/services/rotate-keys.js';
import { trustSigningKey } from '../../src/services/trust-key.js';
import { createKeyring } from '../../src/signing/keyring.js';
import { newSigningKey, publicJwkOf, readSecrets } from '../../src/signing/secrets.js';
import { VerifiedCache } from '../../src/signing/versions.js';
import { loginAs } from '../admin/support.js';
import { download, grantFor, uploadForVerification } from '../documents/support.js';
import { contractBody, publish, registerMishima } from '../support/fixtures.js';
import { createPgSchema, describeEachDatabase, dropPgSchema, PG_URL, setup, type TestEnv } from '../support/harness.js';

describeEachDatabase('the secrets file as the trust anchor', (kind) => {
  const open: TestEnv[] = [];
  const cleanup: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const env of open.splice(0).reverse()) await env.close().catch(() => undefined);
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  const start = async (options: Parameters<typeof setup>[1] = {}) => {
    const env = await setup(kind, options);
    open.push(env);
    return env;
  };
  const stop = async (env: TestEnv) => {
    open.splice(open.indexOf(env), 1);
    await env.close();
  };
  const shared = async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-trust-'));
    cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    if (kind.name !== 'postgres') return { dataDir };
    const pgSchema = await createPgSchema();
    cleanup.push(() => dropPgSchema(pgSchema));
    return { dataDir, pgSchema };
  };

  const pageOf = async (env: TestEnv, url: string, cookie: string) =>
    (await env.app.request(url, { headers: { cookie, 'x-forwarded-for': '203.0.113.30' } })).text();

  /** What the penetration test did with database write access only: a "retired" key and a version it signed. */
  async function forge(env: TestEnv, contractNumber: string, genuine: string) {
    const attacker = await newSigningKey(new Date('2026-01-05T00:00:00Z'));
    const sign = async (typ: string, payload: object) =>
      new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'ES256', kid: attacker.kid, typ })
        .sign(await importJWK(attacker.privateJwk, 'ES256'));
    const publicJwk = publicJwkOf(attacker.privateJwk);
    await env.ctx.db
      .insertInto('signing_keys')
      .values({
        kid: attacker.kid,
        public_jwk: JSON.stringify(publicJwk),
        created_at: '2026-01-05T00:00:00.000Z',
        retired_at: '2026-02-01T00:00:00.000Z',
        // It even "endorses" itself: an endorsement counts only from a key the secrets file trusts.
        endorsement: await sign('esurety-key+jwt', { kid: attacker.kid, jwk: publicJwk, createdAt: '2026-01-05' }),
      })
      .execute();
    const payload = JSON.parse(Buffer.from(genuine.split('.')[1] ?? '', 'base64url').toString('utf8'));
    payload.certificate.contractAmount = 900_000_000;
    payload.certificate.guaranteeAmount = 360_000_000;
    const forged = await sign('esurety-version+jwt', payload);
    await env.ctx.db
      .updateTable('versions')
      .set({ jws: forged })
      .where('contract_number', '=', contractNumber)
      .where('seq', '=', 1)
      .execute();
    return { attacker, forged };
  }

  it('refuses a retired key found only in the database, and its forged version, everywhere', async () => {
    const place = await shared();
    const first = await start(place);
    await registerMishima(first);
    const { contractNumber, authKey, jws } = await publish(first, contractBody());
    const { attacker, forged } = await forge(first, contractNumber, jws);
    await stop(first);

    // Start-up names the kid (and says what to do about it).
    const lines: { level: string; msg: string; kid?: string }[] = [];
    const probe = await openPlatform(first.config, {
      logger: createLogger({ destination: { write: (line: string) => void lines.push(JSON.parse(line)) } }),
      connection: place.pgSchema
        ? { databaseUrl: PG_URL, pgSchema: place.pgSchema, poolSize: 2 }
        : { sqliteFile: path.join(place.dataDir, 'esurety.sqlite') },
    });
    await probe.close();
    const named = lines.filter((l) => l.msg.includes(attacker.kid));
    expect(named).toHaveLength(1);
    expect(named[0]?.level).toBe('error');
    expect(named[0]?.msg).toContain('keys:trust');

    const env = await start(place);
    const jwks = (await (await env.app.request('/.well-known/jwks.json')).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([env.ctx.keyring.activeKid]);

    const api = await env.api('POST', '/api/v1/verify', { contractNumber, authKey });
    expect(api.status).not.toBe(200);
    expect(api.text).not.toContain('360000000');

    const grant = await grantFor(env, contractNumber, authKey);
    const page = await pageOf(env, `/certificates/${contractNumber}`, grant);
    expect(page).toContain('署名検証に失敗しました');
    expect(page).not.toContain('360,000,000円');

    const passed = (html: string) => html.includes('class="banner banner-active"');
    const bare = await (await uploadForVerification(env, new TextEncoder().encode(forged), 'v.jws')).text();
    expect(passed(bare)).toBe(false);
    expect(bare).toContain(`未知の署名鍵です（kid ${attacker.kid}）`);
    // The PDF the unfixed platform rendered for the forgery (its keyring trusted the database): refused as well.
    const secrets = readSecrets(env.config.secretsFile);
    if (!secrets) throw new Error('no secrets file');
    const gullible = await createKeyring(
      { ...secrets, publicKeys: [{ kid: attacker.kid, createdAt: '2026-01-05', publicJwk: attacker.privateJwk }] },
      async () => [],
    );
    const renderer = { ...env, app: createApp({ ...env.ctx, keyring: gullible, verified: new VerifiedCache() }) };
    const pdf = await download(renderer, `/certificates/${contractNumber}/certificate.pdf`, grant);
    expect(pdf.res.status).toBe(200);
    const checked = await (await uploadForVerification(env, pdf.bytes, 'forged.pdf')).text();
    expect(passed(checked)).toBe(false);
    expect(checked).toContain(`未知の署名鍵です（kid ${attacker.kid}）`);

    const problems: IntegrityProblem[] = [];
    await auditIntegrity(env.ctx.db, { trusted: await trustedKeysOf(secrets), onProblem: (p) => problems.push(p) });
    expect(problems.filter((p) => p.subject === attacker.kid).map((p) => p.area)).toEqual(['signing_keys']);
    expect(problems.some((p) => p.subject === `${contractNumber} seq 1` && p.check === 'key')).toBe(true);

    // Staff see it as refused, not as a retired key that "verifies older versions".
    const admin = await loginAs(env, 'admin@trust.jp', 'admin');
    const settings = (await admin.get('/admin/settings')).html;
    const row = new RegExp(`<td class="kid">${attacker.kid}</td>.*?</tr>`, 's').exec(settings)?.[0] ?? '';
    expect(row).toContain('拒否（秘密鍵ファイルにない鍵です');
    expect(row).not.toContain('廃止（過去の版の検証にだけ使います）');
  });

  it('verifies old and new versions on both of two instances sharing a database across keys:rotate', async () => {
    const place = await shared();
    const fileA = path.join(place.dataDir, 'secrets-a.json');
    const fileB = path.join(place.dataDir, 'secrets-b.json');
    const a = await start({ ...place, env: { ESURETY_SECRETS_FILE: fileA } });
    fs.copyFileSync(fileA, fileB);
    const b = await start({ ...place, env: { ESURETY_SECRETS_FILE: fileB } });
    await registerMishima(a);
    const before = await publish(a, contractBody());
    const oldKid = decodeProtectedHeader(before.jws).kid;

    // Rotated with A's (writable) file; A restarts with it, B keeps running with the file from before the rotation.
    const { kid } = await rotateSigningKey(a.ctx.db, fileA, { type: 'cli', id: 't' }, a.now());
    await stop(a);
    const a2 = await start({ ...place, env: { ESURETY_SECRETS_FILE: fileA } });
    const after = await publish(a2, contractBody());
    expect(decodeProtectedHeader(after.jws).kid).toBe(kid);
    b.setNow(new Date(b.now().getTime() + 60_000).toISOString());

    for (const env of [a2, b]) {
      for (const s of [before, after]) {
        const res = await env.api('POST', '/api/v1/verify', { contractNumber: s.contractNumber, authKey: s.authKey });
        expect(res.status, `${env === b ? 'B' : 'A'} ${s.contractNumber}`).toBe(200);
        const grant = await grantFor(env, s.contractNumber, s.authKey);
        const page = await pageOf(env, `/certificates/${s.contractNumber}`, grant);
        expect(page).not.toContain('署名検証に失敗しました');
      }
      const jwks = (await (await env.app.request('/.well-known/jwks.json')).json()) as { keys: { kid: string }[] };
      expect(jwks.keys.map((k) => k.kid).sort()).toEqual([oldKid, kid].sort());
    }
    const problems: IntegrityProblem[] = [];
    const stale = readSecrets(fileB);
    if (!stale) throw new Error('no secrets file');
    const report = await auditIntegrity(b.ctx.db, {
      trusted: await trustedKeysOf(stale),
      onProblem: (p) => problems.push(p),
    });
    expect(problems).toEqual([]);
    expect(report.signingKeys).toBe(2);
  });

  it('adopts a key the secrets file lost only through keys:trust, audited, and only the key named', async () => {
    const place = await shared();
    const cli = { type: 'cli' as const, id: 't' };
    let env = await start(place);
    await registerMishima(env);
    const first = await publish(env, contractBody());
    const { kid: lost } = await rotateSigningKey(env.ctx.db, env.config.secretsFile, cli, env.now());
    await stop(env);
    env = await start(place);
    const second = await publish(env, contractBody());
    expect(decodeProtectedHeader(second.jws).kid).toBe(lost);
    await rotateSigningKey(env.ctx.db, env.config.secretsFile, cli, env.now());
    await stop(env);
    // A deployment from before endorsements (the key's row has none) whose operator pruned that retired key from the
    // file by hand: its versions no longer verify after the upgrade.
    const file = env.config.secretsFile;
    const legacy = await setup(kind, place);
    await legacy.ctx.db.updateTable('signing_keys').set({ endorsement: null }).where('kid', '=', lost).execute();
    await legacy.close();
    const pruned = JSON.parse(fs.readFileSync(file, 'utf8'));
    pruned.signingKeys = pruned.signingKeys.filter((k: { kid: string }) => k.kid !== lost);
    fs.writeFileSync(file, JSON.stringify(pruned), { mode: 0o600 });

    env = await start(place);
    expect(env.ctx.keyring.refused().map((r) => r.kid)).toEqual([lost]);
    const verify = (e: TestEnv, s: typeof first) =>
      e.api('POST', '/api/v1/verify', { contractNumber: s.contractNumber, authKey: s.authKey });
    expect((await verify(env, second)).status).toBe(500);
    expect((await verify(env, first)).status).toBe(200);

    const unchanged = fs.readFileSync(file, 'utf8');
    await expect(trustSigningKey(env.ctx.db, file, cli, 'no-such-kid', env.now())).rejects.toThrow(/no signing key/);
    expect(fs.readFileSync(file, 'utf8')).toBe(unchanged);
    const added = await trustSigningKey(env.ctx.db, file, cli, lost, env.now());
    expect(added.added).toBe(true);
    expect((await trustSigningKey(env.ctx.db, file, cli, lost, env.now())).added).toBe(false);
    const audit = await env.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'keys.trust').execute();
    expect(audit.map((a) => JSON.parse(a.detail ?? '{}').kid)).toEqual([lost]);
    expect(JSON.stringify(readSecrets(file)?.publicKeys)).not.toContain('"d"');
    await stop(env);

    env = await start(place);
    expect(env.ctx.keyring.refused()).toEqual([]);
    expect((await verify(env, second)).status).toBe(200);
    expect((await verify(env, first)).status).toBe(200);
  });
});
