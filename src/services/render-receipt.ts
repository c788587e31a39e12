// Use case: the officer opens or downloads a verification receipt (確認証跡) issued to this browser's viewer grant:
// the receipt JWS is verified again, and so is the version it names, before anything is shown or drawn.
import { historyNumbers } from '../domain/history.js';
import { DomainError } from '../errors.js';
import type { VerificationReceiptInput, VerificationReceiptPayload, VersionRef } from '../pdf/model.js';
import { findVerificationReceipt } from '../repositories/verification-receipts.js';
import { VerificationFailure, jwsHash, verifySignedJws } from '../signing/versions.js';
import type { ServiceContext } from './context.js';
import { versionLogEvidenceFile } from './log-answers.js';
import { RECEIPT_TYP, receiptPayloadSchema } from './issue-verification-receipt.js';
import { publishedJwk, runPdf, versionRefOf, type PdfFile } from './render-certificate.js';
import { loadSuretyState, type VersionView } from './surety-state.js';

export interface VerificationReceiptView {
  payload: VerificationReceiptPayload;
  jws: string;
  kid: string;
  version: VersionView;
  ref: VersionRef;
}

/** @throws DomainError not_found | internal (the receipt or the version it names fails verification) */
export async function loadVerificationReceipt(
  ctx: ServiceContext,
  contractNumber: string,
  id: string,
): Promise<VerificationReceiptView> {
  const row = await findVerificationReceipt(ctx.db, contractNumber, id);
  if (!row) throw new DomainError('not_found', 'この確認証跡は見つかりません');
  const broken = () => new DomainError('internal', '保存されている確認証跡の署名を検証できません');
  let verified: { kid: string; payload: VerificationReceiptPayload };
  try {
    verified = await verifySignedJws(ctx.keyring, row.jws, RECEIPT_TYP, receiptPayloadSchema);
  } catch (error) {
    if (error instanceof VerificationFailure) throw broken();
    throw error;
  }
  const { payload } = verified;
  if (payload.sub !== contractNumber || payload.rid !== id) throw broken();
  const loaded = await loadSuretyState(ctx, contractNumber);
  if (loaded.kind !== 'ok') throw broken();
  const version = loaded.state.versions.find((v) => v.seq === payload.seq);
  if (!version || jwsHash(version.jws) !== payload.version) throw broken();
  // A version corrected after the receipt is no longer in the visible history; the receipt still names it by the
  // No. the officer saw when it was shown (the numbering staff and officers share), never by a made-up "No. 0".
  // A receipt is only ever issued for a version shown to the officer, so a hidden one always had a No.
  const shownAs = version.hidden ? historyNumbers(loaded.state.versions).get(version.seq) : undefined;
  if (version.hidden && (shownAs === undefined || shownAs === null)) throw broken();
  const ref = version.hidden
    ? { seq: version.seq, no: shownAs as number, label: '訂正・変更取消された版', issuedAt: version.issuedAt }
    : versionRefOf(loaded.state, version.seq);
  return { payload, jws: row.jws, kid: verified.kid, version, ref };
}

/** @throws DomainError not_found | internal | throttled (PDF pool saturated) */
export async function verificationReceiptPdf(
  ctx: ServiceContext,
  contractNumber: string,
  id: string,
): Promise<PdfFile> {
  const receipt = await loadVerificationReceipt(ctx, contractNumber, id);
  const kids = [...new Set([receipt.kid, receipt.version.kid])];
  const input: VerificationReceiptInput = {
    kind: 'receipt',
    receipt: receipt.payload,
    jws: receipt.jws,
    certificate: receipt.version.certificate,
    version: { ...receipt.ref, jws: receipt.version.jws, kid: receipt.version.kid },
    jwks: await Promise.all(kids.map((kid) => publishedJwk(ctx, kid))),
    verifyUrl: `${ctx.config.publicUrl}/`,
    generatedAt: ctx.clock().toISOString(),
    log: await versionLogEvidenceFile(ctx, contractNumber, receipt.version.seq, receipt.version.jws),
  };
  return {
    pdf: await runPdf(input),
    filename: `確認証跡_${contractNumber}_${id}.pdf`,
    asciiFilename: `receipt-${contractNumber}-${id}.pdf`,
  };
}
