// Use case: an officer holding a viewer grant downloads the certificate PDF (保証証書) of the current or of one
// visible version. Built from the verified state only; the download counts as a view (recorded like one).
import { changeKind } from '../domain/history.js';
import { DomainError } from '../errors.js';
import type { CertificateInput, PublicJwk, VersionRef } from '../pdf/model.js';
import { PdfBusy, pdfRunner, type PdfRunner } from '../pdf/pool.js';
import { ja } from '../i18n/ja.js';
import type { ServiceContext } from './context.js';
import { versionLogEvidenceFile } from './log-answers.js';
import type { SuretyState, VersionView } from './surety-state.js';
import { viewCertificate, type ViewInput } from './view-certificate.js';

export interface PdfFile {
  pdf: Uint8Array;
  /** Japanese file name (Content-Disposition filename*). */
  filename: string;
  /** ASCII fallback for clients that ignore filename*. */
  asciiFilename: string;
}

/** A visible version as the history table labels it: its No. and 新規 / 変更（増額） / 訂正 … */
export function versionRefOf(state: SuretyState, seq: number): VersionRef {
  const index = state.visible.findIndex((v) => v.seq === seq);
  const version = state.visible[index];
  if (!version) throw new DomainError('not_found', 'この版は表示できません');
  return {
    seq,
    no: index + 1,
    label: ja[`kind.${changeKind(version, state.visible[index - 1])}`],
    issuedAt: version.issuedAt,
  };
}

/** The JWKS entry of a kid, as /.well-known/jwks.json serves it. @throws DomainError internal when unpublished */
export async function publishedJwk(ctx: ServiceContext, kid: string): Promise<PublicJwk> {
  const jwk = (await ctx.keyring.jwks()).keys.find((k) => k.kid === kid);
  if (!jwk) throw new DomainError('internal', `署名鍵 ${kid} が公開鍵一覧にありません`);
  return { ...jwk, kid } as PublicJwk;
}

export async function certificateInputOf(
  ctx: ServiceContext,
  state: SuretyState,
  version: VersionView,
): Promise<CertificateInput> {
  return {
    kind: 'certificate',
    certificate: version.certificate,
    version: { ...versionRefOf(state, version.seq), reason: version.reason, kid: version.kid, jws: version.jws },
    current: versionRefOf(state, state.current.seq),
    status: state.status,
    jwk: await publishedJwk(ctx, version.kid),
    verifyUrl: `${ctx.config.publicUrl}/`,
    generatedAt: ctx.clock().toISOString(),
    log: await versionLogEvidenceFile(ctx, state.contractNumber, version.seq, version.jws),
    // With an e-seal configured, the live PDF says where this version's sealed as-issued copy is (DESIGN §13).
    ...(ctx.config.pdfSign.kind !== 'none'
      ? {
          signedCopyUrl: `${ctx.config.publicUrl}/certificates/${state.contractNumber}/versions/${version.seq}/signed.pdf`,
        }
      : {}),
  };
}

/**
 * Runs a PDF job, turning a saturated PDF pool into the §5 `throttled` answer (429 with Retry-After) the officer or
 * the integration retries: DESIGN §5 has no 503 code, and clients already honour Retry-After on 429.
 * @throws DomainError throttled
 */
export async function runPdf<J extends Parameters<PdfRunner['run']>[0]>(job: J, runner: PdfRunner = pdfRunner()) {
  try {
    return await runner.run(job);
  } catch (error) {
    if (error instanceof PdfBusy) {
      throw new DomainError(
        'throttled',
        `PDF の作成が混み合っています。${error.retryAfter}秒ほど待ってから、もう一度お試しください（画面での確認はそのままご利用いただけます）`,
        { retryAfter: error.retryAfter },
      );
    }
    throw error;
  }
}

/**
 * @returns the PDF, or `tampered` when the stored chain fails verification (the caller shows the tampered page)
 * @throws DomainError not_found (unknown number, hidden or missing version) | throttled (PDF pool saturated)
 */
export async function certificatePdf(
  ctx: ServiceContext,
  input: ViewInput,
): Promise<({ kind: 'ok' } & PdfFile) | { kind: 'tampered' }> {
  const loaded = await viewCertificate(ctx, input);
  if (loaded.kind === 'tampered') return { kind: 'tampered' };
  const { state } = loaded;
  const version = state.visible.find((v) => v.seq === (input.seq ?? state.current.seq)) ?? state.current;
  const pdf = await runPdf(await certificateInputOf(ctx, state, version));
  const ref = versionRefOf(state, version.seq);
  const title = ja[`cert.title.${version.certificate.product}`];
  return {
    kind: 'ok',
    pdf,
    filename: `${title}_${state.contractNumber}_No${ref.no}.pdf`,
    asciiFilename: `certificate-${state.contractNumber}-no${ref.no}.pdf`,
  };
}
