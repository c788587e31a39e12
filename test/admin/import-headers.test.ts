// CSV headers come from the field registry: a column is headed by its name (guaranteeAmount, as in
// docs/import-example.csv) or by its Japanese label (保証金額), and a column given twice is refused.
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { COLUMNS, columnLabel, type Column } from '../../src/services/staff/certificate-form.js';
import { validateCsv } from '../../src/services/staff/import.js';
import { translator } from '../../src/i18n/index.js';
import { registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';

const example = fs.readFileSync('docs/import-example.csv', 'utf8').trimEnd().split('\n');
const japanese = COLUMNS.map((c) => columnLabel(translator('ja'), c));

describeEachDatabase('import headers', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
  });
  afterAll(async () => env?.close());

  it('heads the example file with column names, in the registry order', () => {
    const header = example[0]!.split(',');
    expect(header.filter((h) => !(COLUMNS as readonly string[]).includes(h))).toEqual([]);
    expect(header).toEqual(COLUMNS.filter((c) => header.includes(c)));
  });

  it('reads the same rows under Japanese headers as under the column names', async () => {
    // Pinned: these are a file format; a catalog label change that renames one must be a decision.
    expect(japanese.join(',')).toBe(
      '保証の種類,発注者,保証契約番号,請負者,請負者住所,請負者代表者,請負者メールアドレス,共同企業体名（JV名）,構成員,' +
        '出資比率（構成員順）,代表構成員,請負者担当部署,請負者担当者名,請負者電話番号,' +
        '工事名,工事番号,工事場所,請負契約締結日,入札公告日,入札日,工期（開始）,工期（終了）,請負代金額（税込）,' +
        '今年度対象額（出来高予定額・支払限度額）,保証金額,' +
        '前払金額,預託金融機関,前払金保証の保証契約番号,保証期間（開始）,保証期間（終了）,保証契約締結日',
    );
    const english = await validateCsv(env.ctx, `${example.join('\n')}\n`);
    expect(english.errors).toEqual([]);
    const translated = example[0]!.split(',').map((c) => columnLabel(translator('ja'), c as Column));
    const inJapanese = await validateCsv(env.ctx, `${[translated.join(','), ...example.slice(1)].join('\n')}\n`);
    expect(inJapanese).toEqual(english);
    // Mixed headers, in any order, are fine too.
    const mixed = await validateCsv(env.ctx, 'product,発注者,請負者,工事名,保証金額\ncontract,mishima-city,A,B,1\n');
    expect(mixed.errors.map((e) => e.column)).not.toContain('発注者');
    expect(mixed.errors.every((e) => e.field !== undefined)).toBe(true);
  });

  it('refuses a column given twice, under either name, and an unknown header', async () => {
    const header = `${example[0]},保証金額,工事費`;
    const { rows, errors } = await validateCsv(env.ctx, `${header}\n${example[1]},1,2\n`);
    expect(rows).toEqual([]);
    expect(errors).toEqual([
      { row: 1, column: '保証金額（guaranteeAmount）', field: 'guaranteeAmount', message: '同じ列が2回あります' },
      { row: 1, column: '工事費', message: expect.stringMatching(/^不明な列名です/) },
    ]);
  });
});
