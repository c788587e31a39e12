// Use case: the PAdES-signed as-issued PDF of each version (DESIGN §13). A publication never waits for it and never
// fails because of it: the signing worker finds versions published since the e-seal was configured, queues them
// (signed_pdfs), draws each version as it was when published — with its log evidence once a checkpoint covers it —
// seals it and stores it, retrying with back-off while the token or the time-stamp authority fails. Staff see the
// queue's state; officers and the issuer API download.
import { createHash } from 'node:crypto';
import { toJstIso } from '../domain/format.js';
import { changeKind, hiddenSeqs } from '../domain/history.js';
import { DomainError } from '../errors.js';
import { ja } from '../i18n/ja.js';
import type { Seal } from '../pdf-sign/open-seal.js';
import { addValidationData } from '../pdf-sign/dss.js';
import { signPrepared } from '../pdf-sign/pades.js';
import { getMeta, insertMetaIfAbsent, updateMeta } from '../repositories/meta.js';
import {
  claimSignedPdf,
  deferSignedPdf,
  dueSignedPdfs,
  failSignedPdf,
  findSignedPdf,
  queueSignedPdf,
  skipSignedPdf,
  storeSignedPdf,
  versionsWithoutSignedPdf,
} from '../repositories/signed-pdfs.js';
import type { ServiceContext } from './context.js';
import { versionLogEvidenceFile } from './log-answers.js';
import { publishedJwk, runPdf, type PdfFile } from './render-certificate.js';
import { statusEntryOf } from './status-list.js';
import { loadSuretyState, type SuretyState, type VersionView } from './surety-state.js';

/** Versions issued from this instant on get a signed PDF; set the first time an e-seal is configured. */
export const SINCE_KEY = 'pdf_signing_since';
/** How far the finder has looked (issued_at); it looks again a little before it, for publications still committing. */
const SCANNED_KEY = 'pdf_signing_scanned';
const LOOKBACK_MS = 10 * 60_000;
const ATTEMPT_MS = 2 * 60_000;
const MAX_BACKOFF_MS = 60 * 60_000;
/**
 * How long after its publication a version's as-issued PDF waits for a checkpoint covering it (normally within
 * seconds), so that it carries the log evidence; after that it is signed without, and says so (never a wrong proof).
 */
const LOG_WAIT_MS = 30_000;
const LOG_RETRY_MS = 2_000;

export const signingConfigured = (ctx: ServiceContext) => ctx.config.pdfSign.kind !== 'none';

/** The guarantee as it stood when version `seq` was published: its No., label and visible history then. */
export function stateAsOf(state: SuretyState, seq: number): { version: VersionView; no: number; label: string } | null {
  const prefix = state.versions.filter((v) => v.seq <= seq);
  const hidden = hiddenSeqs(prefix.map((v) => v.payload));
  const visible = prefix.filter((v) => !hidden.has(v.seq));
  const index = visible.findIndex((v) => v.seq === seq);
  const version = visible[index];
  if (!version) return null;
  return { version, no: index + 1, label: ja[`kind.${changeKind(version, visible[index - 1])}`] };
}

/** One pass of the worker: queue what is new, then sign what is due. @returns how many PDFs it signed */
export async function runSigningPass(ctx: ServiceContext, seal: Seal, batch = 10): Promise<number> {
  const now = ctx.clock();
  // Instants kept in the form versions carry them (toJstIso), so that they compare with issued_at as text.
  await insertMetaIfAbsent(ctx.db, SINCE_KEY, toJstIso(now));
  const since = (await getMeta(ctx.db, SINCE_KEY))!;
  const scanned = (await getMeta(ctx.db, SCANNED_KEY)) ?? since;
  const from = toJstIso(new Date(Math.max(Date.parse(since), Date.parse(scanned) - LOOKBACK_MS)));
  const fresh = await versionsWithoutSignedPdf(ctx.db, from, 200);
  for (const v of fresh) await queueSignedPdf(ctx.db, v.contract_number, v.seq, now.toISOString());
  const last = fresh.at(-1)?.issued_at;
  if (last && last > scanned) {
    await insertMetaIfAbsent(ctx.db, SCANNED_KEY, last);
    await updateMeta(ctx.db, SCANNED_KEY, last);
  }
  let signed = 0;
  for (const due of await dueSignedPdfs(ctx.db, now.toISOString(), batch)) {
    const lease = new Date(now.getTime() + ATTEMPT_MS).toISOString();
    if (!(await claimSignedPdf(ctx.db, due, lease))) continue;
    try {
      if (await signOne(ctx, seal, due)) signed++;
    } catch (error) {
      const backoff = Math.min(MAX_BACKOFF_MS, 5_000 * 2 ** due.attempts);
      const message = (error as Error).message;
      ctx.logger.warn(
        { contractNumber: due.contract_number, seq: due.seq, attempt: due.attempts + 1, err: message },
        'signing the as-issued PDF failed; it is retried',
      );
      await failSignedPdf(ctx.db, due, message, new Date(ctx.clock().getTime() + backoff).toISOString());
    }
  }
  return signed;
}

async function signOne(
  ctx: ServiceContext,
  seal: Seal,
  due: { contract_number: string; seq: number; attempts: number },
): Promise<boolean> {
  const { contract_number: contractNumber, seq } = due;
  const loaded = await loadSuretyState(ctx, contractNumber);
  if (loaded.kind !== 'ok') throw new Error(`the stored history of ${contractNumber} does not verify (${loaded.kind})`);
  const asOf = stateAsOf(loaded.state, seq);
  // A version hidden from the moment it was published (it only undoes another) has no certificate to draw.
  if (!asOf) {
    await skipSignedPdf(ctx.db, { contract_number: contractNumber, seq }, ctx.clock().toISOString());
    return false;
  }
  const { version } = asOf;
  const log = await versionLogEvidenceFile(ctx, contractNumber, seq, version.jws);
  const now = ctx.clock().getTime();
  if (!log && now - Date.parse(version.issuedAt) < LOG_WAIT_MS) {
    await deferSignedPdf(ctx.db, due, new Date(now + LOG_RETRY_MS).toISOString());
    return false;
  }
  const ref = { seq, no: asOf.no, label: asOf.label, issuedAt: version.issuedAt };
  const status = await statusEntryOf(ctx, contractNumber, seq);
  const prepared = await runPdf({
    kind: 'certificate',
    certificate: version.certificate,
    version: { ...ref, reason: version.reason, kid: version.kid, jws: version.jws },
    current: ref,
    status: 'active',
    jwk: await publishedJwk(ctx, version.kid),
    verifyUrl: `${ctx.config.publicUrl}/`,
    generatedAt: version.issuedAt,
    // The signature's claimed time (/M) is when it is sealed, never before: a version queued while the TSA was down,
    // or signed on request long after its publication, must not claim a time before the e-seal certificate existed.
    asIssued: { sealName: seal.name, sealedAt: ctx.clock().toISOString(), ...(status ? { status } : {}) },
    log,
  });
  const sealed = await signPrepared(prepared, seal.signer, seal.timestamp);
  // B-LT: a CRL that cannot be fetched fails this attempt, which is retried like a failing TSA.
  const pdf = seal.longTerm ? await addValidationData(sealed) : sealed;
  const sha256 = createHash('sha256').update(pdf).digest('hex');
  await storeSignedPdf(
    ctx.db,
    { contract_number: contractNumber, seq },
    pdf,
    sha256,
    seal.level,
    ctx.clock().toISOString(),
  );
  ctx.logger.info({ contractNumber, seq, level: seal.level, bytes: pdf.length }, 'as-issued PDF signed');
  return true;
}

/**
 * The stored signed PDF of a version the caller may see (the caller checked access and visibility).
 * @throws DomainError not_found (signing not configured, or the version predates it) | unavailable (being signed)
 */
export async function signedPdfOf(
  ctx: ServiceContext,
  state: SuretyState,
  seq: number,
  /** Officers see visible versions only; the issuer every version. */
  audience: 'officer' | 'issuer',
): Promise<PdfFile> {
  const notFound = () =>
    new DomainError(
      'not_found',
      'この版の署名付きPDF（発行時）はありません（eシールの設定前に発行された版か、設定がありません）',
    );
  if (!signingConfigured(ctx)) throw notFound();
  const version = (audience === 'officer' ? state.visible : state.versions).find((v) => v.seq === seq);
  if (!version) throw new DomainError('not_found', 'この版は表示できません');
  const row = await findSignedPdf(ctx.db, state.contractNumber, seq);
  const since = await getMeta(ctx.db, SINCE_KEY);
  if (row?.state === 'signed' && row.pdf_base64) {
    const title = ja[`cert.title.${version.certificate.product}`];
    return {
      pdf: new Uint8Array(Buffer.from(row.pdf_base64, 'base64')),
      filename: `${title}_${state.contractNumber}_seq${seq}_発行時_署名付き.pdf`,
      asciiFilename: `certificate-${state.contractNumber}-seq${seq}-as-issued-signed.pdf`,
    };
  }
  // Queued, or not yet found by the worker (before its first pass, `since` is not even set).
  if (row?.state === 'pending' || (!row && (since === null || version.issuedAt >= since))) {
    throw new DomainError(
      'unavailable',
      '署名付きPDF（発行時）を作成しています。しばらくしてからもう一度お試しください',
      {
        retryAfter: 10,
      },
    );
  }
  throw notFound();
}
