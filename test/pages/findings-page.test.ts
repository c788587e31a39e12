// The officer's own figures on the certificate page (DESIGN §11): findings in plain Japanese next to the rows they
// concern, and signed into the 確認証跡 (its JWS payload, its page and its PDF as poppler reads it).
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { contractBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { download, grantFor, postForm } from '../documents/support.js';
import { readAsPerson } from '../documents/poppler.js';

describeEachDatabase('findings on the certificate page and in the 確認証跡', (kind) => {
  let env: TestEnv;
  let n: string;
  let grant: string;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
    // A contract guarantee at 2% of the price: reported with no input at all.
    const published = await publish(env, contractBody({ guaranteeAmount: 1_000_000 }));
    n = published.contractNumber;
    grant = await grantFor(env, n, published.authKey);
  });
  afterEach(async () => env.close());

  const page = async (query = '') => {
    const { res, bytes } = await download(env, `/certificates/${n}${query}`, grant);
    expect(res.status).toBe(200);
    return new TextDecoder().decode(bytes);
  };
  const rowOf = (html: string, label: string) =>
    new RegExp(`<tr class="([^"]*)"><th scope="row">${label}</th>`).exec(html)?.[1] ?? '';

  it('reports the certificate-only rule under the certificate and marks the guarantee row, before any input', async () => {
    const html = await page();
    expect(html).toContain('確認が必要な点が1件あります');
    expect(html).toContain(
      '契約保証の保証金額（1,000,000円）が、請負代金額（50,000,000円）の10%（5,000,000円）に足りません。',
    );
    expect(rowOf(html, '保証金額')).toContain('has-finding');
    expect(rowOf(html, '工事番号')).not.toContain('has-finding');
  });

  it('compares the figures typed in the form, in 和暦, and fills the form with them again', async () => {
    const html = await page(
      '?contractAmount=60%2C000%2C000&worksPeriodTo=2027-03-31&contractDate=2026%2F4%2F1&worksNumber=%E7%AC%AC12%E5%8F%B7',
    );
    expect(html).toContain('確認が必要な点が3件あります');
    expect(html).toContain('証書の請負代金額（50,000,000円）が、入力した請負代金額（60,000,000円）と一致しません。');
    expect(html).toContain(
      '証書の工期の終了日（令和9年3月19日）が、入力した工期の終了日（令和9年3月31日）と一致しません。',
    );
    expect(html).toContain('10%（6,000,000円）に足りません');
    expect(html).not.toContain('契約締結日（令和8年4月1日）が');
    expect(html).toContain('value="60,000,000"');
    expect(rowOf(html, '請負代金額（税込）')).toContain('has-finding');
    expect(rowOf(html, '工期')).toContain('has-finding');
    // The receipt form carries the figures on, read and normalised.
    expect(html).toContain('<input type="hidden" name="contractAmount" value="60000000"/>');
    expect(html).toContain('<input type="hidden" name="contractDate" value="2026-04-01"/>');
  });

  it('names a figure it cannot read beside its field, and compares the others', async () => {
    const html = await page('?contractAmount=abc&worksNumber=%E7%AC%AC13%E5%8F%B7');
    expect(html).toContain('金額は円単位の数字で入力してください');
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('証書の工事番号（「第12号」）が、入力した工事番号（「第13号」）と一致しません。');
  });

  it('signs the figures and their findings into the 確認証跡: JWS payload, page and PDF', async () => {
    const posted = await postForm(
      env,
      `/certificates/${n}/verification-receipts`,
      {
        seq: '1',
        department: '契約検査課',
        officerName: '三島 花子',
        contractAmount: '60000000',
        worksNumber: '第12号',
      },
      grant,
    );
    expect(posted.status).toBe(303);
    const at = posted.headers.get('location') ?? '';
    const receiptPage = new TextDecoder().decode((await download(env, at, grant)).bytes);
    expect(receiptPage).toContain('請負金額 60,000,000円');
    expect(receiptPage).toContain(
      '・証書の請負代金額（50,000,000円）が、入力した請負代金額（60,000,000円）と一致しません。',
    );
    const jws = new TextDecoder().decode((await download(env, `${at}/receipt.jws`, grant)).bytes);
    const payload = decodeJwt(jws) as Record<string, unknown>;
    expect(payload.expect).toEqual({ contractAmount: 60_000_000, worksNumber: '第12号' });
    expect((payload.findings as { code: string }[]).map((f) => f.code)).toEqual([
      'contract_amount_differs',
      'guarantee_below_minimum',
    ]);
    const pdf = await download(env, `${at}/receipt.pdf`, grant);
    expect(pdf.res.status).toBe(200);
    const read = await readAsPerson(pdf.bytes);
    const flat = read.text.replace(/\s+/g, '');
    expect(flat).toContain('照合結果');
    expect(flat).toContain('請負金額60,000,000円');
    expect(flat).toContain('入力した請負代金額（60,000,000円）と一致しません');
    expect(flat).toContain('10%（6,000,000円）に足りません');
    expect(read.blanks).toEqual([]);
  });

  it('states that nothing was found when the figures agree', async () => {
    const ok = await publish(env, contractBody());
    const okGrant = await grantFor(env, ok.contractNumber, ok.authKey);
    const { bytes } = await download(env, `/certificates/${ok.contractNumber}?contractAmount=50000000`, okGrant);
    expect(new TextDecoder().decode(bytes)).toContain('入力した値と証書の記載は一致しています。');
  });
});
