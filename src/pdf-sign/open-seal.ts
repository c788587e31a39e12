// The configured e-seal (DESIGN §13), opened once at start-up: a PKCS#12 file or a PKCS#11 token, and the time-stamp
// authority when one is configured (B-T; without it B-B). With a TSA and an e-seal chain that names a CRL
// distribution point, each signed PDF also gets its validation data (B-LT) unless ESURETY_PDF_SIGN_LT=off.
import fs from 'node:fs';
import type { PdfSignConfig } from '../config.js';
import { certificateSummary, subjectName, type CertificateSummary } from './certificate-name.js';
import type { SealSigner, TimeStamper } from './cms.js';
import { keySigner, readPkcs12 } from './p12.js';
import { publicTsaUrl, tsaClient } from './tsa.js';
import { namesRevocationSource } from './validation-data.js';

export interface Seal {
  signer: SealSigner;
  timestamp: TimeStamper | undefined;
  level: 'B-B' | 'B-T' | 'B-LT';
  /** Whether a DSS with the chains and CRLs is appended after signing (B-LT). */
  longTerm: boolean;
  /** The signer certificate's subject CN or O, for the signature's /Name. */
  name: string;
  /** Where the key is and which TSA stamps, for start-up and the settings screen (no secret). */
  describe: string;
  summary: SealSummary;
  close(): void;
}

/** The e-seal as the settings screen shows it: never a password, PIN or the TSA's credentials. */
export interface SealSummary {
  kind: 'p12' | 'pkcs11';
  /** The PKCS#12 file's path, or the token and key labels. */
  where: string;
  algorithm: 'ES256' | 'RS256';
  certificate: CertificateSummary;
  level: 'B-B' | 'B-T' | 'B-LT';
  /** The TSA's scheme, host and path only (no userinfo, no query). */
  tsa: string | null;
}

/** The configured e-seal cannot be used: the message names what is wrong, never a password or PIN. */
export class SealError extends Error {
  override name = 'SealError';
}

/** @returns null when no e-seal is configured; @throws SealError */
interface SealConfig {
  pdfSign: PdfSignConfig;
  tsaUrl: string | undefined;
  /** Default `auto`. */
  pdfSignLt?: 'auto' | 'off' | undefined;
}

export async function openSeal(config: SealConfig): Promise<Seal | null> {
  try {
    return await open(config);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'a configured file does not exist'
        : (error as Error).message;
    throw new SealError(`the e-seal for as-issued PDFs (DESIGN §13) cannot be opened: ${reason}`);
  }
}

async function open(config: SealConfig): Promise<Seal | null> {
  const c = config.pdfSign;
  if (c.kind === 'none') return null;
  let signer: SealSigner;
  let close = () => {};
  if (c.kind === 'p12') {
    const { key, certificates } = await readPkcs12(fs.readFileSync(c.path), c.password());
    signer = keySigner(key, certificates, `PKCS#12 ${c.path}`);
  } else {
    // Loaded only when configured: the native binding is not needed by anyone else.
    const { pkcs11Signer } = await import('./pkcs11.js');
    const opened = pkcs11Signer({ module: c.module, token: c.token, key: c.key, pin: c.pin() });
    signer = opened;
    close = opened.close;
  }
  // B-LT without a time-stamp would prove nothing about when the validation data was good.
  const longTerm =
    config.tsaUrl !== undefined && config.pdfSignLt !== 'off' && namesRevocationSource(signer.certificates);
  const level = !config.tsaUrl ? 'B-B' : longTerm ? 'B-LT' : 'B-T';
  return {
    signer,
    timestamp: config.tsaUrl ? tsaClient(config.tsaUrl) : undefined,
    level,
    longTerm,
    name: subjectName(signer.certificates[0]!),
    summary: {
      kind: c.kind,
      where: signer.describe,
      algorithm: signer.algorithm,
      certificate: certificateSummary(signer.certificates[0]!),
      level,
      tsa: config.tsaUrl ? `${new URL(config.tsaUrl).origin}${new URL(config.tsaUrl).pathname}` : null,
    },
    describe: `${signer.describe}; ${config.tsaUrl ? `time-stamps from ${publicTsaUrl(config.tsaUrl)} (PAdES ${level}${longTerm ? ': chains and CRLs embedded' : ''})` : 'no time-stamp authority (PAdES B-B)'}`,
    close,
  };
}
