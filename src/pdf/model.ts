// What each document is rendered from: plain data taken from verified payloads (structured-clone safe, so that a
// worker thread can render it), never from loose database columns.
import type { Expect, Finding } from '../domain/findings.js';
import type { Certificate } from '../domain/certificate.js';
import type { Status } from '../domain/history.js';
import { LOG_EVIDENCE_FILE, type LogEvidenceFile } from '../log/evidence.js';

/** A public signing key as the JWKS serves it. */
export interface PublicJwk {
  kid: string;
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  alg?: string;
  use?: string;
}

/** One visible version as the history table labels it. */
export interface VersionRef {
  seq: number;
  /** Position in the visible history (the "No." column), 1-based. */
  no: number;
  /** 新規, 変更（増額）, 訂正 … */
  label: string;
  issuedAt: string;
}

export interface NoticeInput {
  kind: 'notice';
  certificate: Certificate;
  authKey: string;
  /** The first publication (新規). */
  issued: VersionRef;
  /** The current version, when it is not the first one. */
  latest: VersionRef | null;
  status: Status;
  verifyUrl: string;
  generatedAt: string;
}

export interface CertificateInput {
  kind: 'certificate';
  certificate: Certificate;
  version: VersionRef & { reason: string | null; kid: string; jws: string };
  /** The current version, to say whether this one is the latest. */
  current: VersionRef;
  status: Status;
  jwk: PublicJwk;
  verifyUrl: string;
  generatedAt: string;
  /**
   * The as-issued edition (DESIGN §13): the version exactly as published — no generation time, no live status — saved
   * with an empty e-seal field for the signer, whose name it carries.
   */
  asIssued?: { sealName: string; sealedAt: string; status?: StatusEntry };
  /** Live edition: where the signed as-issued copy of this version is, when an e-seal is configured. */
  signedCopyUrl?: string;
  /**
   * The version's transparency-log evidence, printed (index, tree size) and attached; null in the seconds before a
   * checkpoint covers the version (the page says so, no proof attached); absent when not looked up.
   */
  log?: LogEvidenceFile | null;
}

/**
 * Where a version's later status is published (DESIGN §13): a W3C BitstringStatusListEntry, printed on the as-issued
 * PDF and attached to it as status.json for programs.
 */
export interface StatusEntry {
  id: string;
  type: 'BitstringStatusListEntry';
  statusPurpose: 'message';
  statusListIndex: string;
  statusSize: 2;
  statusListCredential: string;
  statusMessage: { status: string; message: string }[];
}

/** The signed content of a verification receipt (確認証跡; not the 受領確認 of src/services/confirm-receipt.ts). */
export interface VerificationReceiptPayload {
  iss: string;
  sub: string;
  /** The receipt's own number. */
  rid: string;
  seq: number;
  /** base64url(SHA-256(the version's compact JWS)), as a version's `prev` is computed. */
  version: string;
  /** Status of the guarantee when the receipt was issued. */
  status: Status;
  issuedAt: string;
  officer: { name?: string; department?: string } | null;
  /** The officer's own figures (DESIGN §11), when entered; absent in receipts issued before the checks existed. */
  expect?: Expect;
  /** The findings for the version named, as the page showed them (absent in receipts issued before the checks). */
  findings?: Finding[];
}

export interface VerificationReceiptInput {
  kind: 'receipt';
  receipt: VerificationReceiptPayload;
  jws: string;
  certificate: Certificate;
  version: VersionRef & { jws: string; kid: string };
  /** The keys of the receipt and of the version (two when a key rotation came between them). */
  jwks: PublicJwk[];
  verifyUrl: string;
  generatedAt: string;
  /** The version's transparency-log evidence, as CertificateInput's `log`. */
  log?: LogEvidenceFile | null;
}

export type DocumentInput = NoticeInput | CertificateInput | VerificationReceiptInput;

/** Names of the files embedded in certificate and receipt PDFs; the offline verifier looks for these. */
export const ATTACHMENT = {
  version: 'version.jws',
  receipt: 'receipt.jws',
  jwk: 'jwks.json',
  log: LOG_EVIDENCE_FILE,
  status: 'status.json',
} as const;

/** Keywords that bind a PDF to the JWS it carries: the verifier compares them with the attachment. */
export const KEYWORD_PREFIX = {
  contract: 'esurety-contract:',
  seq: 'esurety-seq:',
  versionHash: 'esurety-version-sha256:',
  receiptHash: 'esurety-receipt-sha256:',
} as const;
