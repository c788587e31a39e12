// The integrity audit (`npm run cli -- audit`): a clean database passes; every kind of tampering is reported by name.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CompactSign } from 'jose';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { auditIntegrity, trustedKeysOf, type IntegrityProblem } from '../../src/services/audit-integrity.js';
import { backupSqlite } from '../../src/services/backup-database.js';
import { newSigningKey, publicJwkOf, readSecrets } from '../../src/signing/secrets.js';
import { jwsHash, signVersion, type VersionPayload } from '../../src/signing/versions.js';
import { addVersion, advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';

const root = path.resolve(import.meta.dirname, '../..');

describeEachDatabase('integrity audit', (kind) => {
  let env: TestEnv;
  let a: string;
  let b: string;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber: a } = await publish(env));
    await addVersion(env, a, { event: 'change', changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 } });
    await addVersion(env, a, { event: 'correction', target: 2, changes: { depositBank: '静岡中央銀行 本店' } });
    ({ contractNumber: b } = await publish(env));
    await addVersion(env, b, { event: 'change', changes: { guaranteePeriod: { to: '2027-06-30' } } });
    await addVersion(env, b, { event: 'change_cancellation', target: 2 });
    await addVersion(env, b, { event: 'cancellation' });
  });
  afterEach(async () => env.close());

  const audit = async () => {
    const secrets = readSecrets(env.config.secretsFile);
    if (!secrets) throw new Error('no secrets file');
    const problems: IntegrityProblem[] = [];
    const report = await auditIntegrity(env.ctx.db, {
      trusted: await trustedKeysOf(secrets),
      onProblem: (p) => problems.push(p),
      batchSize: 1, // several batches even for two guarantees
    });
    return { report, problems, summary: problems.map((p) => `${p.area} ${p.subject} [${p.check}]`) };
  };
  // The command an operator runs, on the SQLite data dir (PostgreSQL runs the same checks in-process above it).
  const cliAudit = () =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'audit'], {
      cwd: root,
      env: { ...process.env, ESURETY_DATA_DIR: env.dataDir, NODE_ENV: 'test', ESURETY_DEMO: '0' },
      encoding: 'utf8',
    });
  /** Exit code and the FAIL lines the operator reads (SQLite only: the CLI opens the data dir's file). */
  const expectCliFinds = (...lines: string[]) => {
    if (kind.name !== 'sqlite') return;
    const run = cliAudit();
    expect(run.stderr).not.toMatch(/\n\s+at /); // a finding, never a stack trace
    expect(run.status).toBe(1);
    for (const line of lines) expect(run.stdout).toContain(line);
  };
  const payloadOf = (jws: string) =>
    JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as VersionPayload;
  /** One character of `text` at `index` replaced by another of the same alphabet: a flipped byte. */
  const flip = (text: string, index: number) =>
    `${text.slice(0, index)}${text[index] === 'a' ? 'b' : 'a'}${text.slice(index + 1)}`;
  const jwsOf = async (n: string, seq: number) =>
    (
      await env.ctx.db
        .selectFrom('versions')
        .select('jws')
        .where('contract_number', '=', n)
        .where('seq', '=', seq)
        .executeTakeFirstOrThrow()
    ).jws;

  it('passes a clean database and counts what it checked', async () => {
    const { report, problems } = await audit();
    expect(problems).toEqual([]);
    expect(report).toMatchObject({ guarantees: 2, versions: 7, visibleVersions: 4, hiddenVersions: 3, problems: 0 });
    // One token, one obligee, seven versions: every state change has its row.
    expect(report.auditRows).toBe(9);
    expect(report.auditHead?.hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('reports a stored JWS changed by one character, and the broken prev link after it', async () => {
    const jws = await jwsOf(a, 2);
    const [h, p, s = ''] = jws.split('.');
    const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    await env.ctx.db
      .updateTable('versions')
      .set({ jws: flipped })
      .where('contract_number', '=', a)
      .where('seq', '=', 2)
      .execute();
    const { summary } = await audit();
    expect(summary).toContain(`versions ${a} seq 2 [signature]`);
    expect(summary).toContain(`versions ${a} seq 3 [chain]`);
    expect(summary.every((s) => s.includes(a))).toBe(true);
  });

  it('reports a deleted version: the gap in seq, latest_seq and the orphaned audit row', async () => {
    await env.ctx.db.deleteFrom('versions').where('contract_number', '=', a).where('seq', '=', 2).execute();
    const { summary } = await audit();
    expect(summary).toContain(`versions ${a} seq 3 [sequence]`);
    expect(summary).toContain(`sureties ${a} [sequence]`);
    expect(summary.some((s) => /^audit_log id \d+ \[versions\]$/.test(s))).toBe(true);
  });

  it('reports a deleted last version, which leaves no gap behind', async () => {
    await env.ctx.db.deleteFrom('versions').where('contract_number', '=', b).where('seq', '=', 4).execute();
    const { summary } = await audit();
    expect(summary).toContain(`sureties ${b} [sequence]`);
    expect(summary.some((s) => /^audit_log id \d+ \[versions\]$/.test(s))).toBe(true);
  });

  it('reports two versions swapped in order', async () => {
    const move = (from: number, to: number) =>
      env.ctx.db
        .updateTable('versions')
        .set({ seq: to })
        .where('contract_number', '=', b)
        .where('seq', '=', from)
        .execute();
    await move(2, 100);
    await move(3, 2);
    await move(100, 3);
    const { summary } = await audit();
    expect(summary).toContain(`versions ${b} seq 2 [sequence]`);
    expect(summary).toContain(`versions ${b} seq 3 [sequence]`);
  });

  it('reports an edited audit row exactly where the hash chain breaks', async () => {
    const row = await env.ctx.db
      .selectFrom('audit_log')
      .select('id')
      .where('action', '=', 'surety.change')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    await env.ctx.db.updateTable('audit_log').set({ actor_id: 'someone-else' }).where('id', '=', row.id).execute();
    const { summary } = await audit();
    expect(summary).toEqual([`audit_log id ${row.id} [chain]`]);
  });

  it('reports a deleted audit row at the next link, and the version it recorded as unaudited', async () => {
    const rows = await env.ctx.db.selectFrom('audit_log').select(['id', 'action']).orderBy('id').execute();
    const victim = rows.findIndex((r) => r.action === 'surety.correction');
    await env.ctx.db
      .deleteFrom('audit_log')
      .where('id', '=', rows[victim]?.id ?? -1)
      .execute();
    const { summary } = await audit();
    expect(summary).toContain(`audit_log id ${rows[victim + 1]?.id} [chain]`);
    expect(summary).toContain(`audit_log ${a} seq 3 [versions]`);
  });

  it('rejects a version re-signed with a key an intruder added to the database', async () => {
    const key = await newSigningKey(env.now());
    await env.ctx.db
      .insertInto('signing_keys')
      .values({
        kid: key.kid,
        public_jwk: JSON.stringify(publicJwkOf(key.privateJwk)),
        created_at: env.now().toISOString(),
        retired_at: null,
      })
      .execute();
    // A forged last version: same payload with a bigger amount, signed with the intruder's key.
    const original = await jwsOf(a, 3);
    const payload = JSON.parse(Buffer.from(original.split('.')[1] ?? '', 'base64url').toString('utf8'));
    payload.certificate.guaranteeAmount = 40_000_000;
    const { importJWK } = await import('jose');
    const forged = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'esurety-version+jwt' })
      .sign(await importJWK(key.privateJwk, 'ES256'));
    await env.ctx.db
      .updateTable('versions')
      .set({ jws: forged })
      .where('contract_number', '=', a)
      .where('seq', '=', 3)
      .execute();
    const { summary } = await audit();
    expect(summary).toContain(`signing_keys ${key.kid} [key]`);
    expect(summary).toContain(`versions ${a} seq 3 [key]`);
  });

  it('reports stored lookup columns that disagree with the signed current version', async () => {
    await sql`update sureties set works_name = ${'改ざんされた工事名'} where contract_number = ${a}`.execute(
      env.ctx.db,
    );
    const { summary } = await audit();
    expect(summary).toEqual([`sureties ${a} [columns]`]);
  });

  if (kind.name === 'sqlite') {
    it('reports a corrupt page of the SQLite file as integrity_check findings, without a stack trace', async () => {
      for (let i = 0; i < 12; i++) await publish(env);
      const raw = env.platform.handle.sqlite;
      if (!raw) throw new Error('no SQLite handle');
      const leaf = raw
        .prepare("select pgoffset from dbstat where name = 'versions' and pagetype = 'leaf' order by pageno")
        .all()[1] as { pgoffset: number };
      raw.pragma('wal_checkpoint(TRUNCATE)');
      // One byte: the b-tree page type at the start of a page of stored versions.
      const fd = fs.openSync(path.join(env.dataDir, 'esurety.sqlite'), 'r+');
      const byte = Buffer.alloc(1);
      fs.readSync(fd, byte, 0, 1, leaf.pgoffset);
      fs.writeSync(fd, Buffer.from([(byte[0] ?? 0) ^ 0xff]), 0, 1, leaf.pgoffset);
      fs.closeSync(fd);
      const run = cliAudit();
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.status).toBe(1);
      expect(run.stdout).toContain('FAIL database sqlite [integrity_check] database disk image is malformed');
      // The checks that do not need the damaged page still ran.
      expect(run.stdout).toMatch(/audit: \d+ audit rows: hash chain/);
    }, 60_000);

    it('names a damaged database it cannot even open, without a stack trace', async () => {
      const raw = env.platform.handle.sqlite;
      if (!raw) throw new Error('no SQLite handle');
      const { pgoffset } = raw.prepare("select pgoffset from dbstat where name = 'meta'").get() as { pgoffset: number };
      raw.pragma('wal_checkpoint(TRUNCATE)');
      const fd = fs.openSync(path.join(env.dataDir, 'esurety.sqlite'), 'r+');
      const byte = Buffer.alloc(1);
      fs.readSync(fd, byte, 0, 1, pgoffset);
      fs.writeSync(fd, Buffer.from([(byte[0] ?? 0) ^ 0xff]), 0, 1, pgoffset);
      fs.closeSync(fd);
      const run = cliAudit();
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('the SQLite database is damaged (database disk image is malformed): restore');
    }, 60_000);

    it('is a command that prints counts and each failure, and exits 1 on any failure', async () => {
      const run = (...args: string[]) =>
        spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'audit', ...args], {
          cwd: root,
          env: { ...process.env, ESURETY_DATA_DIR: env.dataDir, NODE_ENV: 'test', ESURETY_DEMO: '0' },
          encoding: 'utf8',
        });
      const clean = run();
      expect(clean.status).toBe(0);
      expect(clean.stdout).toContain('audit: 2 guarantees, 7 versions (4 visible, 3 hidden)');
      expect(clean.stdout).toMatch(/audit: ok — 0 problems/);
      await env.ctx.db.deleteFrom('versions').where('contract_number', '=', a).where('seq', '=', 3).execute();
      // The next run is incremental (nothing new): the deleted row shows as the leaf left without its version.
      const broken = run();
      expect(broken.status).toBe(1);
      expect(broken.stdout).toContain(`FAIL versions ${a} seq 3 [log] the version of log leaf 2, audited before`);
      expect(broken.stdout).toMatch(/audit: FAILED — \d+ problems/);
      const full = run('--full');
      expect(full.status).toBe(1);
      expect(full.stdout).toContain(`FAIL sureties ${a} [sequence] latest_seq is 3 but 2 versions are stored`);
    }, 90_000);
  }

  it('reports a key HMAC changed by one byte, which refuses the genuine key', async () => {
    const { auth_key_hmac } = await env.ctx.db
      .selectFrom('sureties')
      .select('auth_key_hmac')
      .where('contract_number', '=', a)
      .executeTakeFirstOrThrow();
    await env.ctx.db
      .updateTable('sureties')
      .set({ auth_key_hmac: flip(auth_key_hmac, 20) })
      .where('contract_number', '=', a)
      .execute();
    const { summary, problems } = await audit();
    expect(summary).toEqual([`sureties ${a} [auth_key]`]);
    expect(problems[0]?.message).toContain('the genuine key is refused');
    expectCliFinds(`FAIL sureties ${a} [auth_key] the key HMAC (auth_key_hmac) does not match the stored key`);
  }, 30_000);

  it('reports an encrypted key changed by one byte, which breaks the notice PDF', async () => {
    const { auth_key_jwe } = await env.ctx.db
      .selectFrom('sureties')
      .select('auth_key_jwe')
      .where('contract_number', '=', b)
      .executeTakeFirstOrThrow();
    const ciphertextAt = auth_key_jwe.lastIndexOf('.') - 3;
    await env.ctx.db
      .updateTable('sureties')
      .set({ auth_key_jwe: flip(auth_key_jwe, ciphertextAt) })
      .where('contract_number', '=', b)
      .execute();
    const { summary } = await audit();
    expect(summary).toEqual([`sureties ${b} [auth_key]`]);
    expectCliFinds(`FAIL sureties ${b} [auth_key] the encrypted key (auth_key_jwe) does not decrypt`);
  }, 30_000);

  it('reports an idempotency answer changed by one byte to name another guarantee', async () => {
    const res = await env.api('POST', '/api/v1/sureties', advanceBody(), { 'idempotency-key': 'retry-7' });
    expect(res.status).toBe(201);
    const c: string = res.json.contractNumber;
    const row = await env.ctx.db
      .selectFrom('idempotency_keys')
      .select(['token_id', 'response'])
      .where('idem_key', '=', 'retry-7')
      .executeTakeFirstOrThrow();
    // c and a differ in their last digit only: one byte turns the stored answer into a's number.
    expect(c.slice(0, -1)).toBe(a.slice(0, -1));
    await env.ctx.db
      .updateTable('idempotency_keys')
      .set({ response: row.response.replace(c, a) })
      .where('idem_key', '=', 'retry-7')
      .execute();
    const { summary, report } = await audit();
    expect(report.idempotencyAnswers).toBe(1);
    expect(summary).toEqual([`idempotency_keys token ${row.token_id} key "retry-7" [idempotency]`]);
    expectCliFinds(
      `FAIL idempotency_keys token ${row.token_id} key "retry-7" [idempotency] the stored answer names ${a} but its ` +
        `signed version is not that guarantee's`,
    );
  }, 30_000);

  it('reports a lone surrogate stored in the current version until a correction replaces it', async () => {
    // Data stored before the API refused such text: the signed payload keeps \ud800, the lookup column U+FFFD.
    const { contractNumber: c, jws } = await publish(env);
    const payload = payloadOf(jws);
    payload.certificate.works.name = '市道大場線道路改良工事\ud800';
    payload.certificate.contractor.address = '静岡県三島市北田町\udc004番47号';
    await env.ctx.db
      .updateTable('versions')
      .set({ jws: await signVersion(env.ctx.keyring, payload) })
      .where('contract_number', '=', c)
      .execute();
    await env.ctx.db
      .updateTable('sureties')
      .set({ works_name: payload.certificate.works.name })
      .where('contract_number', '=', c)
      .execute();
    const before = await audit();
    expect(before.summary.sort()).toEqual([
      `sureties ${c} [columns]`,
      `versions ${c} seq 1 [text]`,
      `versions ${c} seq 1 [text]`,
    ]);
    expect(before.report.guarantees).toBe(3);
    expectCliFinds(
      `FAIL versions ${c} seq 1 [text] works.name holds a lone surrogate`,
      `FAIL versions ${c} seq 1 [text] contractor.address holds a lone surrogate`,
    );

    // The documented way out: a 訂正 of the current version with the text fixed; the old version stays signed, hidden.
    const fixed = await addVersion(env, c, {
      event: 'correction',
      target: 1,
      changes: { works: { name: '市道大場線道路改良工事' }, contractor: { address: '静岡県三島市北田町4番47号' } },
      reason: '文字化けの訂正',
    });
    expect(fixed.status).toBe(201);
    expect((await audit()).summary).toEqual([]);
    if (kind.name === 'sqlite') {
      // …and the backups, which failed verification while the row was current, are trusted again.
      const raw = env.platform.handle.sqlite;
      const secrets = readSecrets(env.config.secretsFile);
      if (!raw || !secrets) throw new Error('no SQLite handle or secrets');
      const backup = await backupSqlite(raw, path.join(env.dataDir, 'after-correction.sqlite'), secrets);
      expect(backup.ok).toBe(true);
    }
  }, 30_000);

  it('reports a guarantee it cannot evaluate and goes on with the rest', async () => {
    // A validly signed chain whose only visible version is withdrawn: there is no current certificate to compare.
    const { contractNumber: c, jws } = await publish(env);
    const first = payloadOf(jws);
    const second: VersionPayload = { ...first, seq: 2, event: 'change_cancellation', target: 1, prev: jwsHash(jws) };
    await env.ctx.db
      .insertInto('versions')
      .values({
        contract_number: c,
        seq: 2,
        event: 'change_cancellation',
        target: 1,
        jws: await signVersion(env.ctx.keyring, second),
        issued_at: first.issuedAt,
      })
      .execute();
    await env.ctx.db.updateTable('sureties').set({ latest_seq: 2 }).where('contract_number', '=', c).execute();
    const edited = await env.ctx.db
      .selectFrom('audit_log')
      .select('id')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    await env.ctx.db.updateTable('audit_log').set({ actor_id: 'someone-else' }).where('id', '=', edited.id).execute();
    const { summary, report } = await audit();
    expect(summary).toContain(`versions ${c} seq 2 [history]`);
    expect(summary).toContain(`sureties ${c} [unreadable]`);
    // Everything after it was still checked.
    expect(summary).toContain(`audit_log id ${edited.id} [chain]`);
    expect(report.auditRows).toBeGreaterThan(9);
    expectCliFinds(`FAIL sureties ${c} [unreadable] cannot be checked:`, `FAIL audit_log id ${edited.id} [chain]`);
  }, 30_000);
});
