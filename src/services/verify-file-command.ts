// `npm run cli -- verify <file.pdf|file.jws> [--jwks <file|url>] [--log-key <key|file>] [--offline] [--allow-http-loopback]`:
// printed step by step, then as three results — integrity, status (the public status list, fetched unless
// --offline) and issuer identity (DNS TXT, looked up unless --offline). Needs no database and no secrets: only the
// file and the public keys (a saved jwks.json, an https JWKS URL, or by default the configured platform's when its
// public URL is https). Exit 0 only when no result failed (one not checked because offline does not fail).
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config.js';
import { rowsFor } from '../domain/field-rows.js';
import { formatInstant } from '../domain/format.js';
import { inspectPdf } from '../pdf/inspect.js';
import { fieldFormatters } from '../i18n/format.js';
import { ja } from '../i18n/ja.js';
import { httpStatusFetcher, txtResolver } from './online-sources.js';
import { UntrustedKeySource, loadTrustedKeys, type KeySourceOptions } from './trusted-keys.js';
import { MAX_DOCUMENT_BYTES, checkDocument, type DocumentReport } from './verify-document.js';

const MARK = { passed: '✓', failed: '✗', skipped: '-', not_checked: '-' } as const;
const OUTCOME = { passed: '合格', failed: '不合格', not_checked: '未確認' } as const;
const EVENT = {
  issue: '新規',
  change: '変更',
  correction: '訂正',
  change_cancellation: '変更取消',
  cancellation: '取消',
};

export async function verifyFileCommand(
  file: string | undefined,
  jwks: string | undefined,
  options: KeySourceOptions & { logKey?: string; offline?: boolean } = {},
): Promise<number> {
  if (!file) {
    console.error(
      'usage: npm run cli -- verify <file.pdf|file.jws> [--jwks <file|https-url>] [--log-key <key|file>] [--offline] [--allow-http-loopback]',
    );
    return 2;
  }
  let bytes: Uint8Array;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_DOCUMENT_BYTES * 4) throw new Error(`${size} bytes is far larger than any document of the platform`);
    bytes = new Uint8Array(fs.readFileSync(file));
  } catch (error) {
    console.error(`cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }
  let trusted;
  const config = loadConfig();
  try {
    trusted = await loadTrustedKeys(jwks, jwks ? '' : config.publicUrl, options);
  } catch (error) {
    console.error(`検証できません: ${(error as Error).message}`);
    return error instanceof UntrustedKeySource ? 2 : 1;
  }
  if (options.logKey !== undefined) {
    // The log's published key (GET /log/key), given as the key itself or a file holding it.
    const given = fs.existsSync(options.logKey) ? fs.readFileSync(options.logKey, 'utf8') : options.logKey;
    trusted = { ...trusted, logKey: given.trim() };
  }
  const online = options.offline
    ? { fetchStatusList: null, resolveTxt: null }
    : {
        fetchStatusList: httpStatusFetcher(options),
        resolveTxt: txtResolver(config.dnsResolver),
        resolverConfigured: config.dnsResolver !== undefined,
      };
  const report = await checkDocument(bytes, trusted, inspectPdf, online);
  console.log(formatReport(report, path.basename(file)));
  return report.ok && report.results.every((r) => r.outcome !== 'failed') ? 0 : 1;
}

/** The report as an officer or auditor reads it: one line per named check, then what was signed. */
export function formatReport(report: DocumentReport, name: string): string {
  const lines = [`電子保証ファイルの検証: ${name}`, `信頼する公開鍵: ${report.keyProvenance}`, ''];
  const width = Math.max(...report.checks.map((c) => displayWidth(c.label)));
  for (const c of report.checks) {
    lines.push(`  ${MARK[c.status]} ${c.label}${' '.repeat(width - displayWidth(c.label))}  ${c.reason}  [${c.id}]`);
  }
  lines.push('', '三つの結果:');
  const resultWidth = Math.max(...report.results.map((r) => displayWidth(r.label)));
  for (const r of report.results) {
    const pad = ' '.repeat(resultWidth - displayWidth(r.label));
    const value = r.value ? ` ${r.value}` : '';
    lines.push(`  ${MARK[r.outcome]} ${r.label}${pad}  ${OUTCOME[r.outcome]}${value}: ${r.reason}  [${r.id}]`);
  }
  const passed = report.checks.filter((c) => c.status === 'passed').length;
  // Log evidence that is simply absent (an older document) is reported on its line, not counted as a check.
  const total = report.checks.filter((c) => !(c.id === 'log-inclusion' && c.status === 'skipped')).length;
  lines.push(
    '',
    report.ok
      ? `結果: 検証に成功しました（${passed}/${total} の確認に合格）`
      : `結果: 検証に失敗しました（${passed}/${total} の確認に合格）。このファイルの内容を信頼しないでください`,
  );
  if (report.ok && report.fileType === 'pdf') {
    lines.push('注意: 署名が保証するのは PDF に添付された署名データ（下記）の内容で、PDF の印刷面ではありません');
  }
  const v = report.version;
  if (report.ok && v) {
    const c = v.certificate;
    lines.push(
      '',
      '署名された内容（印刷された書面と照らし合わせてください）:',
      // The signed content as the receipt PDF lists it; the number says which version it is.
      ...rowsFor('receipt', c, fieldFormatters('ja')).map(
        (r) =>
          `  ${ja[r.label]}: ${String(r.value)}${r.field.path === 'contractNumber' ? `（版番号 ${v.seq}、${EVENT[v.event]}）` : ''}`,
      ),
      `  ${ja['field.issuedAt']}: ${formatInstant(v.issuedAt)}`,
      `  ${ja['field.issuer']}: ${c.issuer.name}`,
      v.status === 'cancelled' ? '  この版の時点で、保証は取り消されています。' : '',
      '  保証の最新の状態は、保証契約番号と認証キーにより電子保証プラットフォームで確認してください。',
    );
  }
  const r = report.receipt;
  if (report.ok && r) {
    const officer = r.officer ? [r.officer.department, r.officer.name].filter(Boolean).join(' ') : '記載なし';
    lines.push(
      '',
      '確認証跡の内容:',
      `  確認証跡番号: ${r.rid}`,
      `  確認日時: ${formatInstant(r.issuedAt)}`,
      `  確認した版: 保証契約番号 ${r.sub}、版番号 ${r.seq}（署名データの SHA-256 ${r.version}）`,
      `  確認者（申告）: ${officer}`,
    );
  }
  return lines.filter((l, i, all) => l !== '' || all[i - 1] !== '').join('\n');
}

function displayWidth(s: string): number {
  let n = 0;
  for (const ch of s) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]/.test(ch) ? 2 : 1;
  return n;
}
