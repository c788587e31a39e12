// A certificate's subject as people read it: its CN, else its O; and its names and validity for the settings screen.
import type * as pkijs from 'pkijs';
import { parseCertificate } from './cms.js';

const CN = '2.5.4.3';
const O = '2.5.4.10';
const SHORT: Record<string, string> = {
  [CN]: 'CN',
  [O]: 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
};

export function subjectName(der: Uint8Array): string {
  const attrs = parseCertificate(der).subject.typesAndValues;
  const of = (type: string) => attrs.find((a) => a.type === type)?.value.valueBlock.value as string | undefined;
  return of(CN) ?? of(O) ?? 'e-seal';
}

/** A distinguished name as RFC 4514 prints it, most specific first (CN=…, O=…, C=JP). */
function distinguishedName(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues
    .map((a) => `${SHORT[a.type] ?? a.type}=${String(a.value.valueBlock.value)}`)
    .reverse()
    .join(', ');
}

/** What the settings screen shows of a certificate: subject, issuer, validity (public data, no secret). */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
}

export function certificateSummary(der: Uint8Array): CertificateSummary {
  const cert = parseCertificate(der);
  return {
    subject: distinguishedName(cert.subject),
    issuer: distinguishedName(cert.issuer),
    notBefore: cert.notBefore.value.toISOString(),
    notAfter: cert.notAfter.value.toISOString(),
  };
}
