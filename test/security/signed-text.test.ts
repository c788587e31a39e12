// Text that is signed into a certificate must be text a reader sees as signed: NUL, other controls, lone surrogates
// and bidirectional overrides are refused with 422 naming the field (API and CSV alike), before anything is written;
// a CSV that is not UTF-8 is an error naming its line instead of U+FFFD signed into a certificate; a merge patch
// nested or sized beyond any real change is a 422, not a 500.
import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import { certificateSchema } from '../../src/domain/certificate.js';
import { publishRequestSchema } from '../../src/domain/requests.js';
import { unsafeTextProblem } from '../../src/domain/safe-text.js';
import { validateCsv } from '../../src/services/staff/import.js';
import { addVersion, advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, snapshotCounts, type TestEnv } from '../support/harness.js';

describe('unsafeTextProblem', () => {
  it('names the character and its position, counting characters not UTF-16 units', () => {
    expect(unsafeTextProblem('𠮷野家\u0000')).toBe('制御文字 U+0000 は使えません（4文字目）');
    expect(unsafeTextProblem('三島\ud800市')).toMatch(/サロゲート U\+D800.*3文字目/);
    expect(unsafeTextProblem('金額\u202e000,000,63')).toMatch(/表示順を入れ替える制御文字 U\+202E.*3文字目/);
    expect(unsafeTextProblem('a\u2066b')).toMatch(/U\+2066/);
    expect(unsafeTextProblem('a\u0085b')).toMatch(/U\+0085/);
  });

  it('accepts ordinary Japanese text, astral characters, tabs and line breaks (an Excel cell may hold them)', () => {
    expect(unsafeTextProblem('髙橋 一郎（𠮷）　ＡＢＣ①')).toBeNull();
    expect(unsafeTextProblem('一行目\r\n二行目\t続き')).toBeNull();
  });
});

describe('what is refused on input and what still reads', () => {
  it('refuses such text in a request but still reads a version signed with it before the rule', () => {
    const body = advanceBody({ contractor: { name: '富士見\u202e建設' } });
    expect(publishRequestSchema.safeParse(body).success).toBe(false);
    const { obligeeId: _o, ...rest } = body;
    const signed = {
      ...rest,
      contractNumber: '10001-000001',
      issuer: { name: '架空保証株式会社（デモ）' },
      obligee: { id: 'mishima-city', name: '三島市' },
    };
    // certificateSchema is what a stored version's payload is checked against: an old version must still verify.
    expect(certificateSchema.safeParse(signed).success).toBe(true);
  });
});

describeEachDatabase('signed text', (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
  });
  afterEach(async () => env.close());

  const bad = {
    NUL: '富士見建設\u0000株式会社',
    'a lone surrogate': '富士見建設\ud800株式会社',
    'a bidi override': '富士見建設\u202e株式会社',
  };

  for (const [what, name] of Object.entries(bad)) {
    it(`refuses a publication whose contractor name holds ${what}, naming the field, and writes nothing`, async () => {
      const before = await snapshotCounts(env);
      const body = advanceBody({ contractor: { name } });
      const res = await env.api('POST', '/api/v1/sureties', body);
      expect(res.status).toBe(422);
      expect(res.json.error.code).toBe('validation_failed');
      expect(res.json.error.issues).toEqual([
        expect.objectContaining({ path: 'contractor.name', message: expect.stringMatching(/6文字目/) }),
      ]);
      expect(await snapshotCounts(env)).toEqual(before);
    });
  }

  it('refuses a change or a reason holding such text, and an obligee name with a NUL', async () => {
    const { contractNumber } = await publish(env);
    const change = await addVersion(env, contractNumber, {
      event: 'change',
      changes: { works: { location: '三島市\u0000大場' } },
    });
    expect(change.status).toBe(422);
    expect(JSON.stringify(change.json.error.issues)).toMatch(/U\+0000/);
    const reason = await addVersion(env, contractNumber, {
      event: 'change',
      changes: { guaranteeAmount: 21_000_000, advanceAmount: 21_000_000 },
      reason: '増額\u202e',
    });
    expect(reason.status).toBe(422);
    expect(reason.json.error.issues).toEqual([expect.objectContaining({ path: 'reason' })]);
    const obligee = await env.api('PUT', '/api/v1/obligees/numazu-city', { name: '沼津市\u0000', rules: [] });
    expect(obligee.status).toBe(422);
    expect((await env.api('GET', `/api/v1/sureties/${contractNumber}`)).json.versions).toHaveLength(1);
  });

  it('answers a merge patch nested 10,000 levels, or with too many members, with 422', async () => {
    const { contractNumber } = await publish(env);
    // Written as text: JSON.stringify itself recurses and would overflow here.
    const deep = `{"event":"change","changes":${'{"works":'.repeat(10_000)}{}${'}'.repeat(10_000)}}`;
    const nested = await env.api('POST', `/api/v1/sureties/${contractNumber}/versions`, deep);
    expect(nested.status).toBe(422);
    expect(JSON.stringify(nested.json.error)).toMatch(/入れ子が深すぎます/);
    const wide = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`f${i}`, i]));
    const many = await addVersion(env, contractNumber, { event: 'change', changes: wide });
    expect(many.status).toBe(422);
    expect(JSON.stringify(many.json.error.issues)).toMatch(/項目が多すぎます/);
  });

  it('reports CSV rows holding such text by line and column, and a file that is not UTF-8 by line', async () => {
    const header =
      'product,obligeeId,contractorName,worksName,contractDate,worksFrom,worksTo,contractAmount,guaranteeAmount,guaranteeFrom,guaranteeTo,guaranteeDate';
    const row = (name: string) =>
      `contract,mishima-city,${name},市道大場線道路改良工事,2026-04-01,2026-04-02,2027-03-19,50000000,5000000,2026-04-02,2027-04-30,2026-04-10`;
    const { errors } = await validateCsv(env.ctx, `${header}\n${row('富士見建設')}\n${row('富士見\u202e建設')}\n`);
    expect(errors).toEqual([expect.objectContaining({ row: 3, field: 'contractorName' })]);
    const sjis = Buffer.concat([
      Buffer.from(`${header}\n${row('富士見建設')}\n`),
      Buffer.from([0x95, 0x78, 0x8e, 0x6d]),
    ]);
    const decoded = await validateCsv(env.ctx, new Uint8Array(sjis));
    expect(decoded.rows).toEqual([]);
    expect(decoded.errors).toEqual([expect.objectContaining({ row: 3, message: expect.stringMatching(/UTF-8/) })]);
  });
});
