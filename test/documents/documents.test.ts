// The documents as people meet them: the key notice a contractor emails, the certificate PDF an officer files, the
// verification receipt an auditor asks for — rendered by poppler and read back (ink for every glyph, no warnings,
// the QR code a phone reads, the attachments a PDF reader lists) — and the verifier that tells genuine from tampered.
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jwsHash } from '../../src/signing/versions.js';
import { Sheet } from '../../src/pdf/sheet.js';
import { PDFDocument, rgb } from 'pdf-lib';
import { addVersion, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { attachmentNames, blankGlyphs, qrCodes, rasterise, readAsPerson, words } from './poppler.js';
import {
  RARE,
  download,
  flipOneByte,
  grantFor,
  jvContractBody,
  postForm,
  rareAdvanceBody,
  swapAttachment,
  uploadForVerification,
} from './support.js';

const squash = (s: string) => s.replace(/\s+/g, '');

describe('the blank-glyph check itself', () => {
  it('reports text drawn without ink, so a blank CJK subset cannot pass unnoticed', async () => {
    const sheet = await Sheet.create({
      title: 't',
      subject: 's',
      keywords: [],
      author: 'a',
      createdAt: new Date('2026-11-24T00:00:00Z'),
      fonts: ['mincho'],
    });
    sheet.text('髙﨑①〒 保証', sheet.left, 100, { font: 'mincho', size: 12 });
    sheet.text('見えない文字', sheet.left, 140, { font: 'mincho', size: 12, color: rgb(1, 1, 1) });
    const pdf = await sheet.save();
    const blanks = blankGlyphs(await rasterise(pdf), (await words(pdf)).words);
    expect(blanks.map((b) => b.char).join('')).toBe('見えない文字');
  });
});

describeEachDatabase('documents', (kind) => {
  let env: TestEnv;
  beforeEach(async () => {
    env = await setup(kind);
    await registerMishima(env);
  });
  afterEach(async () => env.close());
  const html = async (path: string, cookie: string) =>
    new TextDecoder().decode((await download(env, path, cookie)).bytes);

  describe('the key notice (認証キーのお知らせ)', () => {
    it('prints number, key, guarantee and how to submit it, with ink for every glyph and no poppler warning', async () => {
      const { contractNumber, authKey } = await publish(env, rareAdvanceBody());
      const res = await env.app.request(`/api/v1/sureties/${contractNumber}/notice.pdf`, {
        headers: { authorization: `Bearer ${env.token}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="notice-\d{5}-\d{6}\.pdf"/);
      const pdf = new Uint8Array(await res.arrayBuffer());
      const seen = await readAsPerson(pdf);
      expect(seen.warnings).toBe('');
      expect(seen.blanks).toEqual([]);
      expect(seen.pages).toBe(1);
      const text = squash(seen.text);
      for (const expected of [
        '電子保証にかかる「認証キー」のお知らせ',
        contractNumber,
        authKey,
        '三島市長殿',
        '前払金保証',
        RARE.worksName,
        '富士見建設株式会社',
        '20,000,000円',
        '電子保証発行日時',
        '令和8年11月24日10:00:00',
        '0（数字のゼロ）',
        'l（小文字のエル）',
        '「前払金保証にかかる認証キー【﨑山地区排水路整備工事①】の提出について」',
        'http://localhost:3000/',
      ]) {
        expect(text).toContain(squash(expected));
      }
      // The QR code opens the verification page; it never carries the key.
      expect(await qrCodes(pdf)).toEqual(['http://localhost:3000/']);
    });

    it('shows the current key after a reissue, needs a token, and is audited without the key', async () => {
      const { contractNumber, authKey } = await publish(env, jvContractBody());
      expect((await env.app.request(`/api/v1/sureties/${contractNumber}/notice.pdf`)).status).toBe(401);
      const reissued = (await env.api('POST', `/api/v1/sureties/${contractNumber}/auth-key`)).json.authKey as string;
      const res = await env.app.request(`/api/v1/sureties/${contractNumber}/notice.pdf`, {
        headers: { authorization: `Bearer ${env.token}` },
      });
      const seen = await readAsPerson(new Uint8Array(await res.arrayBuffer()));
      expect(seen.blanks).toEqual([]);
      const text = squash(seen.text);
      expect(text).toContain(reissued);
      expect(text).not.toContain(authKey);
      expect(text).toContain('三島・函南特定建設工事共同企業体');
      expect(text).toContain('「契約保証にかかる認証キー【﨑山地区排水路整備工事①】の提出について」');
      const audit = await env.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'notice.print').execute();
      expect(audit).toHaveLength(1);
      expect(JSON.stringify(audit)).not.toContain(reissued);
      expect(
        (
          await env.app.request('/api/v1/sureties/99999-999999/notice.pdf', {
            headers: { authorization: `Bearer ${env.token}` },
          })
        ).status,
      ).toBe(404);
    });
  });

  describe('the certificate PDF (保証証書)', () => {
    it('is laid out like the paper certificate, carries its JWS and key, and every glyph has ink', async () => {
      const { contractNumber, authKey } = await publish(env, rareAdvanceBody());
      await addVersion(env, contractNumber, {
        event: 'change',
        changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 },
        reason: '請負代金額の増額に伴う保証金額の増額',
      });
      const grant = await grantFor(env, contractNumber, authKey);
      const page = await html(`/certificates/${contractNumber}`, grant);
      expect(page).toContain(`href="/certificates/${contractNumber}/certificate.pdf"`);

      const { res, bytes } = await download(env, `/certificates/${contractNumber}/certificate.pdf`, grant);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-disposition')).toContain(
        `filename*=UTF-8''${encodeURIComponent(`前払金保証証書_${contractNumber}_No2.pdf`)}`,
      );
      expect(bytes.length).toBeLessThan(60 * 1024);
      const seen = await readAsPerson(bytes);
      expect(seen.warnings).toBe('');
      expect(seen.blanks).toEqual([]);
      expect(seen.pages).toBe(1);
      const text = squash(seen.text);
      for (const expected of [
        '前払金保証証書',
        '三島市長殿',
        'テスト保証株式会社',
        '公共工事の前払金保証事業に関する法律',
        '22,000,000円',
        '50,000,000円',
        '静岡中央銀行三島支店',
        '代表取締役髙橋一郎',
        '〒411-0000',
        RARE.worksName,
        '令和8年4月1日',
        'No.2（変更（増額））（最新の版）',
        '請負代金額の増額に伴う保証金額の増額',
        '正本は同プラットフォーム上の電子データ',
      ]) {
        expect(text).toContain(squash(expected));
      }
      expect(text).not.toContain(authKey);
      expect(await qrCodes(bytes)).toEqual(['http://localhost:3000/']);

      // The attachments are what a PDF reader lists, and they are the stored version and the published key.
      const listed = await attachmentNames(bytes);
      expect(listed.warnings).toBe('');
      expect(listed.names.sort()).toEqual(['jwks.json', 'version.jws']);
      const surety = (await env.api('GET', `/api/v1/sureties/${contractNumber}`)).json;
      const stored = surety.versions[1].jws as string;
      expect(Buffer.from(bytes).includes(stored)).toBe(true);
      expect(text).toContain(jwsHash(stored));
      const jwks = (await (await env.app.request('/.well-known/jwks.json')).json()) as { keys: { kid: string }[] };
      const { payload, protectedHeader } = await compactVerify(stored, createLocalJWKSet(jwks as never));
      expect(protectedHeader.typ).toBe('esurety-version+jwt');
      expect(JSON.parse(new TextDecoder().decode(payload)).seq).toBe(2);
    });

    it('renders an earlier version on request, marked as such, and refuses hidden versions', async () => {
      const { contractNumber, authKey } = await publish(env, rareAdvanceBody());
      await addVersion(env, contractNumber, {
        event: 'change',
        changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 },
      });
      await addVersion(env, contractNumber, {
        event: 'correction',
        target: 2,
        changes: { depositBank: '静岡中央銀行 本店' },
      });
      const grant = await grantFor(env, contractNumber, authKey);
      const old = await download(env, `/certificates/${contractNumber}/versions/1/certificate.pdf`, grant);
      expect(old.res.status).toBe(200);
      const seen = await readAsPerson(old.bytes);
      expect(seen.blanks).toEqual([]);
      const text = squash(seen.text);
      expect(text).toContain('過去の版');
      expect(text).toContain('20,000,000円');
      expect(text).not.toContain('22,000,000円');
      expect(text).toContain(squash('（過去の版です。最新の版は No.2 です）'));
      const hidden = await download(env, `/certificates/${contractNumber}/versions/2/certificate.pdf`, grant);
      expect(hidden.res.status).toBe(404);
    });

    it('stamps a cancelled guarantee with a watermark and an expired one with 保証期間満了', async () => {
      const cancelled = await publish(env, jvContractBody());
      await addVersion(env, cancelled.contractNumber, { event: 'cancellation', reason: '契約解除' });
      const expired = await publish(env, rareAdvanceBody());
      env.setNow('2027-06-01T00:00:00.000Z');
      let grant = await grantFor(env, cancelled.contractNumber, cancelled.authKey);
      grant = await grantFor(env, expired.contractNumber, expired.authKey, grant);
      const c = await download(env, `/certificates/${cancelled.contractNumber}/certificate.pdf`, grant);
      const e = await download(env, `/certificates/${expired.contractNumber}/certificate.pdf`, grant);
      const cSeen = await readAsPerson(c.bytes);
      const eSeen = await readAsPerson(e.bytes);
      expect(cSeen.blanks).toEqual([]);
      expect(eSeen.blanks).toEqual([]);
      expect(cSeen.warnings + eSeen.warnings).toBe('');
      // The watermark: the large rotated word across the page, besides the stamp and the status line (poppler may
      // extract rotated text in either direction, so its characters are compared as a set).
      const big = (ws: { text: string; yMin: number; yMax: number }[]) =>
        [
          ...ws
            .filter((w) => w.yMax - w.yMin > 60)
            .map((w) => w.text)
            .join(''),
        ]
          .sort()
          .join('');
      expect(big(cSeen.words)).toBe([...'取消'].sort().join(''));
      expect(big(eSeen.words)).toBe([...'保証期間満了'].sort().join(''));
      expect(squash(cSeen.text)).toContain('取消（出力時点）');
      expect(squash(cSeen.text)).toContain('構成員');
    });

    it('needs the viewer grant, and shows the tampered page instead of a PDF when a stored byte changed', async () => {
      const { contractNumber, authKey } = await publish(env, rareAdvanceBody());
      const none = await download(env, `/certificates/${contractNumber}/certificate.pdf`, '');
      expect(none.res.status).toBe(303);
      expect(none.res.headers.get('location')).toBe('/');
      const grant = await grantFor(env, contractNumber, authKey);
      const row = await env.ctx.db.selectFrom('versions').select('jws').executeTakeFirstOrThrow();
      const [h, p, s] = row.jws.split('.') as [string, string, string];
      const forged = Buffer.from(Buffer.from(p, 'base64url').toString('utf8').replace('20000000', '90000000'));
      await env.ctx.db
        .updateTable('versions')
        .set({ jws: `${h}.${forged.toString('base64url')}.${s}` })
        .execute();
      const { res, bytes } = await download(env, `/certificates/${contractNumber}/certificate.pdf`, grant);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const html = new TextDecoder().decode(bytes);
      expect(html).toContain('署名検証に失敗しました');
      expect(html).not.toContain('90,000,000');
    });
  });

  describe('the verification receipt (確認証跡)', () => {
    it('is issued from the certificate page, signed with its own typ, and downloadable as PDF and JWS', async () => {
      const { contractNumber, authKey } = await publish(env, rareAdvanceBody());
      await addVersion(env, contractNumber, {
        event: 'change',
        changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 },
      });
      env.setNow('2026-11-24T03:05:00.000Z');
      const grant = await grantFor(env, contractNumber, authKey);
      const page = await html(`/certificates/${contractNumber}/versions/1`, grant);
      expect(page).toContain(`action="/certificates/${contractNumber}/verification-receipts"`);

      env.setNow('2026-11-24T03:15:00.000Z');
      const posted = await postForm(
        env,
        `/certificates/${contractNumber}/verification-receipts`,
        { seq: '1', department: '三島市 財政部 契約検査課', officerName: '髙橋 花子' },
        grant,
      );
      expect(posted.status).toBe(303);
      const location = posted.headers.get('location') ?? '';
      expect(location).toMatch(
        new RegExp(`^/certificates/${contractNumber}/verification-receipts/R20261124-[A-Z2-9]{8}$`),
      );
      const receiptPage = await html(location, grant);
      expect(receiptPage).toContain('確認証跡を発行しました');
      expect(receiptPage).toContain('令和8年11月24日 12:15:00');
      expect(receiptPage).toContain('髙橋 花子');

      const jwsRes = await download(env, `${location}/receipt.jws`, grant);
      expect(jwsRes.res.headers.get('content-type')).toMatch(/^application\/jose/);
      const receiptJws = new TextDecoder().decode(jwsRes.bytes);
      expect(decodeProtectedHeader(receiptJws).typ).toBe('esurety-receipt+jwt');
      const jwks = await (await env.app.request('/.well-known/jwks.json')).json();
      const verified = await compactVerify(receiptJws, createLocalJWKSet(jwks as never));
      const payload = JSON.parse(new TextDecoder().decode(verified.payload));
      const surety = (await env.api('GET', `/api/v1/sureties/${contractNumber}`)).json;
      expect(payload).toMatchObject({
        sub: contractNumber,
        seq: 1,
        version: jwsHash(surety.versions[0].jws),
        status: 'active',
        issuedAt: '2026-11-24T12:15:00.000+09:00',
        officer: { name: '髙橋 花子', department: '三島市 財政部 契約検査課' },
      });

      const pdf = await download(env, `${location}/receipt.pdf`, grant);
      expect(pdf.res.status).toBe(200);
      const seen = await readAsPerson(pdf.bytes);
      expect(seen.warnings).toBe('');
      expect(seen.blanks).toEqual([]);
      expect(seen.pages).toBe(1);
      const text = squash(seen.text);
      for (const expected of [
        '電子保証確認証跡',
        payload.rid,
        contractNumber,
        'No.1（新規）',
        '20,000,000円',
        jwsHash(surety.versions[0].jws),
        '三島市財政部契約検査課髙橋花子',
        RARE.worksName,
      ]) {
        expect(text).toContain(squash(expected));
      }
      expect((await attachmentNames(pdf.bytes)).names.sort()).toEqual(['jwks.json', 'receipt.jws', 'version.jws']);

      // The issuer sees that a receipt exists and when — not who asked for it.
      expect(surety.verificationReceipts).toEqual({ count: 1, lastIssuedAt: '2026-11-24T03:15:00.000Z' });
      expect(JSON.stringify(surety)).not.toContain('髙橋 花子');
      const audit = await env.ctx.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'receipt.issue')
        .execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]?.detail).not.toContain('髙橋');
    });

    it('works without a name, refuses over-long input, a foreign origin, a missing grant and hidden versions', async () => {
      const { contractNumber, authKey } = await publish(env, rareAdvanceBody());
      const grant = await grantFor(env, contractNumber, authKey);
      const path = `/certificates/${contractNumber}/verification-receipts`;
      const anonymous = await postForm(env, path, { seq: '1' }, grant);
      expect(anonymous.status).toBe(303);
      const receiptPage = await html(anonymous.headers.get('location') ?? '', grant);
      expect(receiptPage).toContain('記載なし');
      expect((await postForm(env, path, { seq: '1', officerName: 'あ'.repeat(51) }, grant)).status).toBe(422);
      expect((await postForm(env, path, { seq: '9' }, grant)).status).toBe(404);
      expect((await postForm(env, path, { seq: '1' }, '')).status).toBe(303);
      const foreign = await env.app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', cookie: grant },
        body: 'seq=1',
      });
      expect(foreign.status).toBe(403);
      const other = await publish(env, rareAdvanceBody());
      const otherGrant = await grantFor(env, other.contractNumber, other.authKey);
      const id = (anonymous.headers.get('location') ?? '').split('/').pop();
      const stolen = await download(
        env,
        `/certificates/${other.contractNumber}/verification-receipts/${id}`,
        otherGrant,
      );
      expect(stolen.res.status).toBe(404);
      expect((await env.api('GET', `/api/v1/sureties/${contractNumber}`)).json.verificationReceipts.count).toBe(1);
    });
  });

  describe('offline verification', () => {
    async function certificateFixture() {
      const { contractNumber, authKey } = await publish(env, rareAdvanceBody());
      await addVersion(env, contractNumber, {
        event: 'change',
        changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 },
      });
      const grant = await grantFor(env, contractNumber, authKey);
      const pdf = (await download(env, `/certificates/${contractNumber}/certificate.pdf`, grant)).bytes;
      const surety = (await env.api('GET', `/api/v1/sureties/${contractNumber}`)).json;
      return {
        contractNumber,
        grant,
        pdf,
        first: surety.versions[0].jws as string,
        current: surety.versions[1].jws as string,
      };
    }
    const resultOf = async (res: Response) => {
      const html = await res.text();
      return {
        html,
        ok: html.includes('class="banner banner-active"'),
        failed: [...html.matchAll(/<li class="failed">.*?<span class="check-reason" lang="ja">(.*?)<\/span>/gs)].map(
          (m) => m[1],
        ),
      };
    };

    it('/verify-file passes a genuine certificate PDF and its bare JWS, and stores nothing', async () => {
      const { pdf, current } = await certificateFixture();
      const before = await env.ctx.db.selectFrom('verification_receipts').selectAll().execute();
      const res = await uploadForVerification(env, pdf, 'certificate.pdf');
      expect(res.status).toBe(200);
      const result = await resultOf(res);
      expect(result.failed).toEqual([]);
      expect(result.ok).toBe(true);
      expect(result.html).toContain('PDFと署名データの対応');
      expect(result.html).toContain('22,000,000円');
      const jws = await resultOf(await uploadForVerification(env, new TextEncoder().encode(current), 'v.jws'));
      expect(jws.ok).toBe(true);
      expect(await env.ctx.db.selectFrom('verification_receipts').selectAll().execute()).toEqual(before);
    });

    it('says a PDF passed for its attached signed data only, not its printed page, when the page was redrawn', async () => {
      const { pdf } = await certificateFixture();
      // The attacker's edit: a new amount drawn over the printed page, the attachments and keywords left alone.
      const doc = await PDFDocument.load(pdf, { updateMetadata: false });
      const page = doc.getPage(0);
      page.drawRectangle({ x: 0, y: 0, width: page.getWidth(), height: page.getHeight(), color: rgb(1, 1, 1) });
      page.drawText('360,000,000 JPY', { x: 72, y: 400, size: 24 });
      const altered = await doc.save();
      expect((await attachmentNames(altered)).names.sort()).toEqual(['jwks.json', 'version.jws']);

      const result = await resultOf(await uploadForVerification(env, altered, 'altered.pdf'));
      const banner = /<div class="banner [^"]*" role="status"><span>(.*?)<\/span>/s.exec(result.html)?.[1] ?? '';
      expect(banner).not.toContain('すべての確認に合格しました');
      expect(banner).toContain('電子署名が保証するのは下に表示した署名データの内容だけで、PDFの印刷面');
      expect(result.html).toContain('22,000,000円');
      // A bare .jws has no printed page: its banner keeps the plain verdict.
      const { current } = await certificateFixture();
      const jws = await resultOf(await uploadForVerification(env, new TextEncoder().encode(current), 'v.jws'));
      expect(jws.html).toContain('すべての確認に合格しました');
    });

    it('fails a PDF with one changed byte in its JWS, a swapped JWS and a swapped key, each with its reason', async () => {
      const { pdf, first, current } = await certificateFixture();
      const payloadStart = current.indexOf('.') + 20;
      const flipped = await resultOf(
        await uploadForVerification(env, flipOneByte(pdf, current, payloadStart), 'a.pdf'),
      );
      expect(flipped.ok).toBe(false);
      expect(flipped.failed).toEqual(['署名が一致しません（データが改ざんされている可能性があります）']);

      // A genuine JWS of another version slipped in: every signature holds, but the PDF no longer matches it.
      const swapped = await swapAttachment(pdf, 'version.jws', new TextEncoder().encode(first));
      const s = await resultOf(await uploadForVerification(env, swapped, 'b.pdf'));
      expect(s.ok).toBe(false);
      expect(s.failed).toHaveLength(1);
      expect(s.failed[0]).toContain('添付ファイルが差し替えられている可能性があります');

      const foreignKey = new TextEncoder().encode(
        JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', kid: 'x', x: 'AQ', y: 'AQ' }] }),
      );
      const k = await resultOf(
        await uploadForVerification(env, await swapAttachment(pdf, 'jwks.json', foreignKey), 'c.pdf'),
      );
      expect(k.ok).toBe(false);
      expect(k.failed[0]).toContain('添付の公開鍵に kid');

      const junk = await resultOf(await uploadForVerification(env, new TextEncoder().encode('hello'), 'd.txt'));
      expect(junk.failed).toEqual(['PDF ファイルでも署名データ（JWS）でもありません']);
      const broken = await resultOf(
        await uploadForVerification(env, new TextEncoder().encode('%PDF-1.7\n%%garbage'), 'f.pdf'),
      );
      expect(broken.failed).toEqual(['PDF の構造を読み取れません']);
      const big = await uploadForVerification(env, new Uint8Array(1024 * 1024 + 1), 'e.pdf');
      expect(big.status).toBe(413);
    });

    it('the receipt PDF verifies too, and fails when its version attachment is swapped', async () => {
      const { contractNumber, grant, first } = await certificateFixture();
      const posted = await postForm(env, `/certificates/${contractNumber}/verification-receipts`, { seq: '2' }, grant);
      const receipt = (await download(env, `${posted.headers.get('location')}/receipt.pdf`, grant)).bytes;
      const good = await resultOf(await uploadForVerification(env, receipt, 'r.pdf'));
      expect(good.failed).toEqual([]);
      expect(good.ok).toBe(true);
      expect(good.html).toContain('確認証跡の署名');
      const swapped = await swapAttachment(receipt, 'version.jws', new TextEncoder().encode(first));
      const bad = await resultOf(await uploadForVerification(env, swapped, 'r2.pdf'));
      expect(bad.ok).toBe(false);
      expect(bad.failed[0]).toContain('差し替えられている');
    });
  });
});
