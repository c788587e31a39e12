// The PAdES seal as a PDF reader sees it: poppler's pdfsig validates the signature (and, with the CA in its NSS
// database, the chain), the time-stamp token verifies with OpenSSL against the TSA's certificate, and one changed
// byte of content makes the signature invalid.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import * as pkijs from 'pkijs';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayBuffer, OID } from '../../src/pdf-sign/cms.js';
import { keySigner, readPkcs12 } from '../../src/pdf-sign/p12.js';
import { sealPdf } from '../../src/pdf-sign/pades.js';
import { TimeStampError, tsaClient } from '../../src/pdf-sign/tsa.js';
import { makePki, makeSoftHsmToken, pdfsig, startTsa, type TestPki, type TestTsa } from '../support/pki.js';
import { openSeal } from '../../src/pdf-sign/open-seal.js';

const run = promisify(execFile);

async function samplePdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  page.drawText('Advance payment guarantee', {
    x: 50,
    y: 780,
    size: 14,
    font: await doc.embedFont(StandardFonts.Helvetica),
  });
  await doc.attach(new TextEncoder().encode('eyJhbGciOiJFUzI1NiJ9.e30.sig'), 'version.jws', {
    mimeType: 'application/jose',
  });
  return doc.save();
}

/** The CMS in /Contents of the first signature. */
function cmsOf(pdf: Uint8Array): pkijs.SignedData {
  const text = Buffer.from(pdf).toString('latin1');
  const match = /\/Contents\s*<([0-9a-fA-F]+)>/.exec(text);
  if (!match) throw new Error('no /Contents');
  const der = Buffer.from(match[1]!, 'hex');
  const info = pkijs.ContentInfo.fromBER(arrayBuffer(der));
  return new pkijs.SignedData({ schema: info.content });
}

const PKCS11_READY = await (async () => {
  const reasons: string[] = [];
  if (!fs.existsSync('/usr/lib/softhsm/libsofthsm2.so')) reasons.push('SoftHSM (apt-get install softhsm2 opensc)');
  if (
    !(await import('pkcs11js').then(
      () => true,
      () => false,
    ))
  )
    reasons.push('the pkcs11js addon (optional dependency)');
  if (reasons.length > 0 && process.env.ESURETY_REQUIRE_PKCS11 === '1')
    throw new Error(`PKCS#11 test required but missing: ${reasons.join(', ')}`);
  if (reasons.length > 0) console.warn(`PKCS#11 e-seal test skipped: missing ${reasons.join(', ')}`);
  return reasons.length === 0;
})();

let pki: TestPki;
let tsa: TestTsa;
beforeAll(async () => {
  pki = makePki();
  tsa = await startTsa(pki);
});
afterAll(async () => {
  await tsa.close();
  pki.cleanup();
});

describe('PAdES seal', () => {
  it('is valid in pdfsig, B-T with a time-stamp OpenSSL verifies, and invalid after one byte changes', async () => {
    const { key, certificates } = await readPkcs12(fs.readFileSync(pki.p12Path), pki.p12Password);
    const signer = keySigner(key, certificates, 'PKCS#12');
    expect(signer.algorithm).toBe('ES256');
    const signed = await sealPdf(await samplePdf(), {
      signer,
      timestamp: tsaClient(tsa.url),
      name: 'テスト保証株式会社',
      reason: '保証証書（発行時）',
      location: 'JP',
      signingTime: new Date('2026-12-05T01:00:00Z'),
    });
    const report = await pdfsig(signed, pki.dir);
    expect(report).toContain('Signature Type: ETSI.CAdES.detached');
    expect(report).toContain('Signature Validation: Signature is Valid.');
    expect(report).toContain('Total document signed');
    expect(report).toMatch(/Signer Certificate Common Name: テスト保証株式会社 eシール/);
    expect(tsa.served()).toBe(1);

    // The signature time-stamp token is over the signature value and verifies against the TSA's chain.
    const cms = cmsOf(signed);
    const signerInfo = cms.signerInfos[0]!;
    const tokenAttr = signerInfo.unsignedAttrs?.attributes.find((a) => a.type === OID.signatureTimeStampToken);
    expect(tokenAttr).toBeDefined();
    const tokenFile = path.join(pki.dir, 'token.der');
    fs.writeFileSync(tokenFile, Buffer.from(tokenAttr!.values[0].toBER()));
    const sigFile = path.join(pki.dir, 'signature.bin');
    fs.writeFileSync(sigFile, Buffer.from(signerInfo.signature.valueBlock.valueHexView));
    const verified = await run('openssl', [
      'ts',
      '-verify',
      '-data',
      sigFile,
      '-in',
      tokenFile,
      '-token_in',
      '-CAfile',
      pki.caPem,
      '-untrusted',
      pki.tsaPem,
    ]);
    expect(verified.stdout).toContain('Verification: OK');
    // PAdES baseline: no signing-time among the signed attributes; the signer certificate is bound (ESS v2).
    const signedTypes = signerInfo.signedAttrs!.attributes.map((a) => a.type);
    expect(signedTypes).toEqual([OID.contentType, OID.messageDigest, OID.signingCertificateV2]);

    // One byte of the document changed (the attached version.jws, inside the signed range): pdfsig says invalid.
    const tampered = new Uint8Array(signed);
    const at = Buffer.from(signed).indexOf('version.jws');
    expect(at).toBeGreaterThan(0);
    tampered[at] = 'V'.charCodeAt(0);
    const after = await pdfsig(tampered, pki.dir);
    expect(after).not.toContain('Signature is Valid.');
    expect(after).toMatch(/Signature Validation: (Digest Mismatch|Signature is Invalid)/);
  });

  it('is B-B without a time-stamper, and an RSA key signs RS256', async () => {
    const rsa = makePki({ keyType: 'rsa' });
    try {
      const { key, certificates } = await readPkcs12(fs.readFileSync(rsa.p12Path), rsa.p12Password);
      const signer = keySigner(key, certificates, 'PKCS#12');
      expect(signer.algorithm).toBe('RS256');
      const signed = await sealPdf(await samplePdf(), {
        signer,
        name: 'x',
        reason: 'y',
        location: 'JP',
        signingTime: new Date(),
      });
      expect(await pdfsig(signed, rsa.dir)).toContain('Signature Validation: Signature is Valid.');
      expect(cmsOf(signed).signerInfos[0]!.unsignedAttrs).toBeUndefined();
    } finally {
      rsa.cleanup();
    }
  });

  it('refuses a wrong PKCS#12 password without echoing it', async () => {
    const error = await readPkcs12(fs.readFileSync(pki.p12Path), 'wrong-password-123').catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/PKCS#12/);
    expect((error as Error).message).not.toContain('wrong-password-123');
  });

  it('reports a failing TSA by its URL without the credentials in it', async () => {
    tsa.failWith(503);
    try {
      const url = tsa.url.replace('http://', 'http://user:tsa-pass-456@');
      const error = await tsaClient(url)(new Uint8Array(32)).catch((e: Error) => e);
      expect(error).toBeInstanceOf(TimeStampError);
      expect((error as Error).message).toContain('HTTP 503');
      expect((error as Error).message).not.toContain('tsa-pass-456');
    } finally {
      tsa.failWith(0);
    }
  });

  // pkcs11js is an optional dependency (a native addon built at install): where it could not be built, or SoftHSM is
  // missing, this says so and is skipped; CI installs both and requires it (ESURETY_REQUIRE_PKCS11=1).
  it.skipIf(!PKCS11_READY)('signs with the key in a PKCS#11 token (SoftHSM), the PIN never in an error', async () => {
    const token = makeSoftHsmToken(pki);
    process.env.SOFTHSM2_CONF = token.conf;
    const seal = await openSeal({
      pdfSign: { kind: 'pkcs11', module: token.module, token: token.token, key: token.key, pin: () => token.pin },
      tsaUrl: tsa.url,
    });
    try {
      expect(seal?.signer.algorithm).toBe('ES256');
      expect(seal?.signer.certificates).toHaveLength(2);
      expect(seal?.describe).toContain('PKCS#11 token "esurety-seal"');
      const signed = await sealPdf(await samplePdf(), {
        signer: seal!.signer,
        timestamp: seal!.timestamp,
        name: seal!.name,
        reason: 'r',
        location: 'JP',
        signingTime: new Date(),
      });
      const report = await pdfsig(signed, pki.dir);
      expect(report).toContain('Signature Validation: Signature is Valid.');
      expect(report).toContain('Signer Certificate Common Name: テスト保証株式会社 eシール');
    } finally {
      seal?.close();
    }
    const wrongPin = await openSeal({
      pdfSign: { kind: 'pkcs11', module: token.module, token: token.token, key: token.key, pin: () => '999999' },
      tsaUrl: undefined,
    }).catch((e: Error) => e);
    expect((wrongPin as Error).message).toContain('cannot log in to the PKCS#11 token "esurety-seal"');
    expect((wrongPin as Error).message).not.toContain('999999');
  });
});
