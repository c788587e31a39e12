// The three results a verifier reports for a document, as OpenAttestation does: integrity (the signatures hold),
// status (the public status list of DESIGN §13: current / superseded / cancelled / expired) and issuer identity (the
// signing key bound to the issuer's domain by a DNS TXT record, docs/issuer-identity-dns.md). Each is computed from
// its own input, so tampering with one input fails exactly that result.
import { z } from 'zod';
import { STATUS_NAMES, getEntry } from '../domain/status-list.js';
import { StatusListFailure, openStatusList } from '../signing/status-list.js';
import type { KeyLookup } from '../signing/versions.js';

export type ResultId = 'integrity' | 'status' | 'identity';
export type ResultOutcome = 'passed' | 'failed' | 'not_checked';

export interface DocumentResult {
  id: ResultId;
  label: string;
  outcome: ResultOutcome;
  reason: string;
  /** status only: what the list says (current, superseded, cancelled, expired). */
  value?: (typeof STATUS_NAMES)[number];
}

export const RESULT_LABEL: Record<ResultId, string> = {
  integrity: '改ざんの有無（署名）',
  status: '現在の状態（ステータスリスト）',
  identity: '発行元の確認（DNS）',
};

const STATUS_TEXT: Record<(typeof STATUS_NAMES)[number], string> = {
  current: 'この版は最新の版で、保証は有効です',
  superseded: 'この版より後の版が発行されています（最新の内容は保証契約番号と認証キーで確認してください）',
  cancelled: 'この保証は取り消されています',
  expired: 'この保証は保証期間が満了しています',
};

/** What the checks need from outside the file; null members (offline) leave that result not checked. */
export interface OnlineSources {
  /** The status list JWT at a URL; throws when it cannot be fetched. */
  fetchStatusList: ((url: string) => Promise<string>) | null;
  /** TXT records of a DNS name (node:dns resolveTxt's shape); throws with a `code` when there is none. */
  resolveTxt: ((name: string) => Promise<string[][]>) | null;
}

/** A BitstringStatusListEntry as the as-issued PDF carries it in status.json. */
export const statusEntrySchema = z.looseObject({
  type: z.literal('BitstringStatusListEntry'),
  statusPurpose: z.literal('message'),
  statusListIndex: z.string().regex(/^\d{1,9}$/),
  statusSize: z.literal(2),
  statusListCredential: z.url(),
});

export function notChecked(id: ResultId, reason: string): DocumentResult {
  return { id, label: RESULT_LABEL[id], outcome: 'not_checked', reason };
}

export function integrityResult(passed: boolean, reason: string): DocumentResult {
  return { id: 'integrity', label: RESULT_LABEL.integrity, outcome: passed ? 'passed' : 'failed', reason };
}

/**
 * Reads the 2-bit entry of the document's version from its status list, after checking the list's signature with
 * the same trusted keys as the document.
 */
export async function statusResult(
  entryFile: Uint8Array | null,
  lookup: KeyLookup,
  issuerOrigin: string | null,
  fetchStatusList: OnlineSources['fetchStatusList'],
): Promise<DocumentResult> {
  const result = (outcome: ResultOutcome, reason: string, value?: DocumentResult['value']): DocumentResult => ({
    id: 'status',
    label: RESULT_LABEL.status,
    outcome,
    reason,
    ...(value ? { value } : {}),
  });
  if (!entryFile) {
    return result('not_checked', 'この書類はステータスリストを示していません（発行時の署名付きPDFだけが示します）');
  }
  const parsed = statusEntrySchema.safeParse(safeJson(entryFile));
  if (!parsed.success) return result('failed', '添付の status.json が BitstringStatusListEntry ではありません');
  const entry = parsed.data;
  if (issuerOrigin !== null && new URL(entry.statusListCredential).origin !== issuerOrigin) {
    return result(
      'failed',
      `ステータスリストの URL（${entry.statusListCredential}）が発行元（${issuerOrigin}）のものではありません`,
    );
  }
  if (!fetchStatusList)
    return result('not_checked', 'オフラインで検証したため、状態は確認していません（status not checked）');
  let jwt: string;
  try {
    jwt = await fetchStatusList(entry.statusListCredential);
  } catch (error) {
    return result('not_checked', `ステータスリストを取得できませんでした（${(error as Error).message}）`);
  }
  try {
    const list = await openStatusList(lookup, jwt);
    if (list.id !== undefined && list.id !== entry.statusListCredential) {
      return result(
        'failed',
        `取得したステータスリスト（${list.id}）は書類が示すもの（${entry.statusListCredential}）ではありません`,
      );
    }
    const index = Number(entry.statusListIndex);
    if (index * 2 >= list.bits.length * 8) return result('failed', `索引 ${index} はステータスリストの範囲外です`);
    const value = STATUS_NAMES[getEntry(list.bits, index)]!;
    const where = `${entry.statusListCredential} の索引 ${index}、署名鍵 ${list.kid}`;
    return result(value === 'current' ? 'passed' : 'failed', `${STATUS_TEXT[value]}（${where}）`, value);
  } catch (error) {
    if (!(error instanceof StatusListFailure)) throw error;
    return result('failed', error.message);
  }
}

/** The DNS name whose TXT records bind signing keys to the issuer's domain. */
export const identityRecordName = (host: string) => `_esurety-key.${host}`;

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|::1)$/i;

/**
 * Looks for `v=esurety1 kid=<kid>` among the TXT records of _esurety-key.<issuer host>: the signing key of the
 * document is the one the domain's owner published.
 */
export async function identityResult(
  issuer: string | null,
  kids: readonly string[],
  resolveTxt: OnlineSources['resolveTxt'],
  resolverConfigured: boolean,
): Promise<DocumentResult> {
  const result = (outcome: ResultOutcome, reason: string): DocumentResult => ({
    id: 'identity',
    label: RESULT_LABEL.identity,
    outcome,
    reason,
  });
  if (issuer === null || kids.length === 0)
    return result('not_checked', '署名を確認できなかったため、発行元は確認していません');
  const host = new URL(issuer).hostname;
  if (!resolveTxt) return result('not_checked', 'オフラインで検証したため、発行元の DNS は確認していません');
  // A local test platform has no domain of its own, unless a resolver was named for exactly that.
  if ((LOOPBACK.test(host) || /^[\d.]+$/.test(host)) && !resolverConfigured) {
    return result('not_checked', `発行元 ${host} はドメイン名ではないため、DNS では確認できません`);
  }
  const name = identityRecordName(host);
  let records: string[][];
  try {
    records = await resolveTxt(name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOTFOUND' || code === 'ENODATA') {
      return result('failed', `${name} に TXT レコードがありません。署名鍵が ${host} の発行元のものか確認できません`);
    }
    return result('not_checked', `DNS を引けませんでした（${name}: ${code || (error as Error).message}）`);
  }
  const published = records
    .map((chunks) => parseRecord(chunks.join('')))
    .filter((r): r is { kid: string } => r !== null)
    .map((r) => r.kid);
  const missing = kids.filter((kid) => !published.includes(kid));
  if (missing.length > 0) {
    return result(
      'failed',
      `署名鍵 ${missing.join('、')} は ${name} の TXT レコードにありません（公開されている鍵: ${published.join('、') || 'なし'}）`,
    );
  }
  return result('passed', `署名鍵 ${kids.join('、')} は ${host} の DNS（${name} の TXT）に公開されています`);
}

/** `v=esurety1 kid=<base64url thumbprint>` (space-separated key=value; unknown keys ignored, for later versions). */
export function parseRecord(text: string): { kid: string } | null {
  const fields = new Map(
    text
      .trim()
      .split(/\s+/)
      .map((part) => {
        const at = part.indexOf('=');
        return at < 0 ? [part, ''] : [part.slice(0, at), part.slice(at + 1)];
      }),
  );
  const kid = fields.get('kid');
  if (fields.get('v') !== 'esurety1' || !kid || !/^[A-Za-z0-9_-]{43}$/.test(kid)) return null;
  return { kid };
}

function safeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}
