// The validation data a PAdES B-LT file carries (ETSI EN 319 142-1 §5.4): every certificate of the signatures and
// time-stamps already in the PDF (signer chain, TSA chain) and the revocation data their issuers publish — here the
// CRLs named by each certificate's CRL distribution points, fetched over HTTP(S). OCSP is not asked.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { arrayBuffer, OID, parseCertificate } from './cms.js';

const CRL_DISTRIBUTION_POINTS = '2.5.29.31';
const URI = 6;

export class ValidationDataError extends Error {}

/** The CMS SignedData in each signature dictionary's /Contents, in file order (the padding after the DER ignored). */
export function signaturesOf(pdf: Uint8Array): pkijs.SignedData[] {
  const text = Buffer.from(pdf).toString('latin1');
  const found: pkijs.SignedData[] = [];
  for (const match of text.matchAll(/\/Contents\s*<([0-9a-fA-F]{200,})>/g)) {
    const parsed = asn1js.fromBER(arrayBuffer(Buffer.from(match[1]!, 'hex')));
    if (parsed.offset === -1) continue;
    const info = new pkijs.ContentInfo({ schema: parsed.result });
    if (info.contentType !== OID.signedData) continue;
    found.push(new pkijs.SignedData({ schema: info.content }));
  }
  return found;
}

/** A signature's RFC 3161 tokens: its signature time-stamp, or itself when it is a document time-stamp. */
export function timeStampTokensOf(signed: pkijs.SignedData): pkijs.SignedData[] {
  if (signed.encapContentInfo.eContentType === OID.tstInfo) return [signed];
  return signed.signerInfos.flatMap((info) =>
    (info.unsignedAttrs?.attributes ?? [])
      .filter((a) => a.type === OID.signatureTimeStampToken)
      .map((a) => new pkijs.SignedData({ schema: new pkijs.ContentInfo({ schema: a.values[0] }).content })),
  );
}

const derOf = (cert: pkijs.CertificateSetItem) =>
  cert instanceof pkijs.Certificate ? new Uint8Array(cert.toSchema().toBER()) : null;

/** Every certificate the signatures and their time-stamp tokens carry, DER, without repeats. */
export function certificatesOf(signatures: pkijs.SignedData[]): Uint8Array[] {
  const all = signatures.flatMap((s) => [s, ...timeStampTokensOf(s)]).flatMap((s) => s.certificates ?? []);
  const seen = new Map<string, Uint8Array>();
  for (const der of all.map(derOf)) if (der) seen.set(Buffer.from(der).toString('base64'), der);
  return [...seen.values()];
}

/** The http(s) CRL distribution points a certificate names. */
export function crlUrlsOf(der: Uint8Array): string[] {
  const extension = parseCertificate(der).extensions?.find((e) => e.extnID === CRL_DISTRIBUTION_POINTS);
  if (!extension) return [];
  const points = pkijs.CRLDistributionPoints.fromBER(extension.extnValue.getValue());
  return points.distributionPoints
    .flatMap((p) =>
      Array.isArray(p.distributionPoint)
        ? p.distributionPoint.filter((n) => n.type === URI).map((n) => String(n.value))
        : [],
    )
    .filter((url) => /^https?:\/\//i.test(url));
}

/** @throws ValidationDataError when the distribution point does not answer with a CRL */
export async function fetchCrl(url: string, timeoutMs = 15_000): Promise<Uint8Array> {
  let body: Uint8Array;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw new ValidationDataError(
      `the CRL at ${new URL(url).origin}${new URL(url).pathname} cannot be fetched: ${(error as Error).message}`,
    );
  }
  try {
    pkijs.CertificateRevocationList.fromBER(arrayBuffer(body));
  } catch {
    throw new ValidationDataError(`${new URL(url).origin}${new URL(url).pathname} did not answer with a DER CRL`);
  }
  return body;
}

/** The certificates of every signature in `pdf` and the CRLs their distribution points serve. @throws ValidationDataError */
export async function collectValidationData(pdf: Uint8Array): Promise<{ certs: Uint8Array[]; crls: Uint8Array[] }> {
  const certs = certificatesOf(signaturesOf(pdf));
  const urls = [...new Set(certs.flatMap(crlUrlsOf))];
  const crls = await Promise.all(urls.map((url) => fetchCrl(url)));
  return { certs, crls };
}

/** Whether any certificate of the PDF's signatures names a CRL distribution point (B-LT is then possible). */
export function namesRevocationSource(certificates: Uint8Array[]): boolean {
  return certificates.some((c) => crlUrlsOf(c).length > 0);
}
