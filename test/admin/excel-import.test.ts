// A CSV as a clerk's Excel saves it: Shift_JIS (CP932) by default, Japanese column names as the sheet heads them,
// 和暦 and slashed dates, the product and the obligee by name. Today's import read such a file as mojibake and signed it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDateInput } from '../../src/domain/date-input.js';
import { columnOfHeader } from '../../src/services/staff/certificate-form.js';
import { decodeCsv, validateCsv } from '../../src/services/staff/import.js';
import { registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { encodeShiftJis } from '../support/shift-jis.js';
import { loginAs, type Staff } from './support.js';

describe('parseDateInput', () => {
  it('reads 和暦, slashes, dots, 年月日 and ISO, full-width too', () => {
    for (const input of [
      '令和8年4月1日',
      '令和８年４月１日',
      'R8.4.1',
      'r8/04/01',
      'Ｒ８．４．１',
      '2026/4/1',
      '2026.4.1',
      '2026年4月1日',
      '2026-04-01',
    ]) {
      expect(parseDateInput(input), input).toBe('2026-04-01');
    }
    expect(parseDateInput('令和元年5月1日')).toBe('2019-05-01');
    expect(parseDateInput('H31.4.30')).toBe('2019-04-30');
    expect(parseDateInput('平成元年1月8日')).toBe('1989-01-08');
  });

  it('refuses dates that do not exist or fall outside their era', () => {
    for (const input of [
      '令和8年2月30日',
      '平成31年5月1日',
      '令和元年4月30日',
      '平成32年1月1日',
      '2026/13/1',
      'R8',
      '4月1日',
      'Q8.4.1',
    ]) {
      expect(parseDateInput(input), input).toBeNull();
    }
  });
});

describe('columnOfHeader', () => {
  it('knows the names Japanese sheets use, whatever the width, spaces and brackets', () => {
    expect(columnOfHeader('請負金額')).toBe('contractAmount');
    expect(columnOfHeader('請負代金額')).toBe('contractAmount');
    expect(columnOfHeader('保証期間 開始')).toBe('guaranteeFrom');
    expect(columnOfHeader('保証期間(終了)')).toBe('guaranteeTo');
    expect(columnOfHeader('工期　開始')).toBe('worksFrom');
    expect(columnOfHeader('共同企業体名')).toBe('jvName');
    expect(columnOfHeader('工期')).toBeUndefined(); // 開始 or 終了: ambiguous, so refused
  });
});

describe('decodeCsv', () => {
  it('reads Shift_JIS (CP932: ①, ㈱ and 髙 included) and says so; UTF-8 with or without a BOM', () => {
    const text = '請負者,工事名\r\n㈱髙橋組,﨑山地区排水路整備工事①\r\n';
    expect(decodeCsv(encodeShiftJis(text))).toEqual({ text, encoding: 'Shift_JIS' });
    expect(decodeCsv(new TextEncoder().encode(text))).toEqual({ text, encoding: 'UTF-8' });
    expect(decodeCsv(new TextEncoder().encode(`\ufeff${text}`))).toMatchObject({ encoding: 'UTF-8' });
  });

  it('names the line of bytes that are neither UTF-8 nor Shift_JIS', () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n1,2\n'), Buffer.from([0x31, 0x2c, 0x85, 0x30, 0x0a])]);
    expect(decodeCsv(bytes)).toEqual({ error: expect.objectContaining({ row: 3 }) });
  });
});

const SHEET = [
  '保証の種類,発注者名,請負者名,請負者住所,工事名,工事番号,契約日,工期 開始,工期 終了,請負金額,保証金額,預託金融機関,保証期間 開始,保証期間 終了,保証契約日',
  '前払金保証,三島市,㈱髙橋組,静岡県三島市北田町4番47号,﨑山地区排水路整備工事①,第12号,令和8年4月1日,R8.4.2,2027/3/19,"50,000,000",20000000円,静岡中央銀行 三島支店,令和8年4月2日,令和9年4月30日,R8.4.10',
  '契約保証,三島市,㈱髙橋組,,市道大場線道路改良工事,,2026/4/1,2026/4/2,2027/3/19,"50,000,000","5,000,000",,2026/4/2,2027/3/19,2026/4/1',
].join('\r\n');

describeEachDatabase('an Excel CSV through the staff import', (kind) => {
  let env: TestEnv;
  let clerk: Staff;
  let approver: Staff;
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    clerk = await loginAs(env, 'clerk@excel.jp', 'clerk');
    approver = await loginAs(env, 'approver@excel.jp', 'approver');
  });
  afterAll(async () => env?.close());

  const upload = (bytes: Uint8Array) => {
    const form = new FormData();
    form.set('_csrf', clerk.csrf);
    form.set('file', new File([bytes as Uint8Array<ArrayBuffer>], '保証一覧.csv', { type: 'text/csv' }));
    return env.app.request('/admin/import', {
      method: 'POST',
      headers: { origin: 'http://localhost:3000', cookie: `__Host-esurety_staff=${clerk.cookie}` },
      body: form,
    });
  };

  it('validates a Shift_JIS sheet with Japanese headers, 和暦 dates and names into the same rows as the ISO file', async () => {
    const { rows, errors, encoding } = await validateCsv(env.ctx, encodeShiftJis(SHEET));
    expect(errors).toEqual([]);
    expect(encoding).toBe('Shift_JIS');
    expect(rows.map((r) => r.body)).toEqual([
      expect.objectContaining({
        product: 'advance_payment',
        obligeeId: 'mishima-city',
        contractor: { name: '㈱髙橋組', address: '静岡県三島市北田町4番47号' },
        works: expect.objectContaining({
          name: '﨑山地区排水路整備工事①',
          contractDate: '2026-04-01',
          period: { from: '2026-04-02', to: '2027-03-19' },
        }),
        contractAmount: 50_000_000,
        guaranteeAmount: 20_000_000,
        guaranteePeriod: { from: '2026-04-02', to: '2027-04-30' },
        guaranteeDate: '2026-04-10',
      }),
      expect.objectContaining({ product: 'contract', guaranteeAmount: 5_000_000, guaranteeDate: '2026-04-01' }),
    ]);
  });

  it('publishes it after approval with the text as typed, and tells the clerk it was read as Shift_JIS', async () => {
    const res = await upload(encodeShiftJis(SHEET));
    expect(res.status).toBe(303);
    const location = res.headers.get('location') ?? '';
    expect(location).toContain('flash=draft.importedShiftJis');
    const draft = await clerk.get(location);
    expect(draft.html).toContain('Shift_JIS として読み込み');
    const id = /\/admin\/drafts\/([^/?]+)/.exec(location)?.[1] ?? '';
    // The approver reads every row as a single application reads: labels and formatted values, no codes.
    const review = (await approver.get(`/admin/drafts/${id}`)).html;
    for (const shown of [
      'ファイルの2行目',
      'ファイルの3行目',
      '<th scope="row">保証の種類</th><td>前払金保証</td>',
      '<th scope="row">発注者</th><td>三島市（三島市長）</td>',
      '<th scope="row">請負代金額（税込）</th><td>50,000,000円</td>',
      '<th scope="row">請負契約締結日</th><td>令和8年4月1日</td>',
      '<th scope="row">保証期間（終了）</th><td>令和9年4月30日</td>',
    ]) {
      expect(review).toContain(shown);
    }
    expect(review).not.toMatch(/advance_payment|mishima-city|50000000|2026-04-01/);
    expect((await approver.post(`/admin/drafts/${id}/approve`)).status).toBe(303);
    const published = await env.ctx.db.selectFrom('sureties').select('contract_number').execute();
    expect(published).toHaveLength(2);
    for (const { contract_number } of published) {
      const surety = (await env.api('GET', `/api/v1/sureties/${contract_number}`)).json;
      expect(surety.current.certificate.contractor.name).toBe('㈱髙橋組');
      expect(JSON.stringify(surety.current.certificate)).not.toContain('\ufffd');
    }
  });

  it('pages an import of many rows, 20 to a page', async () => {
    const row = SHEET.split('\r\n')[2]!;
    const sheet = [
      SHEET.split('\r\n')[0],
      ...Array.from({ length: 25 }, (_, i) => row.replace('市道大場線', `市道${i + 1}号線`)),
    ].join('\n');
    const res = await upload(new TextEncoder().encode(sheet));
    expect(res.status).toBe(303);
    const path = (res.headers.get('location') ?? '').replace(/\?.*/, '');
    const first = (await approver.get(path)).html;
    expect(first).toContain('25件');
    expect(first).toContain('1 / 2 ページ');
    expect(first).toContain('ファイルの21行目');
    expect(first).not.toContain('ファイルの22行目');
    const second = (await approver.get(`${path}?page=2`)).html;
    expect(second).toContain('ファイルの26行目');
    expect(second).not.toContain('ファイルの21行目');
    expect((await approver.post(`${path}/reject`, { reason: '確認のため差戻し' })).status).toBe(303);
  });

  it('refuses an invalid 和暦 date with the row and column, and writes nothing', async () => {
    const bad = SHEET.replace('令和9年4月30日', '令和9年2月30日');
    const res = await upload(encodeShiftJis(bad));
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('Shift_JIS として読み込みました');
    expect(html).toContain(
      '<tr><td>2</td><td>保証期間（終了）（guaranteeTo）</td><td>日付として読めないか、存在しない日付です（令和8年4月1日、R8.4.1、2026/4/1、2026-04-01 のように入力してください）</td></tr>',
    );
    expect(html).toContain('1件の誤りがあります');
    expect(await env.ctx.db.selectFrom('staff_drafts').select('id').where('status', '=', 'pending').execute()).toEqual(
      [],
    );
  });
});
