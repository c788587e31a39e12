// Reads back the PAdES signature of an as-issued PDF (DESIGN §13) for the verifier: the CMS over the /ByteRange must
// verify (message digest and signature by the signer certificate's key) and cover the whole file. Whether the
// certificate chains to a trusted root is what Acrobat or pdfsig judges; here the signer is named, not trusted.
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID, arrayBuffer } from './cms.js';

export interface PadesReading {
  ok: boolean;
  reason: string;
}

const BYTE_RANGE = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;

/** Null when the PDF carries no signature; otherwise whether its last signature holds and covers the file. */
export async function readPades(pdf: Uint8Array): Promise<PadesReading | null> {
  const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1');
  const ranges = [...text.matchAll(BYTE_RANGE)].map(
    (m) => m.slice(1, 5).map(Number) as [number, number, number, number],
  );
  const last = ranges.at(-1);
  if (!last) return null;
  const [a, b, c, d] = last;
  const fail = (reason: string) => ({ ok: false, reason });
  if (a !== 0 || b <= 0 || c <= b || c + d > pdf.length) return fail('電子署名の署名範囲（ByteRange）が不正です');
  if (c + d !== pdf.length)
    return fail('電子署名の後にファイルが書き換えられています（署名範囲がファイル全体を覆っていません）');
  const hex = text.slice(b, c).replace(/^<|>$/g, '');
  if (!/^[0-9A-Fa-f]+$/.test(hex)) return fail('電子署名の値（Contents）を読み取れません');
  try {
    const der = Buffer.from(hex, 'hex');
    const asn1 = asn1js.fromBER(arrayBuffer(der));
    if (asn1.offset === -1) throw new Error('not DER');
    const info = new pkijs.ContentInfo({ schema: asn1.result });
    if (info.contentType !== OID.signedData) throw new Error('not SignedData');
    const signed = new pkijs.SignedData({ schema: info.content });
    const data = Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
    const digest = createHash('sha256').update(data).digest();
    const attrs = signed.signerInfos[0]?.signedAttrs?.attributes ?? [];
    const md = attrs.find((x) => x.type === OID.messageDigest)?.values[0] as asn1js.OctetString | undefined;
    if (!md || !Buffer.from(md.valueBlock.valueHexView).equals(digest)) {
      return fail('PDF の内容が電子署名の時点から変更されています（ハッシュ値が一致しません）');
    }
    const verified = await signed.verify({ signer: 0, data: arrayBuffer(data), checkChain: false, extendedMode: true });
    if (!verified.signatureVerified) return fail('PDF の電子署名（PAdES）の署名値が正しくありません');
    const cert = verified.signerCertificate;
    const cn = cert?.subject.typesAndValues.find((t) => t.type === '2.5.4.3')?.value.valueBlock.value;
    const stamped = (signed.signerInfos[0]?.unsignedAttrs?.attributes ?? []).some(
      (x) => x.type === OID.signatureTimeStampToken,
    );
    return {
      ok: true,
      reason:
        `PDF 全体に電子署名（PAdES ${stamped ? 'B-T、タイムスタンプ付き' : 'B-B'}）があり、署名後に変更されていません` +
        `（署名者 ${typeof cn === 'string' ? cn : '不明'}。証明書の信頼性は PDF 閲覧ソフトで確認してください）`,
    };
  } catch {
    return fail('PDF の電子署名（PAdES）を検証できません（署名データが壊れています）');
  }
}
