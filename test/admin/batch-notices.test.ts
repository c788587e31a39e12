// Issue 16: after an import is published, the clerk downloads every key notice of the batch at once — one ZIP of
// the per-guarantee notice PDFs named by contract number, with a list — from the application page. The ZIP is read
// by an independent reader (Info-ZIP's unzip), each PDF rendered and extracted by poppler; the download is audited
// per guarantee and limited, so it is no way around the single notices' cap.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BATCH_NOTICE_LIMITS } from '../../src/services/staff/batch-notices.js';
import { readAsPerson } from '../documents/poppler.js';
import { registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { encodeShiftJis } from '../support/shift-jis.js';
import { loginAs, type Staff } from './support.js';

const SHEET = [
  '保証の種類,発注者名,請負者名,工事名,工事番号,契約日,工期 開始,工期 終了,請負金額,保証金額,預託金融機関,保証期間 開始,保証期間 終了,保証契約日',
  '前払金保証,三島市,㈱髙橋組,﨑山地区排水路整備工事①,第12号,令和8年4月1日,R8.4.2,2027/3/19,"50,000,000",20000000円,静岡中央銀行 三島支店,令和8年4月2日,令和9年4月30日,R8.4.10',
  '契約保証,三島市,富士見建設㈱,市道大場線道路改良工事,,2026/4/1,2026/4/2,2027/3/19,"50,000,000","5,000,000",,2026/4/2,2027/3/19,2026/4/1',
  '契約保証,三島市,函南土木㈱,県道三島裾野線歩道整備工事,,2026/4/1,2026/4/2,2027/3/19,"30,000,000","3,000,000",,2026/4/2,2027/3/19,2026/4/1',
].join('\r\n');

/** Unpacks a ZIP with Info-ZIP's unzip (testing it first) and returns every file by name. */
function unzip(zip: Uint8Array): Map<string, Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-zip-'));
  try {
    const file = path.join(dir, 'notices.zip');
    fs.writeFileSync(file, zip);
    execFileSync('unzip', ['-tq', file]);
    execFileSync('unzip', ['-q', file, '-d', path.join(dir, 'out')]);
    const out = path.join(dir, 'out');
    return new Map(fs.readdirSync(out).map((name) => [name, fs.readFileSync(path.join(out, name))]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describeEachDatabase('every key notice of an import at once', (kind) => {
  let env: TestEnv;
  let clerk: Staff;
  let approver: Staff;
  let admin: Staff;
  let id = '';
  beforeAll(async () => {
    env = await setup(kind);
    await registerMishima(env);
    clerk = await loginAs(env, 'clerk@batch.jp', 'clerk');
    approver = await loginAs(env, 'approver@batch.jp', 'approver');
    admin = await loginAs(env, 'admin@batch.jp', 'admin');
    const form = new FormData();
    form.set('_csrf', clerk.csrf);
    form.set(
      'file',
      new File([encodeShiftJis(SHEET) as Uint8Array<ArrayBuffer>], '保証一覧.csv', { type: 'text/csv' }),
    );
    const res = await env.app.request('/admin/import', {
      method: 'POST',
      headers: { origin: 'http://localhost:3000', cookie: `__Host-esurety_staff=${clerk.cookie}` },
      body: form,
    });
    id = /\/admin\/drafts\/([^/?]+)/.exec(res.headers.get('location') ?? '')?.[1] ?? '';
    expect(id).not.toBe('');
  });
  afterAll(async () => env?.close());

  const download = (who: Staff) =>
    env.app.request(`/admin/drafts/${id}/notices.zip`, {
      method: 'POST',
      headers: {
        origin: 'http://localhost:3000',
        cookie: `__Host-esurety_staff=${who.cookie}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ _csrf: who.csrf }).toString(),
    });
  const auditRows = (action: string) =>
    env.ctx.db.selectFrom('audit_log').select(['contract_number', 'detail']).where('action', '=', action).execute();

  it('offers nothing before the import is published', async () => {
    expect((await clerk.get(`/admin/drafts/${id}`)).html).not.toContain('notices.zip');
    const res = await download(clerk);
    expect(res.status).toBe(409);
    expect(await auditRows('notice.batch_print')).toEqual([]);
  });

  it('gives the clerk one ZIP of every notice, named by contract number, that reads right when rendered', async () => {
    expect((await approver.post(`/admin/drafts/${id}/approve`)).status).toBe(303);
    const page = (await clerk.get(`/admin/drafts/${id}`)).html;
    expect(page).toContain(`action="/admin/drafts/${id}/notices.zip"`);
    expect(page).toContain('3件の認証キーのお知らせをまとめてダウンロード（ZIP）');

    const res = await download(clerk);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="notices-.*\.zip"; filename\*=UTF-8''/,
    );
    const files = unzip(new Uint8Array(await res.arrayBuffer()));

    const sureties = await env.ctx.db
      .selectFrom('sureties')
      .select(['contract_number', 'contractor_name', 'auth_key_jwe'])
      .orderBy('contract_number')
      .execute();
    expect(sureties).toHaveLength(3);
    expect([...files.keys()].sort()).toEqual(
      [...sureties.map((s) => `notice-${s.contract_number}.pdf`), '一覧.csv'].sort(),
    );
    for (const s of sureties) {
      const pdf = files.get(`notice-${s.contract_number}.pdf`)!;
      const read = await readAsPerson(pdf);
      expect(read.warnings).toBe('');
      expect(read.blanks).toEqual([]);
      expect(read.text).toContain('認証キー');
      expect(read.text).toContain(s.contract_number);
      expect(read.text).toContain(s.contractor_name);
      // The key is drawn one character per box: extraction puts spaces between them.
      expect(read.text.replace(/\s+/g, '')).toContain(await env.ctx.vault.decrypt(s.auth_key_jwe));
      expect(read.text).not.toContain('\ufffd');
    }
    expect(
      files
        .get('notice-' + sureties[0]!.contract_number + '.pdf')!
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    // The list says which line of the file became which guarantee, for Excel (UTF-8 with a BOM).
    const list = files.get('一覧.csv')!.toString('utf8');
    expect(list.startsWith('\ufeffCSVの行,保証契約番号,保証の種類,請負者,工事名,ファイル名\r\n')).toBe(true);
    expect(list).toMatch(/\r\n2,\d{5}-\d{6},前払金保証,㈱髙橋組,﨑山地区排水路整備工事①,notice-\d{5}-\d{6}\.pdf\r\n/);
    expect(list).toContain(',契約保証,函南土木㈱,県道三島裾野線歩道整備工事,');

    // Audited before the first byte: the batch, and each guarantee's own trail; never a key.
    const batch = await auditRows('notice.batch_print');
    expect(batch.map((r) => JSON.parse(r.detail))).toEqual([{ draft: id, count: 3 }]);
    const prints = await auditRows('notice.print');
    expect(prints.map((r) => r.contract_number).sort()).toEqual(sureties.map((s) => s.contract_number));
    for (const r of prints) expect(JSON.parse(r.detail)).toEqual({ batch: id });
  });

  it('is for clerks and approvers only, and one batch is downloaded at most a few times a day by anyone', async () => {
    expect((await download(admin)).status).toBe(403);
    // The clerk downloaded once above; the approver may too, up to the batch's daily limit.
    for (let i = 2; i <= BATCH_NOTICE_LIMITS.max; i++)
      expect((await download(approver)).status, `download ${i}`).toBe(200);
    const refused = await download(clerk);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.text()).toContain('1日に3回まで');
    expect(await auditRows('notice.batch_print')).toHaveLength(BATCH_NOTICE_LIMITS.max);
    // Each download counted as one key display of its staff member (the hourly cap of single notices).
    const counters = await env.ctx.db
      .selectFrom('throttle_counters')
      .select(['bucket', 'failures'])
      .where('bucket', 'like', 'keyview:%')
      .execute();
    expect(counters.map((c) => Number(c.failures)).sort()).toEqual([1, BATCH_NOTICE_LIMITS.max - 1]);
    env.setNow(new Date(env.now().getTime() + BATCH_NOTICE_LIMITS.windowMs + 1000).toISOString());
    clerk = await loginAs(env, 'clerk@batch.jp', 'clerk', { secret: clerk.secret });
    expect((await download(clerk)).status).toBe(200);
  });
});
