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
