// What the document tests share: a certificate with rare characters, an officer's browser holding a viewer grant,
// and small helpers to download documents and to tamper with a PDF the way an attacker would.
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef, PDFString } from 'pdf-lib';
import { advanceBody, contractBody } from '../support/fixtures.js';
import type { TestEnv } from '../support/harness.js';

/** 髙 (U+9AD9), 﨑 (U+FA11), ① and 〒: characters a careless font pipeline drops or draws blank. */
export const RARE = {
  contractor: {
    name: '富士見建設株式会社',
    address: '〒411-0000 静岡県三島市北田町4番47号',
    representative: '代表取締役 髙橋 一郎',
  },
  worksName: '﨑山地区排水路整備工事①',
};

export function rareAdvanceBody(overrides: Record<string, unknown> = {}) {
  const base = advanceBody();
  return {
    ...base,
    contractor: RARE.contractor,
    works: { ...(base.works as object), name: RARE.worksName },
    ...overrides,
  };
}

export function jvContractBody() {
  const base = contractBody();
  return {
    ...base,
    contractor: { name: '三島・函南特定建設工事共同企業体', representative: '代表者 富士見建設株式会社' },
    jointVenture: { name: '三島・函南特定建設工事共同企業体', members: ['富士見建設株式会社', '函南土木株式会社'] },
    works: { ...(base.works as object), name: RARE.worksName },
  };
}

export const ORIGIN = 'http://localhost:3000';

/** Verifies number + key through the form, as an officer does, and returns the viewer-grant cookie. */
export async function grantFor(env: TestEnv, contractNumber: string, authKey: string, cookie = ''): Promise<string> {
  const res = await env.app.request('/verify', {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: ORIGIN,
      'x-forwarded-for': '203.0.113.30',
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams({ contractNumber, authKey }).toString(),
  });
  if (res.status !== 303) throw new Error(`verification failed: ${res.status}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

export async function download(env: TestEnv, path: string, cookie: string) {
  const res = await env.app.request(path, { headers: { cookie, 'x-forwarded-for': '203.0.113.30' } });
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** Posts a form the way a browser does (same origin), e.g. the receipt form. */
export async function postForm(env: TestEnv, path: string, fields: Record<string, string>, cookie: string) {
  return env.app.request(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: ORIGIN,
      'x-forwarded-for': '203.0.113.30',
      cookie,
    },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Uploads a file to /verify-file as a browser's multipart form does. */
export async function uploadForVerification(env: TestEnv, bytes: Uint8Array, name: string) {
  const form = new FormData();
  form.set('file', new File([bytes as Uint8Array<ArrayBuffer>], name, { type: 'application/octet-stream' }));
  return env.app.request('/verify-file', {
    method: 'POST',
    headers: { origin: ORIGIN, 'x-forwarded-for': '203.0.113.31' },
    body: form,
  });
}

/** Changes one character of `needle` inside the PDF bytes (same length, so the file stays a well-formed PDF). */
export function flipOneByte(pdf: Uint8Array, needle: string, offsetInNeedle: number): Uint8Array {
  const buffer = Buffer.from(pdf);
  const at = buffer.indexOf(needle, 0, 'latin1');
  if (at < 0) throw new Error('needle not found in the PDF');
  const copy = Buffer.from(buffer);
  const i = at + offsetInNeedle;
  copy[i] = copy[i] === 0x41 ? 0x42 : 0x41; // 'A' ↔ 'B': still base64url
  return new Uint8Array(copy);
}

/** Replaces one embedded file's bytes, rewriting the PDF properly (an attacker with pdf-lib would do this). */
export async function swapAttachment(pdf: Uint8Array, name: string, replacement: Uint8Array): Promise<Uint8Array> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const tree = doc.catalog.lookup(PDFName.of('Names'), PDFDict).lookup(PDFName.of('EmbeddedFiles'), PDFDict);
  const pairs = tree.lookup(PDFName.of('Names'), PDFArray);
  for (let i = 1; i < pairs.size(); i += 2) {
    const spec = pairs.lookup(i, PDFDict);
    const fileName = spec.lookup(PDFName.of('F'), PDFString).decodeText();
    const ref = spec.lookup(PDFName.of('EF'), PDFDict).get(PDFName.of('F'));
    if (fileName === name && ref instanceof PDFRef) {
      doc.context.assign(ref, doc.context.stream(replacement, { Type: 'EmbeddedFile' }));
      return doc.save();
    }
  }
  throw new Error(`no attachment named ${name}`);
}
