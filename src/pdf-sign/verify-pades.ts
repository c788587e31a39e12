// Reads back the PAdES signatures of an as-issued PDF (DESIGN §13) for the verifier. The e-seal (the first CAdES
// signature) must verify over its /ByteRange (message digest and signature by the signer certificate's key). What was
// appended after it may only be what long-term validation adds — a DSS with certificates and revocation data (B-LT) and
// document time-stamps (B-LTA), each time-stamp's imprint over its own range — never a change to a page, an attachment
// or anything else the seal covered: the revision the seal signed is compared object by object with the whole file.
// Whether the certificate chains to a trusted root is what Acrobat or pdfsig judges; here the signer is named.
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, PDFRef, type PDFObject } from 'pdf-lib';
import * as pkijs from 'pkijs';
import { OID, arrayBuffer } from './cms.js';

export interface PadesReading {
  ok: boolean;
  reason: string;
}

const BYTE_RANGE = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
const DOC_TIMESTAMP = 'ETSI.RFC3161';
const HASHES: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

type Range = [number, number, number, number];
interface Signature {
  range: Range;
  subFilter: string | null;
}

/** Every signature's byte range, in file order, with the /SubFilter of its dictionary. */
function signaturesOf(pdf: Uint8Array, text: string): Signature[] {
  return [...text.matchAll(BYTE_RANGE)].map((m) => {
    const range = m.slice(1, 5).map(Number) as Range;
    // The dictionary around the range: before it, and after the /Contents hex string it precedes or follows.
    const around = text.slice(Math.max(0, m.index - 600), m.index + 200) + text.slice(range[2], range[2] + 400);
    const subFilter = /\/SubFilter\s*\/([A-Za-z0-9.]+)/.exec(around)?.[1] ?? null;
    return { range, subFilter: range[2] + range[3] <= pdf.length ? subFilter : null };
  });
}

/** Null when the PDF carries no signature; otherwise whether its e-seal holds and nothing but LTV data came after. */
export async function readPades(pdf: Uint8Array): Promise<PadesReading | null> {
  const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1');
  const signatures = signaturesOf(pdf, text);
  if (signatures.length === 0) return null;
  const fail = (reason: string) => ({ ok: false, reason });
  const seal = signatures.find((s) => s.subFilter !== DOC_TIMESTAMP);
  if (!seal) return fail('PDF に電子署名（eシール）がなく、ドキュメントタイムスタンプだけがあります');
  for (const s of signatures) {
    const [a, b, c, d] = s.range;
    if (a !== 0 || b <= 0 || c <= b || c + d > pdf.length) return fail('電子署名の署名範囲（ByteRange）が不正です');
  }
  if (Math.max(...signatures.map((s) => s.range[2] + s.range[3])) !== pdf.length && !hasDss(text, seal)) {
    return fail('電子署名の後にファイルが書き換えられています（署名範囲がファイル全体を覆っていません）');
  }
  try {
    const sealed = await checkSeal(pdf, text, seal.range);
    if (!sealed.ok) return sealed;
    let stamps = 0;
    for (const s of signatures) {
      if (s.subFilter !== DOC_TIMESTAMP) continue;
      const stamp = await checkDocumentTimestamp(pdf, text, s.range);
      if (stamp) return fail(stamp);
      stamps++;
    }
    const sealEnd = seal.range[2] + seal.range[3];
    if (sealEnd < pdf.length) {
      const changed = await changesAfterSeal(pdf.subarray(0, sealEnd), pdf);
      if (changed) return fail(`電子署名の後に PDF の内容が変更されています（${changed}）`);
    }
    const added =
      sealEnd < pdf.length
        ? `。署名後の追加は長期検証用データ（DSS）${stamps > 0 ? `とドキュメントタイムスタンプ ${stamps} 件` : ''}のみです`
        : '';
    return { ok: true, reason: `${sealed.reason}${added}` };
  } catch {
    return fail('PDF の電子署名（PAdES）を検証できません（署名データが壊れています）');
  }
}

function hasDss(text: string, seal: Signature): boolean {
  return /\/DSS\b/.test(text.slice(seal.range[2] + seal.range[3]));
}

function signedDataAt(text: string, range: Range): pkijs.SignedData {
  const hex = text.slice(range[1], range[2]).replace(/^<|>$/g, '');
  if (!/^[0-9A-Fa-f]+$/.test(hex)) throw new Error('unreadable /Contents');
  const asn1 = asn1js.fromBER(arrayBuffer(Buffer.from(hex, 'hex')));
  if (asn1.offset === -1) throw new Error('not DER');
  const info = new pkijs.ContentInfo({ schema: asn1.result });
  if (info.contentType !== OID.signedData) throw new Error('not SignedData');
  return new pkijs.SignedData({ schema: info.content });
}

function rangeBytes(pdf: Uint8Array, [a, b, c, d]: Range): Buffer {
  return Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
}

async function checkSeal(pdf: Uint8Array, text: string, range: Range): Promise<PadesReading> {
  const signed = signedDataAt(text, range);
  const data = rangeBytes(pdf, range);
  const digest = createHash('sha256').update(data).digest();
  const attrs = signed.signerInfos[0]?.signedAttrs?.attributes ?? [];
  const md = attrs.find((x) => x.type === OID.messageDigest)?.values[0] as asn1js.OctetString | undefined;
  if (!md || !Buffer.from(md.valueBlock.valueHexView).equals(digest)) {
    return { ok: false, reason: 'PDF の内容が電子署名の時点から変更されています（ハッシュ値が一致しません）' };
  }
  const verified = await signed.verify({ signer: 0, data: arrayBuffer(data), checkChain: false, extendedMode: true });
  if (!verified.signatureVerified) return { ok: false, reason: 'PDF の電子署名（PAdES）の署名値が正しくありません' };
  const cn = verified.signerCertificate?.subject.typesAndValues.find((t) => t.type === '2.5.4.3')?.value.valueBlock
    .value;
  const stamped = (signed.signerInfos[0]?.unsignedAttrs?.attributes ?? []).some(
    (x) => x.type === OID.signatureTimeStampToken,
  );
  return {
    ok: true,
    reason:
      `PDF に電子署名（PAdES ${stamped ? 'B-T、タイムスタンプ付き' : 'B-B'}）があり、署名後に変更されていません` +
      `（署名者 ${typeof cn === 'string' ? cn : '不明'}。証明書の信頼性は PDF 閲覧ソフトで確認してください）`,
  };
}

/** A document time-stamp (B-LTA): its token must be over its own byte range. @returns why not, or null */
async function checkDocumentTimestamp(pdf: Uint8Array, text: string, range: Range): Promise<string | null> {
  const signed = signedDataAt(text, range);
  const content = signed.encapContentInfo.eContent;
  if (!content) return 'ドキュメントタイムスタンプに TSTInfo がありません';
  const info = pkijs.TSTInfo.fromBER(content.getValue());
  const hash = HASHES[info.messageImprint.hashAlgorithm.algorithmId];
  if (!hash) return 'ドキュメントタイムスタンプのハッシュ方式を確認できません';
  const imprint = Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (!imprint.equals(createHash(hash).update(rangeBytes(pdf, range)).digest())) {
    return 'ドキュメントタイムスタンプの後に PDF が変更されています（ハッシュ値が一致しません）';
  }
  const verified = await signed.verify({
    signer: 0,
    // pkijs checks a time-stamp token against the time-stamped data (its imprint) when given it.
    data: arrayBuffer(rangeBytes(pdf, range)),
    checkChain: false,
    extendedMode: true,
  });
  return verified.signatureVerified ? null : 'ドキュメントタイムスタンプの署名値が正しくありません';
}

/**
 * What changed between the revision the seal signed and the whole file, other than what signatures and long-term
 * validation add: the catalog may gain /DSS (and /AcroForm), a page only signature widgets in /Annots, the form only
 * /Fields and /SigFlags, and arrays may only grow at their end. @returns a description of the first other change
 */
async function changesAfterSeal(signedRevision: Uint8Array, whole: Uint8Array): Promise<string | null> {
  const options = { updateMetadata: false, throwOnInvalidObject: false } as const;
  const before = await PDFDocument.load(signedRevision, options);
  const after = await PDFDocument.load(whole, options);
  for (const [ref, obj] of before.context.enumerateIndirectObjects()) {
    const now = after.context.lookup(ref);
    if (!now) return `オブジェクト ${ref.toString()} が削除されています`;
    if (same(obj, now)) continue;
    if (obj instanceof PDFDict && now instanceof PDFDict) {
      const type = obj.lookupMaybe(PDFName.of('Type'), PDFName)?.asString();
      const allowed =
        type === '/Catalog' ? ['DSS', 'AcroForm'] : type === '/Page' ? ['Annots'] : ['Fields', 'SigFlags'];
      const changedKey = dictChange(obj, now, allowed);
      if (changedKey) return `オブジェクト ${ref.toString()} の /${changedKey}`;
      const annots = now.lookupMaybe(PDFName.of('Annots'), PDFArray);
      if (type === '/Page' && annots && !onlySignatureWidgetsAdded(after, obj, annots)) {
        return `ページ ${ref.toString()} に署名欄以外の注釈が追加されています`;
      }
      continue;
    }
    if (obj instanceof PDFArray && now instanceof PDFArray && grewAtEnd(obj, now)) continue;
    return `オブジェクト ${ref.toString()} が書き換えられています`;
  }
  return null;
}

function serialize(obj: PDFObject): string {
  if (obj instanceof PDFRawStream) return `${obj.dict.toString()}\n${Buffer.from(obj.contents).toString('latin1')}`;
  return obj.toString();
}

function same(a: PDFObject, b: PDFObject): boolean {
  return serialize(a) === serialize(b);
}

/** The first key, outside `allowed`, whose value differs (or is added or removed), or null. */
function dictChange(a: PDFDict, b: PDFDict, allowed: string[]): string | null {
  const keys = new Set([...a.keys(), ...b.keys()].map((k) => k.asString().slice(1)));
  for (const key of keys) {
    if (allowed.includes(key)) continue;
    const x = a.get(PDFName.of(key));
    const y = b.get(PDFName.of(key));
    if (!x || !y || !same(x, y)) return key;
  }
  return null;
}

function grewAtEnd(a: PDFArray, b: PDFArray): boolean {
  if (b.size() < a.size()) return false;
  for (let i = 0; i < a.size(); i++) if (!same(a.get(i), b.get(i))) return false;
  return true;
}

/** The page's /Annots: what was there at sealing, then only signature widgets (a document time-stamp's field). */
function onlySignatureWidgetsAdded(doc: PDFDocument, page: PDFDict, annots: PDFArray): boolean {
  const previous = page.lookupMaybe(PDFName.of('Annots'), PDFArray);
  const kept = previous?.size() ?? 0;
  if (previous && !grewAtEnd(previous, annots)) return false;
  for (let i = kept; i < annots.size(); i++) {
    const entry = annots.get(i);
    const widget = entry instanceof PDFRef ? doc.context.lookup(entry) : entry;
    if (!(widget instanceof PDFDict)) return false;
    if (widget.lookupMaybe(PDFName.of('Subtype'), PDFName)?.asString() !== '/Widget') return false;
    if (widget.lookupMaybe(PDFName.of('FT'), PDFName)?.asString() !== '/Sig') return false;
  }
  return true;
}
