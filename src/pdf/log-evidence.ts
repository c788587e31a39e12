// The transparency-log evidence on a certificate or receipt PDF (issue 18 item 1): one printed line (index and tree
// size, or that no checkpoint covers the version yet) and the `transparency-log.json` attachment the offline verifier
// checks. No proof is attached before a checkpoint covers the version: never a wrong one.
import { translator } from '../i18n/index.js';
import type { LogEvidenceFile } from '../log/evidence.js';
import { ATTACHMENT } from './model.js';
import type { InfoLine } from './parts.js';
import type { Attachment } from './sheet.js';

const t = translator('ja');

/** The printed lines: none when the evidence was not looked up (undefined). */
export function logLines(log: LogEvidenceFile | null | undefined, options: { root?: boolean } = {}): InfoLine[] {
  if (log === undefined) return [];
  if (log === null) return [{ label: t('log.label'), value: t('log.pending') }];
  const lines: InfoLine[] = [{ label: t('log.label'), value: t('log.entry', { index: log.index, size: log.size }) }];
  if (options.root) {
    // The checkpoint's root hash: the third line of its body.
    lines.push({ label: t('log.root'), value: log.checkpoint.split('\n')[2] ?? '', technical: true });
  }
  return lines;
}

export function logStatements(log: LogEvidenceFile | null | undefined): string[] {
  return log ? [t('log.attachment')] : [];
}

export function logAttachments(log: LogEvidenceFile | null | undefined): Attachment[] {
  if (!log) return [];
  return [
    {
      name: ATTACHMENT.log,
      bytes: new TextEncoder().encode(JSON.stringify(log, null, 2)),
      mimeType: 'application/json',
      description: `透明性ログへの記録の証明（索引 ${log.index}、ツリーサイズ ${log.size}）`,
    },
  ];
}
