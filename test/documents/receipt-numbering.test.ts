// The 確認証跡 of a version corrected after the officer checked it names that version by the No. the officer saw
// (the one numbering staff and officers share), not "No.0"; the internal sequence is secondary and labelled. Read
// back from the PDF with poppler, and from the receipt page.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addVersion, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { readAsPerson } from './poppler.js';
import { download, grantFor, postForm, rareAdvanceBody } from './support.js';

const squash = (s: string) => s.replace(/\s+/g, '');

describeEachDatabase('receipt numbering', (kind) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
  });
  afterAll(async () => env?.close());

  it('names a since-corrected version by the No. the officer saw, with the internal sequence labelled', async () => {
    const { contractNumber, authKey } = await publish(env, rareAdvanceBody());
    const change = { event: 'change', changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 } };
    expect((await addVersion(env, contractNumber, change)).status).toBe(201);
    const grant = await grantFor(env, contractNumber, authKey);
    const posted = await postForm(env, `/certificates/${contractNumber}/verification-receipts`, { seq: '2' }, grant);
    expect(posted.status).toBe(303);
    const location = posted.headers.get('location') ?? '';
    // The 変更 (No.2, seq 2) is corrected afterwards: seq 3 is the new No.2, seq 2 is hidden.
    const correction = {
      event: 'correction',
      target: 2,
      changes: { guaranteeAmount: 21_000_000, advanceAmount: 21_000_000 },
    };
    expect((await addVersion(env, contractNumber, correction)).status).toBe(201);

    const pdf = await download(env, `${location}/receipt.pdf`, grant);
    expect(pdf.res.status).toBe(200);
    const text = squash((await readAsPerson(pdf.bytes)).text);
    expect(text).toContain(squash('No.2（訂正・変更取消された版） 内部連番 2'));
    expect(text).not.toContain('No.0');
    expect(text).not.toContain('版番号');

    const page = new TextDecoder().decode((await download(env, location, grant)).bytes);
    expect(page).not.toMatch(/No\.\s*0/);
  });
});
