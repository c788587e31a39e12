// The fields of issue 16 item 5 in a CSV import under the Japanese headers sheets use (出来高予定額, 出資比率, 代表構成員,
// 担当者, 電話番号), and an intermediate advance whose 前払金保証 is not registered refused on its row before approval.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { validateCsv } from '../../src/services/staff/import.js';
import { registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';

const HEADER =
  '保証種類,発注者名,請負者名,共同企業体名,構成員,出資比率,代表構成員,担当者,電話番号,工事名,工事番号,契約日,工期自,工期至,請負金額,出来高予定額,保証金額,前払金額,預託金融機関,前払金保証の保証契約番号,保証期間自,保証期間至,保証契約日';
const JV_ROW =
  '契約保証,三島市,三島・函南JV,三島・函南JV,富士見建設株式会社|函南土木株式会社,60|40,富士見建設株式会社,三島 花子,055-983-2600,市道大場線道路改良工事,第12号,R8.4.1,R8.4.2,2027/3/19,"50,000,000","20,000,000","5,000,000",,,,R8.4.2,R9.3.31,R8.4.1';
const INTERMEDIATE_ROW =
  '中間前払金保証,三島市,富士見建設株式会社,,,,,,,市道大場線道路改良工事,第12号,R8.4.1,R8.4.2,2027/3/19,"50,000,000",,"10,000,000","10,000,000",静岡中央銀行 三島支店,10001-999999,R8.4.2,R9.3.31,R8.10.1';

describeEachDatabase('import of the new fields', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
  });
  afterAll(async () => env?.close());

  it('reads 今年度対象額, the JV shares and representative and the contractor contact from Japanese headers', async () => {
    const result = await validateCsv(env.ctx, `${HEADER}\n${JV_ROW}\n`);
    expect(result.errors).toEqual([]);
    expect(result.rows[0]!.body).toMatchObject({
      currentYearAmount: 20_000_000,
      jointVenture: {
        name: '三島・函南JV',
        members: ['富士見建設株式会社', '函南土木株式会社'],
        shares: [60, 40],
        representative: '富士見建設株式会社',
      },
      contractorContact: { name: '三島 花子', phone: '055-983-2600' },
    });
  });

  it('names the row and column of shares that do not add up, and of an unknown 前払金保証', async () => {
    const result = await validateCsv(env.ctx, `${HEADER}\n${JV_ROW.replace('60|40', '60|30')}\n${INTERMEDIATE_ROW}\n`);
    expect(result.rows).toEqual([]);
    expect(result.errors.map((e) => [e.row, e.column, e.message])).toEqual([
      [2, '出資比率（構成員順）（jvShares）', '出資比率の合計を100%にしてください（現在 90%）'],
      [
        3,
        '前払金保証の保証契約番号（relatedContractNumber）',
        '保証契約番号 10001-999999 の前払金保証は登録されていません',
      ],
    ]);
  });
});
