// The bulk import publishes in batches (a few hundred guarantees per write transaction) through the API's own
// publication code: every guarantee signed and audited as the API would, nothing written before every row is
// valid, a re-run publishes nothing twice, and a failure names its row and keeps the batches before it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DomainError } from '../../src/errors.js';
import { auditIntegrity, trustedKeysOf } from '../../src/services/audit-integrity.js';
import { importRows, validateCsv, type ImportRow } from '../../src/services/staff/import.js';
import { COLUMNS } from '../../src/services/staff/certificate-form.js';
import { readSecrets } from '../../src/signing/secrets.js';
import { contractBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, snapshotCounts, type TestEnv } from '../support/harness.js';

const ROWS = 1_200;
const actor = { type: 'cli', id: 'ops' } as const;

function csv(rows: number, override: (i: number) => Record<string, string> = () => ({})): string {
  const lines = [COLUMNS.join(',')];
  for (let i = 1; i <= rows; i++) {
    const row: Record<string, string> = {
      product: 'contract',
      obligeeId: 'mishima-city',
      contractorName: `試験建設株式会社 ${i}`,
      worksName: `市道${i}号線改良工事`,
      contractDate: '2026-04-01',
      worksFrom: '2026-04-02',
      worksTo: '2027-03-19',
      contractAmount: String(10_000_000 + i * 1000),
      guaranteeAmount: '1000000',
      guaranteeFrom: '2026-04-02',
      guaranteeTo: '2027-04-30',
      guaranteeDate: '2026-04-10',
      ...override(i),
    };
    lines.push(COLUMNS.map((c) => row[c] ?? '').join(','));
  }
  return `${lines.join('\n')}\n`;
}

const count = async (env: TestEnv, table: 'sureties' | 'audit_log', action?: string) =>
  Number(
    (
      await env.ctx.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .$if(action !== undefined && table === 'audit_log', (q) => q.where('action' as never, '=', action as never))
        .executeTakeFirstOrThrow()
    ).n,
  );

describeEachDatabase('bulk import in batches', (kind) => {
  let env: TestEnv;
  let rows: ImportRow[];
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    const checked = await validateCsv(env.ctx, csv(ROWS));
    expect(checked.errors).toEqual([]);
    rows = checked.rows;
  });
  afterAll(async () => env?.close());

  it('publishes every row, several hundred per transaction, each signed and audited like an API publication', async () => {
    const progress: number[] = [];
    // Batches cut by size only here (the time cap would make their number depend on the machine's speed).
    const report = await importRows(
      env.ctx,
      actor,
      rows,
      (done, total) => {
        expect(total).toBe(ROWS);
        progress.push(done);
      },
      { rows: 500, ms: Infinity },
    );
    expect(report).toMatchObject({ total: ROWS, published: ROWS, skipped: 0 });
    expect(new Set(report.results.map((r) => r.contractNumber)).size).toBe(ROWS);
    // One progress step per committed batch of 500.
    expect(progress).toEqual([500, 1000, ROWS]);
    expect(await count(env, 'sureties')).toBe(ROWS);
    expect(await count(env, 'audit_log', 'surety.publish')).toBe(ROWS);

    // The full integrity audit: every signature and chain, every version with its audit row, the audit hash chain,
    // and the lookup columns (guarantee_end included) equal to the signed current version.
    const secrets = readSecrets(env.config.secretsFile);
    if (!secrets) throw new Error('no secrets file');
    const problems: unknown[] = [];
    const audit = await auditIntegrity(env.ctx.db, {
      trusted: await trustedKeysOf(secrets),
      onProblem: (p) => problems.push(p),
    });
    expect(problems).toEqual([]);
    expect(audit.versions).toBe(ROWS);

    // What a verifier sees is the row's content, published by the API's code under the CLI actor.
    const sample = report.results[ROWS - 1]!;
    const api = await env.api('GET', `/api/v1/sureties/${sample.contractNumber}`);
    expect(api.json.current.certificate).toMatchObject({
      product: 'contract',
      contractNumber: sample.contractNumber,
      contractor: { name: `試験建設株式会社 ${ROWS}` },
      contractAmount: 10_000_000 + ROWS * 1000,
      issuer: { name: 'テスト保証株式会社' },
      obligee: { id: 'mishima-city', name: '三島市', title: '三島市長' },
    });
    const row = await env.ctx.db
      .selectFrom('audit_log')
      .select(['actor_type', 'actor_id'])
      .where('contract_number', '=', sample.contractNumber)
      .where('action', '=', 'surety.publish')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ actor_type: 'cli', actor_id: 'ops' });
  });

  it('publishes nothing twice when the same rows run again (whoever runs them)', async () => {
    const before = await snapshotCounts(env);
    const again = await importRows(env.ctx, { type: 'cli', id: 'someone-else' }, rows);
    expect(again).toMatchObject({ published: 0, skipped: ROWS });
    expect(await snapshotCounts(env)).toEqual(before);
  });

  it('numbers a batch in one go around numbers an issuer took itself, a repeated row getting its first one', async () => {
    const office = env.config.officeCode;
    const number = (seq: number) => `${office}-${String(seq).padStart(6, '0')}`;
    // The office's sequence stands at ROWS: the issuer sends the number after next itself.
    const taken = await publish(env, contractBody({ contractNumber: number(ROWS + 2) }));
    expect(taken.contractNumber).toBe(number(ROWS + 2));
    const file = csv(3, (i) => ({
      contractorName: `再試験建設株式会社 ${i === 3 ? 1 : i}`,
      worksName: `県道${i === 3 ? 1 : i}号線改良工事`,
      contractAmount: String(20_000_000 + (i === 3 ? 1 : i) * 1000),
      ...(i === 2 ? { contractorEmail: 'keiri@example.jp' } : {}),
    }));
    const checked = await validateCsv(env.ctx, file);
    expect(checked.errors).toEqual([]);
    const report = await importRows(env.ctx, actor, checked.rows);
    expect(report.results).toEqual([
      { row: 2, contractNumber: number(ROWS + 1), skipped: false },
      { row: 3, contractNumber: number(ROWS + 3), skipped: false },
      { row: 4, contractNumber: number(ROWS + 1), skipped: true },
    ]);
    // The row with a contractor address has its 発行完了 mail queued with it, the others none.
    const mails = await env.ctx.db.selectFrom('mail_outbox').select(['contract_number', 'recipient']).execute();
    expect(mails.filter((m) => m.recipient === 'keiri@example.jp')).toEqual([
      { contract_number: number(ROWS + 3), recipient: 'keiri@example.jp' },
    ]);
    for (const r of report.results)
      expect((await env.api('GET', `/api/v1/sureties/${r.contractNumber}`)).status).toBe(200);
  });

  it('checks every row before writing anything', async () => {
    const fresh = (
      await validateCsv(
        env.ctx,
        csv(3, (i) => ({ worksName: `未登録の工事 ${i}` })),
      )
    ).rows;
    const broken: ImportRow[] = [...fresh, { row: 5, key: 'import:broken', body: { product: 'contract' } }];
    const before = await snapshotCounts(env);
    const error = await importRows(env.ctx, actor, broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'validation_failed' });
    expect((error as DomainError).message).toMatch(/^5行目: .*このファイルからは何も登録していません/);
    expect(await snapshotCounts(env)).toEqual(before);
  });

  it('names the row a publication fails on, keeps the batches before it, and continues on a re-run', async () => {
    const taken = (await env.ctx.db.selectFrom('sureties').select('contract_number').executeTakeFirstOrThrow())
      .contract_number;
    const failing = 900;
    const text = csv(1_000, (i) => ({
      worksName: `第二期 ${i}`,
      // Valid in the file; refused at publication because the number is in use.
      ...(i === failing ? { contractNumber: taken } : {}),
    }));
    const { rows: second, errors } = await validateCsv(env.ctx, text);
    expect(errors).toEqual([]);
    const startCount = await count(env, 'sureties');
    const error = (await importRows(env.ctx, actor, second, undefined, { rows: 200, ms: Infinity }).catch(
      (e: unknown) => e,
    )) as DomainError;
    expect(error).toMatchObject({ code: 'conflict' });
    const line = failing + 1; // the header is line 1
    const m = new RegExp(`^${line}行目: .*（(\\d+)行目までは登録済みです`).exec(error.message);
    expect(m, error.message).not.toBeNull();
    const committed = (await count(env, 'sureties')) - startCount;
    // Exactly the batches before the failing one (four of 200: lines 2 … 801), none of the failing batch.
    expect(Number(m![1])).toBe(801);
    expect(committed).toBe(800);

    // Fixed file: the re-run skips what was committed and publishes the rest.
    const fixed = (
      await validateCsv(
        env.ctx,
        csv(1_000, (i) => ({ worksName: `第二期 ${i}` })),
      )
    ).rows;
    const report = await importRows(env.ctx, actor, fixed);
    expect(report).toMatchObject({ published: 1_000 - committed, skipped: committed });
    expect((await count(env, 'sureties')) - startCount).toBe(1_000);
  });

  it('says nothing was registered when the first row fails, wherever in the file that row starts', async () => {
    const taken = (await env.ctx.db.selectFrom('sureties').select('contract_number').executeTakeFirstOrThrow())
      .contract_number;
    // A blank line after the header: the first row starts on line 3.
    const text = csv(2, (i) => ({ worksName: `第三期 ${i}`, ...(i === 1 ? { contractNumber: taken } : {}) })).replace(
      '\n',
      '\n\n',
    );
    const { rows, errors } = await validateCsv(env.ctx, text);
    expect(errors).toEqual([]);
    expect(rows.map((r) => r.row)).toEqual([3, 4]);
    const before = await snapshotCounts(env);
    const error = (await importRows(env.ctx, actor, rows).catch((e: unknown) => e)) as DomainError;
    expect(error).toMatchObject({ code: 'conflict' });
    expect(error.message).toMatch(/^3行目: .*（このファイルからは何も登録していません）$/);
    expect(await snapshotCounts(env)).toEqual(before);
  });
});
