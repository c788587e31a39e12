// Use case: check a downloaded document — a certificate or receipt PDF, or a bare .jws — as a list of named checks,
// each passed or failed with a reason. Shared by `npm run cli -- verify` (offline, against a JWKS file or URL) and
// the public page /verify-file (against this platform's own keys). Nothing in the file is trusted: the embedded
// public key is only compared with the trusted one, never used to verify.
import { calculateJwkThumbprint, type JWK } from 'jose';
import { checkLogEvidence, type LogInclusion } from '../log/evidence.js';
import { UnreadablePdf, type PdfContents } from '../pdf/inspect.js';
import { readPades } from '../pdf-sign/verify-pades.js';
import { PdfJobAborted, uploadRunner } from '../pdf/pool.js';
import { DomainError } from '../errors.js';
import { writeTransaction } from '../../db/connection.js';
import { consumeBudgets } from './budgets.js';
import { ATTACHMENT, KEYWORD_PREFIX, type VerificationReceiptPayload } from '../pdf/model.js';
import {
  VERSION_TYP,
  VerificationFailure,
  jwsHash,
  verifySignedJws,
  versionPayloadSchema,
  type VersionPayload,
} from '../signing/versions.js';
import type { ServiceContext } from './context.js';
import {
  identityResult,
  integrityResult,
  notChecked,
  statusResult,
  type DocumentResult,
  type OnlineSources,
} from './document-results.js';
import { platformStatusFetcher, txtResolver } from './online-sources.js';
import { RECEIPT_TYP, receiptPayloadSchema } from './issue-verification-receipt.js';
import { runPdf } from './render-certificate.js';
import { jwksSchema, platformKeys, type TrustedKeys } from './trusted-keys.js';

export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface Check {
  /** Stable id (`signature`, `version.signature`, `binding` …) for programs and for the page's labels. */
  id: string;
  label: string;
  status: CheckStatus;
  reason: string;
}

export interface DocumentReport {
  ok: boolean;
  fileType: 'pdf' | 'jws' | 'unknown';
  kind: 'certificate' | 'receipt' | 'version' | 'unknown';
  checks: Check[];
  /** Verified payloads; present only when their signature checks passed. */
  version: VersionPayload | null;
  receipt: VerificationReceiptPayload | null;
  keySource: string;
  keyProvenance: string;
  /** The log inclusion check's result (also the `log-inclusion` check): verified, failed or absent. */
  logInclusion: LogInclusion;
  /** Integrity, status and issuer identity as three separate results (document-results.ts). */
  results: DocumentResult[];
}

const LOG_CHECK = 'log-inclusion';

export const MAX_DOCUMENT_BYTES = 1024 * 1024;

const LABEL: Record<string, string> = {
  file: 'ファイル',
  attachments: '添付ファイル',
  format: 'JWS形式',
  header: '署名ヘッダー',
  key: '署名鍵',
  signature: '署名',
  payload: '署名された内容',
  issuer: '発行元',
  binding: 'PDF と署名データの対応',
  'embedded-key': '添付の公開鍵',
  'log-inclusion': '透明性ログへの記録',
  pades: 'PDFの電子署名（PAdES）',
};
const SIGNED_STEPS = ['format', 'header', 'key', 'signature', 'payload'] as const;

const JWS_TEXT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;
const decoder = new TextDecoder('utf-8', { fatal: false });

interface Signed {
  prefix: 'receipt' | 'version' | null;
  jws: string;
}

/**
 * Checks a document. `inspect` reads a PDF's attachments and keywords (in a worker thread on the server).
 * Every check is reported; those after a failure that depend on it are `skipped`.
 */
export async function checkDocument(
  bytes: Uint8Array,
  trusted: TrustedKeys,
  inspect: (bytes: Uint8Array) => Promise<PdfContents>,
  online: OnlineSources & { resolverConfigured?: boolean } = { fetchStatusList: null, resolveTxt: null },
): Promise<DocumentReport> {
  const checks: Check[] = [];
  const report: DocumentReport = {
    ok: false,
    fileType: 'unknown',
    kind: 'unknown',
    checks,
    version: null,
    receipt: null,
    keySource: trusted.source,
    keyProvenance: trusted.provenance ?? trusted.source,
    logInclusion: { status: 'absent' },
    results: [],
  };
  const add = (id: string, status: CheckStatus, reason: string, prefix: Signed['prefix'] = null) => {
    const base = LABEL[id] ?? id;
    const label = prefix === 'receipt' ? `確認証跡の${base}` : prefix === 'version' ? `確認した版の${base}` : base;
    checks.push({ id: prefix ? `${prefix}.${id}` : id, label, status, reason });
  };
  const skip = (ids: string[], prefix: Signed['prefix'] = null) => {
    for (const id of ids) add(id, 'skipped', '前の確認に失敗したため、確認していません', prefix);
  };
  let statusFile: Uint8Array | null = null;
  let kids: string[] = [];
  const finish = async () => {
    // A document without log evidence (older, or made before a checkpoint covered the version) is not a failure.
    const fine = (c: (typeof checks)[number]) =>
      c.status === 'passed' || (c.id === LOG_CHECK && c.status === 'skipped');
    report.ok = checks.length > 0 && checks.every(fine);
    const failed = checks.find((c) => !fine(c));
    const issuer = report.ok ? (report.version?.iss ?? report.receipt?.iss ?? null) : null;
    report.results = [
      integrityResult(
        report.ok,
        report.ok
          ? `署名データ（JWS）の署名は有効で、内容は改ざんされていません（${checks.filter((c) => c.status === 'passed').length} の確認に合格）`
          : `${failed?.label ?? '確認'}: ${failed?.reason ?? ''}`,
      ),
      report.ok
        ? await statusResult(statusFile, trusted.lookup, originOf(issuer ?? ''), online.fetchStatusList)
        : notChecked('status', '署名を確認できなかったため、状態は確認していません'),
      await identityResult(issuer, report.ok ? kids : [], online.resolveTxt, online.resolverConfigured === true),
    ];
    return report;
  };

  // 1. What the file is.
  const isPdf = bytes.length >= 5 && decoder.decode(bytes.subarray(0, 5)) === '%PDF-';
  const text = isPdf ? '' : decoder.decode(bytes.subarray(0, 64 * 1024)).trim();
  if (bytes.length > MAX_DOCUMENT_BYTES) {
    add('file', 'failed', `ファイルが大きすぎます（${bytes.length.toLocaleString('en-US')} バイト、上限 1 MB）`);
    return finish();
  }
  if (isPdf) {
    report.fileType = 'pdf';
    add('file', 'passed', `PDF ファイル（${bytes.length.toLocaleString('en-US')} バイト）`);
  } else if (JWS_TEXT.test(text)) {
    report.fileType = 'jws';
    add('file', 'passed', `署名データ（JWS、${text.length.toLocaleString('en-US')} 文字）`);
  } else {
    add('file', 'failed', 'PDF ファイルでも署名データ（JWS）でもありません');
    return finish();
  }

  // 2. The signed data it carries.
  let signed: Signed[];
  let contents: PdfContents | null = null;
  let jwksFile: Uint8Array | null = null;
  if (report.fileType === 'pdf') {
    try {
      contents = await inspect(bytes);
    } catch (error) {
      if (!(error instanceof UnreadablePdf)) throw error;
      add('attachments', 'failed', error.message);
      return finish();
    }
    const versionJws = file(contents, ATTACHMENT.version);
    const receiptJws = file(contents, ATTACHMENT.receipt);
    jwksFile = file(contents, ATTACHMENT.jwk);
    statusFile = file(contents, ATTACHMENT.status);
    if (!versionJws) {
      add(
        'attachments',
        'failed',
        `署名データ（${ATTACHMENT.version}）が添付されていません。このプラットフォームが出力した PDF ではないか、添付ファイルが削除されています`,
      );
      return finish();
    }
    report.kind = receiptJws ? 'receipt' : 'certificate';
    add('attachments', 'passed', contents.attachments.map((a) => a.name).join('、'));
    signed = [
      ...(receiptJws ? [{ prefix: 'receipt' as const, jws: decoder.decode(receiptJws).trim() }] : []),
      { prefix: receiptJws ? ('version' as const) : null, jws: decoder.decode(versionJws).trim() },
    ];
  } else {
    report.kind = typOf(text) === RECEIPT_TYP ? 'receipt' : 'version';
    signed = [{ prefix: null, jws: text }];
  }

  // 3. Each signature: format, header, key, signature, payload — the named checks of verifySignedJws.
  let allSigned = true;
  kids = signed.map((s) => kidOf(s.jws)).filter((k): k is string => k !== null);
  for (const item of signed) {
    const isReceipt = item.prefix === 'receipt' || (item.prefix === null && report.kind === 'receipt');
    const typ = isReceipt ? RECEIPT_TYP : VERSION_TYP;
    try {
      const { kid, payload } = isReceipt
        ? await verifySignedJws(trusted.lookup, item.jws, typ, receiptPayloadSchema)
        : await verifySignedJws(trusted.lookup, item.jws, typ, versionPayloadSchema);
      add('format', 'passed', 'JWS（compact serialization）', item.prefix);
      add('header', 'passed', `alg ES256・typ ${typ}`, item.prefix);
      add('key', 'passed', `kid ${kid} は信頼する公開鍵一覧（${trusted.source}）にあります`, item.prefix);
      add('signature', 'passed', '署名は有効です。署名された後、内容は変更されていません', item.prefix);
      if (isReceipt) {
        const r = payload as VerificationReceiptPayload;
        report.receipt = r;
        add('payload', 'passed', `確認証跡 ${r.rid}（保証契約番号 ${r.sub}、版番号 ${r.seq}）`, item.prefix);
      } else {
        const v = payload as VersionPayload;
        if (v.sub !== v.certificate.contractNumber) {
          add('payload', 'failed', '署名された保証契約番号（sub）と証書の保証契約番号が一致しません', item.prefix);
          allSigned = false;
          continue;
        }
        report.version = v;
        add('payload', 'passed', `保証契約番号 ${v.sub}・版番号 ${v.seq} の電子保証データです`, item.prefix);
      }
    } catch (error) {
      if (!(error instanceof VerificationFailure)) throw error;
      const failedAt = SIGNED_STEPS.indexOf(error.check as (typeof SIGNED_STEPS)[number]);
      const at = failedAt < 0 ? SIGNED_STEPS.length - 1 : failedAt;
      const passedBefore: Record<string, string> = {
        format: 'JWS（compact serialization）',
        header: `alg ES256・typ ${typ}`,
      };
      for (const step of SIGNED_STEPS.slice(0, at))
        add(step, 'passed', passedBefore[step] ?? '確認しました', item.prefix);
      add(SIGNED_STEPS[at]!, 'failed', error.message, item.prefix);
      skip(SIGNED_STEPS.slice(at + 1), item.prefix);
      allSigned = false;
    }
  }

  // 4. Who signed: the payload's issuer is the platform the trusted keys belong to.
  const payloads = [report.receipt, report.version].filter((p) => p !== null);
  if (!allSigned) skip(['issuer']);
  else if (trusted.issuer === null) {
    add(
      'issuer',
      'passed',
      `発行元 ${[...new Set(payloads.map((p) => p.iss))].join('、')}（公開鍵一覧のファイルを信頼して確認）`,
    );
  } else {
    const origin = new URL(trusted.issuer).origin;
    const foreign = payloads.find((p) => originOf(p.iss) !== origin);
    if (foreign) add('issuer', 'failed', `発行元（iss: ${foreign.iss}）が公開鍵の提供元（${origin}）と異なります`);
    else add('issuer', 'passed', `発行元 ${origin}`);
  }

  // 5. PDF only: an as-issued PDF's own e-seal (PAdES) covers every byte of it, the printed page included.
  if (report.fileType === 'pdf') {
    const pades = await readPades(bytes);
    if (pades) add('pades', pades.ok ? 'passed' : 'failed', pades.reason);
  }

  // 6. PDF only: the document is bound to exactly these attachments, and the embedded key is the trusted one.
  if (report.fileType === 'pdf' && contents) {
    if (!allSigned) skip(['binding', 'embedded-key']);
    else {
      const problem = bindingProblem(contents.keywords, signed, report);
      add(
        'binding',
        problem ? 'failed' : 'passed',
        problem ?? 'PDF に記録された保証契約番号・版番号・署名データの SHA-256 が添付の署名データと一致します',
      );
      const keyProblem = await embeddedKeyProblem(jwksFile, signed, trusted);
      add('embedded-key', keyProblem ? 'failed' : 'passed', keyProblem ?? '添付の公開鍵は信頼する公開鍵と同じです');
    }
  }

  // 6. Log inclusion, a check of its own: the attached proof puts the attached version's digest in a signed
  // checkpoint of the platform's transparency log.
  const versionJws = signed.find((s) => s.prefix !== 'receipt')?.jws ?? '';
  const inclusion = checkLogEvidence(
    contents ? file(contents, ATTACHMENT.log) : null,
    versionJws,
    trusted.logKey ?? null,
  );
  report.logInclusion = inclusion;
  if (inclusion.status === 'verified') {
    add(
      LOG_CHECK,
      'passed',
      `ログの索引 ${inclusion.index}（ツリーサイズ ${inclusion.size} の署名付きチェックポイント）に記録されています` +
        (inclusion.keyConfirmed ? '' : '（ログの公開鍵は添付のものを使用。公開されている鍵との照合は --log-key で）'),
    );
  } else if (inclusion.status === 'failed') add(LOG_CHECK, 'failed', inclusion.reason);
  else {
    add(
      LOG_CHECK,
      'skipped',
      report.fileType === 'pdf'
        ? `ログの証明（${ATTACHMENT.log}）は添付されていません（チェックポイント前に出力された書面など）`
        : '署名データのみのファイルにはログの証明が含まれません',
    );
  }
  return finish();
}

function file(contents: PdfContents, name: string): Uint8Array | null {
  return contents.attachments.find((a) => a.name === name)?.bytes ?? null;
}

function kidOf(jws: string): string | null {
  try {
    const kid = (JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown })
      .kid;
    return typeof kid === 'string' ? kid : null;
  } catch {
    return null;
  }
}

function typOf(jws: string): unknown {
  try {
    return (JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString('utf8')) as { typ?: unknown }).typ;
  } catch {
    return undefined;
  }
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Null when the PDF's keywords name exactly the attached JWS; otherwise what does not match. */
function bindingProblem(keywords: string[], signed: Signed[], report: DocumentReport): string | null {
  const value = (prefix: string) => keywords.find((k) => k.startsWith(prefix))?.slice(prefix.length) ?? null;
  const version = report.version;
  const versionJws = signed.find((s) => s.prefix !== 'receipt')?.jws;
  if (!version || !versionJws) return '確認した版の署名データがありません';
  const recorded = value(KEYWORD_PREFIX.versionHash);
  if (!recorded) return 'PDF に版の識別情報（署名データの SHA-256）が記録されていません';
  const swapped = '（添付ファイルが差し替えられている可能性があります）';
  if (recorded !== jwsHash(versionJws)) {
    return `PDF に記録された署名データの SHA-256（${recorded}）が添付の署名データ（${jwsHash(versionJws)}）と一致しません${swapped}`;
  }
  if (value(KEYWORD_PREFIX.contract) !== version.sub || value(KEYWORD_PREFIX.seq) !== String(version.seq)) {
    return `PDF に記録された保証契約番号・版番号が添付の署名データ（${version.sub}、版番号 ${version.seq}）と一致しません${swapped}`;
  }
  const receipt = report.receipt;
  if (receipt) {
    const receiptJws = signed.find((s) => s.prefix === 'receipt')?.jws ?? '';
    if (value(KEYWORD_PREFIX.receiptHash) !== jwsHash(receiptJws)) {
      return `PDF に記録された確認証跡の SHA-256 が添付の確認証跡と一致しません${swapped}`;
    }
    if (receipt.version !== jwsHash(versionJws) || receipt.sub !== version.sub || receipt.seq !== version.seq) {
      return `確認証跡が示す版（版番号 ${receipt.seq}）と添付の版の署名データが一致しません${swapped}`;
    }
  }
  return null;
}

/** Null when jwks.json holds, for every kid used, a key equal to the trusted one (and to the kid's thumbprint). */
async function embeddedKeyProblem(file: Uint8Array | null, signed: Signed[], trusted: TrustedKeys) {
  if (!file) return `公開鍵（${ATTACHMENT.jwk}）が添付されていません`;
  let keys: JWK[];
  try {
    keys = jwksSchema.parse(JSON.parse(decoder.decode(file))).keys as JWK[];
  } catch {
    return `添付の ${ATTACHMENT.jwk} が公開鍵一覧（JWKS）の形式ではありません`;
  }
  for (const item of signed) {
    const kid = (JSON.parse(Buffer.from(item.jws.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string }).kid;
    const embedded = keys.find((k) => k.kid === kid);
    const known = trusted.keys.get(kid);
    if (!embedded) return `添付の公開鍵に kid ${kid} の鍵がありません`;
    if ((await calculateJwkThumbprint(embedded, 'sha256')) !== kid) {
      return `添付の公開鍵が kid ${kid} と一致しません（公開鍵が差し替えられています）`;
    }
    if (!known || known.x !== embedded.x || known.y !== embedded.y) {
      return `添付の公開鍵（kid ${kid}）が信頼する公開鍵と異なります`;
    }
  }
  return null;
}

/**
 * The /verify-file page: the uploaded bytes against this platform's keys; nothing is stored. Anyone may upload, so
 * each file counts against a per-client allowance and is read in the upload worker (pool.ts), never the one that
 * draws certificate PDFs; a file that outruns that worker's time box or heap is reported as unreadable.
 * @throws DomainError throttled (the client's allowance is used up, or the upload worker is saturated)
 */
export async function verifyUploadedDocument(
  ctx: ServiceContext,
  bytes: Uint8Array,
  client: { key: string; exempt: boolean },
): Promise<DocumentReport> {
  const t = ctx.config.throttle;
  if (!client.exempt) {
    const budget = { limit: t.uploadLimit, windowMs: t.uploadWindowMs };
    const allowance = await writeTransaction(
      ctx.db,
      (tx) => consumeBudgets(tx, ctx.clock().getTime(), [{ name: 'upload', bucket: `f:${client.key}`, budget }]),
      { durable: false },
    );
    if (!allowance.ok) {
      throw new DomainError(
        'throttled',
        `ファイルの確認が続いたため、しばらく受け付けを止めています。${allowance.retryAfter}秒ほど待ってから、もう一度お試しください`,
        { retryAfter: allowance.retryAfter },
      );
    }
  }
  const online = {
    fetchStatusList: platformStatusFetcher(ctx),
    resolveTxt: txtResolver(ctx.config.dnsResolver),
    resolverConfigured: ctx.config.dnsResolver !== undefined,
  };
  return checkDocument(
    bytes,
    await platformKeys(ctx),
    async (b) => {
      try {
        return await runPdf({ kind: 'inspect', bytes: b }, uploadRunner());
      } catch (error) {
        if (error instanceof PdfJobAborted) {
          throw new UnreadablePdf('この PDF は読み取りに時間やメモリがかかりすぎるため、確認を打ち切りました', {
            cause: error,
          });
        }
        throw error;
      }
    },
    online,
  );
}
