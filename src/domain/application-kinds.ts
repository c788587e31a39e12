// Which applications a clerk can correct after a 差戻し: every one typed in a form (新規, combined, and the 変更 / 訂正 /
// 変更取消 / 取消 of an existing guarantee) — not an import, which is re-read from its file.
import type { VersionEvent } from './history.js';

/** A 変更, 訂正, 変更取消 or 取消 of an existing guarantee. */
export type VersionKind = Exclude<VersionEvent, 'issue'>;
const VERSION_KINDS: readonly string[] = ['change', 'correction', 'change_cancellation', 'cancellation'];
export const isVersionKind = (kind: string): kind is VersionKind => VERSION_KINDS.includes(kind);

/** The applications a clerk can save half-done and correct. */
export type EditableKind = 'issue' | 'issue_set' | VersionKind;
export const isEditableKind = (kind: string): kind is EditableKind =>
  kind === 'issue' || kind === 'issue_set' || isVersionKind(kind);
