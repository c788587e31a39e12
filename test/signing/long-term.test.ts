// Long-term validity (PAdES B-LT and B-LTA) as a PDF reader sees it: the validation data — the signer's chain, the
// TSA's chain and the CA's CRL fetched from its distribution point — in a DSS appended as an incremental update;
// a document time-stamp appended later; pdfsig keeps finding every signature valid and the earlier bytes unchanged.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import type { PDFRawStream } from 'pdf-lib';
import { PDFArray, PDFDict, PDFName, PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addValidationData } from '../../src/pdf-sign/dss.js';
import { addDocumentTimeStamp, newestTimeStampExpiry } from '../../src/pdf-sign/doc-timestamp.js';
import { keySigner, readPkcs12 } from '../../src/pdf-sign/p12.js';
import { sealPdf } from '../../src/pdf-sign/pades.js';
import { tsaClient } from '../../src/pdf-sign/tsa.js';
import { readPades } from '../../src/pdf-sign/verify-pades.js';
import {
  makePki,
  pdfsig,
  startCrlServer,
  startTsa,
  type TestCrlServer,
  type TestPki,
  type TestTsa,
} from '../support/pki.js';

const run = promisify(execFile);

let pki: TestPki;
let tsa: TestTsa;
let crl: TestCrlServer;
beforeAll(async () => {
  crl = await startCrlServer();
  pki = makePki({ crlUrl: crl.url });
  crl.serve(pki);
  tsa = await startTsa(pki);
});
afterAll(async () => {
  await tsa.close();
  await crl.close();
  pki.cleanup();
});

async function signedBT(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]).drawText('Advance payment guarantee', {
    x: 50,
    y: 780,
    size: 14,
    font: await doc.embedFont(StandardFonts.Helvetica),
  });
  const { key, certificates } = await readPkcs12(fs.readFileSync(pki.p12Path), pki.p12Password);
  return sealPdf(await doc.save(), {
    signer: keySigner(key, certificates, 'PKCS#12'),
    timestamp: tsaClient(tsa.url),
    name: 'テスト保証株式会社',
    reason: '保証証書（発行時）',
    location: 'JP',
    signingTime: new Date('2026-12-05T01:00:00Z'),
  });
}

/** The DSS's /Certs and /CRLs as DER, read back with pdf-lib. */
async function dssOf(pdf: Uint8Array): Promise<{ certs: Buffer[]; crls: Buffer[] } | null> {
  const doc = await PDFDocument.load(pdf);
  const dss = doc.catalog.lookupMaybe(PDFName.of('DSS'), PDFDict);
  if (!dss) return null;
  const streams = (key: string) => {
    const array = dss.lookupMaybe(PDFName.of(key), PDFArray);
    return array ? array.asArray().map((_, i) => Buffer.from((array.lookup(i) as PDFRawStream).contents)) : [];
  };
  return { certs: streams('Certs'), crls: streams('CRLs') };
}

const der = (pemFile: string) =>
  Buffer.from(
    fs
      .readFileSync(pemFile, 'latin1')
      .replace(/-----[^-]+-----/g, '')
      .replace(/\s+/g, ''),
    'base64',
  );

describe('PAdES B-LT', () => {
  it('appends a DSS with both chains and the CRL from the distribution point; the signature stays valid', async () => {
    const bt = await signedBT();
    expect(await dssOf(bt)).toBeNull();
    const lt = await addValidationData(bt);
    expect(Buffer.from(lt.subarray(0, bt.length)).equals(Buffer.from(bt))).toBe(true);
    expect(crl.served()).toBeGreaterThanOrEqual(1);

    const dss = (await dssOf(lt))!;
    expect(dss).not.toBeNull();
    const has = (list: Buffer[], item: Buffer) => list.some((x) => x.equals(item));
    expect(has(dss.certs, der(pki.sealPem))).toBe(true);
    expect(has(dss.certs, der(pki.caPem))).toBe(true);
    expect(has(dss.certs, der(pki.tsaPem))).toBe(true);
    expect(dss.crls).toHaveLength(1);
    expect(dss.crls[0]!.equals(fs.readFileSync(pki.crlPath!))).toBe(true);

    const report = await pdfsig(lt, pki.dir);
    expect(report).toContain('Signature Validation: Signature is Valid.');
    expect(report).toContain('Signature Type: ETSI.CAdES.detached');

    // Run again (a later re-stamp does): nothing is repeated in the DSS.
    const again = await addValidationData(lt);
    const dss2 = (await dssOf(again))!;
    expect(dss2.certs).toHaveLength(dss.certs.length);
    expect(dss2.crls).toHaveLength(1);
    expect(await pdfsig(again, pki.dir)).toContain('Signature Validation: Signature is Valid.');
  });
});

describe('PAdES B-LTA', () => {
  it('appends a document time-stamp over the whole file, valid in OpenSSL; pdfsig lists both, the earlier bytes unchanged', async () => {
    const lt = await addValidationData(await signedBT());
    const tsaExpiry = newestTimeStampExpiry(lt);
    expect(tsaExpiry!.getTime()).toBeGreaterThan(Date.now() + 300 * 86_400_000);
    const lta = await addDocumentTimeStamp(lt, tsaClient(tsa.url));
    expect(Buffer.from(lta.subarray(0, lt.length)).equals(Buffer.from(lt))).toBe(true);
    const report = await pdfsig(lta, pki.dir);
    const [first, second] = report.split(/Signature #\d:/).slice(1);
    expect(first).toContain('Signature Validation: Signature is Valid.');
    // poppler 22.12 lists a document time-stamp (its TSA, its byte range) but does not verify ETSI.RFC3161 ("unknown",
    // "not yet verified"): OpenSSL checks the token against the bytes it covers instead.
    expect(second).toContain('Signer Certificate Common Name: Test TSA');
    expect(second).toContain('Total document signed');
    expect(await verifyLastTimeStamp(lta)).toContain('Verification: OK');
    expect(newestTimeStampExpiry(lta)).toEqual(tsaExpiry);

    // A second re-stamp chains on the first; one changed byte of the first update breaks the time-stamps over it.
    const lta2 = await addDocumentTimeStamp(lta, tsaClient(tsa.url));
    expect((await pdfsig(lta2, pki.dir)).match(/Signature #\d/g)).toHaveLength(3);
    expect(await verifyLastTimeStamp(lta2)).toContain('Verification: OK');
    const tampered = new Uint8Array(lta2);
    const at = Buffer.from(lta2).indexOf('/DSS', lt.length - 2000);
    tampered[at + 1] = 'X'.charCodeAt(0);
    expect(await verifyLastTimeStamp(tampered)).not.toContain('Verification: OK');
    expect(await pdfsig(tampered, pki.dir)).toContain('Signature is Valid.'); // the e-seal's own range is untouched
  });
});

/** `openssl ts -verify` of the last signature's token (a document time-stamp) over the bytes its /ByteRange names. */
async function verifyLastTimeStamp(pdf: Uint8Array): Promise<string> {
  const text = Buffer.from(pdf).toString('latin1');
  const ranges = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)]
    .at(-1)!
    .slice(1)
    .map(Number);
  const [a, b, c, d] = ranges as [number, number, number, number];
  const data = Buffer.concat([Buffer.from(pdf.subarray(a, a + b)), Buffer.from(pdf.subarray(c, c + d))]);
  const hex = text.slice(a + b + 1, c - 1);
  const padded = Buffer.from(hex, 'hex');
  const token = padded.subarray(0, asn1js.fromBER(new Uint8Array(padded).buffer).offset);
  const dataFile = path.join(pki.dir, 'ts-data.bin');
  const tokenFile = path.join(pki.dir, 'ts-token.der');
  fs.writeFileSync(dataFile, data);
  fs.writeFileSync(tokenFile, token);
  const result = await run('openssl', [
    'ts',
    '-verify',
    '-data',
    dataFile,
    '-in',
    tokenFile,
    '-token_in',
    '-CAfile',
    pki.caPem,
    '-untrusted',
    pki.tsaPem,
  ]).catch((e: { stdout: string; stderr: string }) => e);
  return `${result.stdout}${result.stderr}`;
}

describe('the verifier reading B-LT and B-LTA PDFs', () => {
  it('accepts the DSS and document time-stamps appended after the seal, and refuses any other later change', async () => {
    const bt = await signedBT();
    const lt = await addValidationData(bt);
    const lta = await addDocumentTimeStamp(lt, tsaClient(tsa.url));
    expect(await readPades(bt)).toMatchObject({ ok: true });
    const ltReading = await readPades(lt);
    expect(ltReading?.ok, ltReading?.reason).toBe(true);
    expect(ltReading?.reason).toContain('長期検証用データ（DSS）のみ');
    const ltaReading = await readPades(lta);
    expect(ltaReading?.ok, ltaReading?.reason).toBe(true);
    expect(ltaReading?.reason).toContain('ドキュメントタイムスタンプ 1 件');

    // An incremental update after the seal that changes the page (a text drawn over it) is not long-term data.
    const doc = await PDFDocument.load(lt);
    doc.getPage(0).drawText('Amount: 999,999,999', { x: 50, y: 700, size: 14 });
    const altered = Buffer.concat([Buffer.from(lt), Buffer.from(await incrementalUpdate(lt, doc))]);
    const reading = await readPades(altered);
    expect(reading?.ok).toBe(false);
    expect(reading?.reason).toContain('電子署名の後に');

    // One byte inside the document time-stamp's range changed: its imprint no longer matches.
    const tampered = Buffer.from(lta);
    const at = tampered.indexOf('/DSS');
    tampered[at + 1] = 'd'.charCodeAt(0);
    expect((await readPades(tampered))?.ok).toBe(false);
  });
});

/** The objects pdf-lib would write for `doc`, appended as an update of `base` (new xref section, /Prev to the old). */
async function incrementalUpdate(base: Uint8Array, doc: PDFDocument): Promise<Uint8Array> {
  // pdf-lib has no incremental save: rewrite every object of the changed page after the original bytes, with an
  // xref table covering them and a trailer pointing back at the previous one.
  const text = Buffer.from(base).toString('latin1');
  const prev = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1]);
  const page = doc.getPage(0);
  const objects = [
    page.ref,
    ...doc.context
      .enumerateIndirectObjects()
      .map(([ref]) => ref)
      .slice(-2),
  ];
  let body = '\n';
  const offsets: [number, number][] = [];
  for (const ref of new Set(objects)) {
    offsets.push([ref.objectNumber, base.length + Buffer.byteLength(body, 'latin1')]);
    const obj = doc.context.lookup(ref)!;
    const bytes = new Uint8Array(obj.sizeInBytes());
    obj.copyBytesInto(bytes, 0);
    body += `${ref.objectNumber} 0 obj\n${Buffer.from(bytes).toString('latin1')}\nendobj\n`;
  }
  const xrefAt = base.length + Buffer.byteLength(body, 'latin1');
  body += 'xref\n';
  for (const [n, offset] of offsets) body += `${n} 1\n${String(offset).padStart(10, '0')} 00000 n \n`;
  const root = String(doc.context.trailerInfo.Root);
  body += `trailer\n<< /Size ${doc.context.largestObjectNumber + 1} /Root ${root} /Prev ${prev} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
