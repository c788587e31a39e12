// What the bulk result table, its CSV and the session export show of one verified guarantee: one flat row of plain
// values (integer yen, ISO dates, Japanese labels), so the page and the files cannot disagree.
import { changeKind } from '../domain/history.js';
import type { Finding } from '../domain/findings.js';
import type { Translate } from '../i18n/index.js';
import type { SuretyState } from './surety-state.js';

export interface GuaranteeSummary {
  contractNumber: string;
  status: string;
  product: string;
  obligee: string;
  contractor: string;
  worksName: string;
  worksNumber: string;
  contractDate: string;
  worksFrom: string;
  worksTo: string;
  contractAmount: number;
  guaranteeAmount: number;
  advanceAmount: number | null;
  guaranteeFrom: string;
  guaranteeTo: string;
  /** The current version: its No. in the visible history, its kind and when it was issued. */
  lastNo: number;
  lastKind: string;
  lastAt: string;
}

export function summarise(state: SuretyState, t: Translate): GuaranteeSummary {
  const c = state.current.certificate;
  const index = state.visible.findIndex((v) => v.seq === state.current.seq);
  const kind = changeKind(state.current, state.visible[index - 1]);
  return {
    contractNumber: state.contractNumber,
    status: t(`cert.status.${state.status}`),
    product: t(`cert.title.${c.product}`),
    obligee: c.obligee.name,
    contractor: c.jointVenture?.name ?? c.contractor.name,
    worksName: c.works.name,
    worksNumber: c.works.number ?? '',
    contractDate: c.works.contractDate,
    worksFrom: c.works.period.from,
    worksTo: c.works.period.to,
    contractAmount: c.contractAmount,
    guaranteeAmount: c.guaranteeAmount,
    advanceAmount: c.advanceAmount ?? null,
    guaranteeFrom: c.guaranteePeriod.from,
    guaranteeTo: c.guaranteePeriod.to,
    lastNo: index + 1,
    lastKind: t(`kind.${kind}`),
    lastAt: state.current.issuedAt,
  };
}

/** Columns of the session export (財務会計・契約管理 import): one guarantee a row. */
export const EXPORT_HEADER = [
  '保証契約番号',
  '保証の種類',
  '状態',
  '発注者',
  '請負者',
  '工事名',
  '工事番号',
  '契約締結日',
  '工期開始日',
  '工期終了日',
  '請負代金額',
  '保証金額',
  '前払金額',
  '保証期間開始日',
  '保証期間終了日',
  '最終版No',
  '最終の変更',
  '最終の発行日時',
] as const;

export function exportCells(s: GuaranteeSummary): (string | number | null)[] {
  return [
    s.contractNumber,
    s.product,
    s.status,
    s.obligee,
    s.contractor,
    s.worksName,
    s.worksNumber,
    s.contractDate,
    s.worksFrom,
    s.worksTo,
    s.contractAmount,
    s.guaranteeAmount,
    s.advanceAmount,
    s.guaranteeFrom,
    s.guaranteeTo,
    s.lastNo,
    s.lastKind,
    s.lastAt,
  ];
}

/** The bulk result file: the file's line, what was verified, the outcome, then the guarantee and its findings. */
export const BULK_HEADER = ['行', '結果', '所見', ...EXPORT_HEADER] as const;

export function bulkCells(
  line: number,
  contractNumber: string,
  outcome: string,
  findings: readonly Finding[] | readonly string[],
  summary: GuaranteeSummary | undefined,
): (string | number | null)[] {
  const notes = findings.map((f) => (typeof f === 'string' ? f : f.message)).join(' ');
  return [line, outcome, notes, ...(summary ? exportCells(summary) : [contractNumber])];
}
