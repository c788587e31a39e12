// One flat column set for a new surety, shared by the draft form and the CSV import (docs/import-example.csv):
// flat text fields in, a publication request body out, and every field issue mapped back to its column.
import type { FieldIssue } from '../../errors.js';

export const COLUMNS = [
  'product',
  'obligeeId',
  'contractNumber',
  'contractorName',
  'contractorAddress',
  'contractorRepresentative',
  'contractorEmail',
  'jvName',
  'jvMembers',
  'worksName',
  'worksNumber',
  'worksLocation',
  'contractDate',
  'tenderDate',
  'bidDate',
  'worksFrom',
  'worksTo',
  'contractAmount',
  'guaranteeAmount',
  'advanceAmount',
  'depositBank',
  'relatedContractNumber',
  'guaranteeFrom',
  'guaranteeTo',
  'guaranteeDate',
] as const;
export type Column = (typeof COLUMNS)[number];
export type FlatFields = Partial<Record<Column, string>>;

/** Where each column lands in the request body (dotted path). */
const PATHS: Record<Column, string> = {
  product: 'product',
  obligeeId: 'obligeeId',
  contractNumber: 'contractNumber',
  contractorName: 'contractor.name',
  contractorAddress: 'contractor.address',
  contractorRepresentative: 'contractor.representative',
  contractorEmail: 'contractorEmail',
  jvName: 'jointVenture.name',
  jvMembers: 'jointVenture.members',
  worksName: 'works.name',
  worksNumber: 'works.number',
  worksLocation: 'works.location',
  contractDate: 'works.contractDate',
  tenderDate: 'works.tenderDate',
  bidDate: 'works.bidDate',
  worksFrom: 'works.period.from',
  worksTo: 'works.period.to',
  contractAmount: 'contractAmount',
  guaranteeAmount: 'guaranteeAmount',
  advanceAmount: 'advanceAmount',
  depositBank: 'depositBank',
  relatedContractNumber: 'relatedContractNumber',
  guaranteeFrom: 'guaranteePeriod.from',
  guaranteeTo: 'guaranteePeriod.to',
  guaranteeDate: 'guaranteeDate',
};

const AMOUNTS = new Set<Column>(['contractAmount', 'guaranteeAmount', 'advanceAmount']);
const ADVANCE = new Set(['advance_payment', 'intermediate_advance_payment']);

/** Japanese column labels for error reports (as on the seed's 申込 screens and the certificate). */
export const COLUMN_LABEL: Record<Column, string> = {
  product: '保証の種類',
  obligeeId: '発注者',
  contractNumber: '保証契約番号',
  contractorName: '請負者',
  contractorAddress: '請負者住所',
  contractorRepresentative: '請負者代表者',
  contractorEmail: '請負者メールアドレス',
  jvName: '共同企業体名（JV名）',
  jvMembers: '構成員',
  worksName: '工事名',
  worksNumber: '工事番号',
  worksLocation: '工事場所',
  contractDate: '請負契約締結日',
  tenderDate: '入札公告日',
  bidDate: '入札日',
  worksFrom: '工期（開始）',
  worksTo: '工期（終了）',
  contractAmount: '請負代金額（税込）',
  guaranteeAmount: '保証金額',
  advanceAmount: '前払金額',
  depositBank: '預託金融機関',
  relatedContractNumber: '前払金保証の保証契約番号',
  guaranteeFrom: '保証期間（開始）',
  guaranteeTo: '保証期間（終了）',
  guaranteeDate: '保証契約締結日',
};

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

/**
 * Amounts accept `50,000,000`, `50000000円` and full-width digits; anything else is passed through as text so the
 * schema reports it (never silently dropped). Members of a JV are separated by `|` or `、`.
 */
export function toPublishBody(fields: FlatFields): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const column of COLUMNS) {
    const raw = fields[column]?.normalize('NFKC').trim();
    if (raw === undefined || raw === '') continue;
    let value: unknown = raw;
    if (AMOUNTS.has(column)) {
      const digits = raw.replace(/[,\s円]/g, '');
      value = /^\d+$/.test(digits) ? Number(digits) : raw;
    } else if (column === 'jvMembers') {
      value = raw
        .split(/[|、]/)
        .map((m) => m.trim())
        .filter(Boolean);
    }
    setPath(body, PATHS[column], value);
  }
  // 前払金保証: the advance equals the guarantee (DESIGN §3); the forms ask for it once, as 前払金保証金額.
  if (ADVANCE.has(String(body.product)) && body.advanceAmount === undefined && body.guaranteeAmount !== undefined) {
    body.advanceAmount = body.guaranteeAmount;
  }
  return body;
}

/** The column a body path belongs to (the longest matching prefix), for row and field error messages. */
export function columnOf(path: string): Column | null {
  let best: Column | null = null;
  let bestLength = -1;
  for (const column of COLUMNS) {
    const p = PATHS[column];
    if ((path === p || path.startsWith(`${p}.`)) && p.length > bestLength) {
      best = column;
      bestLength = p.length;
    }
  }
  if (best) return best;
  if (path.startsWith('jointVenture')) return 'jvName';
  if (path.startsWith('works.period')) return 'worksTo';
  if (path.startsWith('guaranteePeriod')) return 'guaranteeTo';
  if (path.startsWith('contractor')) return 'contractorName';
  if (path.startsWith('works')) return 'worksName';
  return null;
}

/** Field issues keyed by column; issues that name no column go under `_`. */
export function issuesByColumn(issues: readonly FieldIssue[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of issues) {
    const key = columnOf(issue.path) ?? '_';
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** The flat fields of a certificate (to prefill the change form). */
export function flatten(body: Record<string, unknown>): FlatFields {
  const out: FlatFields = {};
  for (const column of COLUMNS) {
    let node: unknown = body;
    for (const part of PATHS[column].split('.')) {
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
    }
    if (node === undefined || node === null) continue;
    out[column] = Array.isArray(node) ? node.join('|') : String(node);
  }
  return out;
}
