// The staff portal in English: the en catalog holds every key of the ja one, and the English forms, list, detail,
// application and CSV report pages label everything in English (the data itself — names, works — stays as entered).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminJa, adminTranslator, type AdminKey } from '../../src/i18n/admin.js';
import { addVersion, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { loginAs, type Staff } from './support.js';

const JAPANESE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
/** English texts that quote Japanese data on purpose (an example of what to type). */
const QUOTES_JAPANESE = new Set<string>(['obligees.titleHelp']);

/** The text of every label-like element: labels, legends, headings, table headers, buttons, help and notes. */
function labels(html: string): string[] {
  const out: string[] = [];
  const body = html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, '');
  const pattern =
    /<(label|legend|h1|h2|h3|th|button|summary|caption|dt)\b[^>]*>([\s\S]*?)<\/\1>|<p class="(?:help|note)"[^>]*>([\s\S]*?)<\/p>/g;
  for (const m of body.matchAll(pattern)) {
    const inner = (m[2] ?? m[3] ?? '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    if (inner) out.push(inner);
  }
  return out;
}

describe('the staff catalogs', () => {
  it('has an English text for every Japanese key, without Japanese script in it', () => {
    const en = adminTranslator('en');
    const keys = Object.keys(adminJa) as AdminKey[];
    expect(keys.length).toBeGreaterThan(200);
    for (const key of keys) {
      const text = en(key);
      expect(typeof text, key).toBe('string');
      expect(text.length, key).toBeGreaterThan(0);
      if (!QUOTES_JAPANESE.has(key)) expect(JAPANESE.test(text) ? `${key}: ${text}` : '').toBe('');
    }
  });
});

describeEachDatabase('staff pages in English', (kind) => {
  let env: TestEnv;
  let clerk: Staff;
  let approver: Staff;
  let number = '';
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    ({ contractNumber: number } = await publish(env));
    await addVersion(env, number, {
      event: 'change',
      changes: { guaranteeAmount: 25_000_000, advanceAmount: 25_000_000 },
    });
    await addVersion(env, number, {
      event: 'correction',
      target: 2,
      changes: { guaranteeAmount: 24_000_000, advanceAmount: 24_000_000 },
    });
    clerk = await loginAs(env, 'clerk@en.jp', 'clerk');
    approver = await loginAs(env, 'approver@en.jp', 'approver');
  });
  afterAll(async () => env?.close());

  const expectEnglish = (html: string, where: string) => {
    const found = labels(html);
    expect(found.length, where).toBeGreaterThan(3);
    expect(
      found.filter((l) => JAPANESE.test(l)),
      where,
    ).toEqual([]);
  };

  it('labels the application form of every product in English, errors included', async () => {
    for (const product of ['advance_payment', 'intermediate_advance_payment', 'contract']) {
      const form = await clerk.get(`/admin/drafts/new?product=${product}&lang=en`);
      expect(form.html).toContain('<html lang="en">');
      expectEnglish(form.html, product);
      // The obligee's rules are put into words in English as well.
      expect(form.html).toContain('contract date on or after 1 January 2026');
    }
    const failed = await clerk.post('/admin/drafts/new?product=advance_payment&lang=en', {
      product: 'advance_payment',
      obligeeId: 'mishima-city',
    });
    expect(failed.status).toBe(422);
    expectEnglish(failed.html, 'form with errors');
    expect(failed.html).toContain('<label for="f-guaranteeAmount">Advance payment guarantee amount');
  });

  it('labels the list, the detail with its diffs, the key sheet and the action form in English', async () => {
    expectEnglish((await clerk.get('/admin/sureties?lang=en')).html, 'list');
    const detail = await approver.get(`/admin/sureties/${number}?lang=en`);
    expectEnglish(detail.html, 'detail');
    // Labels and formatted values, as the Japanese page has them; versions by No., the sequence secondary.
    expect(detail.html).toMatch(/<th scope="row">Guarantee amount<\/th><td class="diff-before">¥[\d,]+<\/td>/);
    expect(detail.html).toContain('internal sequence 2');
    const key = await approver.post(`/admin/sureties/${number}/key?lang=en`);
    expectEnglish(key.html, 'detail with key');
    expect(key.html).toContain('E-surety authentication key');
    expectEnglish((await clerk.get(`/admin/sureties/${number}/actions/change?lang=en`)).html, 'change form');
    expectEnglish((await clerk.get(`/admin/sureties/${number}/actions/cancellation?lang=en`)).html, 'cancel form');
  });

  it('labels an application and the CSV report in English', async () => {
    const csv = [
      'product,obligeeId,contractorName,worksName,contractDate,worksFrom,worksTo,contractAmount,guaranteeAmount,guaranteeFrom,guaranteeTo,guaranteeDate',
      'contract,mishima-city,英語建設,英語工事,2026-04-01,2026-04-02,2027-03-19,10000000,90000000,2026-04-02,2027-04-30,2026-04-10',
    ].join('\n');
    const upload = async (text: string) => {
      const form = new FormData();
      form.set('_csrf', clerk.csrf);
      form.set('file', new File([text], 'rows.csv', { type: 'text/csv' }));
      return env.app.request('/admin/import?lang=en', {
        method: 'POST',
        headers: { origin: 'http://localhost:3000', cookie: `__Host-esurety_staff=${clerk.cookie}` },
        body: form,
      });
    };
    const report = await upload(csv);
    expect(report.status).toBe(422);
    const html = await report.text();
    expectEnglish(html, 'CSV report');
    expect(html).toMatch(/<td>2<\/td><td>Guarantee amount \(guaranteeAmount\)<\/td>/);
    expectEnglish((await clerk.get('/admin/import?lang=en')).html, 'import form');

    const ok = await upload(csv.replace(',90000000,', ',1000000,'));
    expect(ok.status).toBe(303);
    const draftPath = ok.headers.get('location')!.split('?')[0]!;
    expectEnglish((await approver.get(`${draftPath}?lang=en`)).html, 'import application');
    expect(
      (
        await clerk.post('/admin/drafts/new?product=contract', {
          product: 'contract',
          obligeeId: 'mishima-city',
          contractorName: '英語建設',
          worksName: '英語工事',
          contractDate: '2026-04-01',
          worksFrom: '2026-04-02',
          worksTo: '2027-03-19',
          contractAmount: '10000000',
          guaranteeAmount: '1000000',
          guaranteeFrom: '2026-04-02',
          guaranteeTo: '2027-04-30',
          guaranteeDate: '2026-04-10',
        })
      ).status,
    ).toBe(303);
    const issue = await env.ctx.db
      .selectFrom('staff_drafts')
      .select('id')
      .where('kind', '=', 'issue')
      .executeTakeFirstOrThrow();
    const page = await approver.get(`/admin/drafts/${issue.id}?lang=en`);
    expectEnglish(page.html, 'issue application');
    expect(page.html).toContain('<th scope="row">Contractor</th>');
    expect(page.html).toContain('<th scope="row">Guarantee contract date</th>');
  });
});
