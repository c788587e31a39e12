// The clerk's acknowledgement of plausibility warnings (issue 16 item 6): where an application keeps it, the form
// field of its reason, and the rule that a warned application needs a reason. Pure, so that pages and routes read it
// without reaching a service that reaches the database.
import type { Finding } from './plausibility.js';

/** Where an application keeps the clerk's acknowledgement (never published or signed). */
export const ACKNOWLEDGEMENT = 'plausibilityAcknowledgement';

/** The form field of the acknowledgement's reason. */
export const ACKNOWLEDGEMENT_REASON = 'plausibilityReason';

/** Longest reason kept: what an approver reads at a glance. */
export const MAX_ACKNOWLEDGEMENT_REASON = 200;

/** A warning as the clerk saw it; in a combined application, `product` names the guarantee it belongs to. */
export type AcknowledgedWarning = Finding & { product?: string | undefined };

/** The clerk's acknowledgement: the warnings as the clerk saw them and the reason to apply all the same. */
export interface Acknowledgement {
  warnings: AcknowledgedWarning[];
  reason: string;
}

/** A stored application body split into what it publishes and the clerk's acknowledgement, if any. */
export function splitAcknowledgement(body: Record<string, unknown>): {
  publication: Record<string, unknown>;
  acknowledgement: Acknowledgement | null;
} {
  const { [ACKNOWLEDGEMENT]: acknowledgement, ...publication } = body;
  return { publication, acknowledgement: (acknowledgement as Acknowledgement | undefined) ?? null };
}

/** The reason as kept (NFKC, trimmed). */
export const acknowledgementReason = (reason: string): string => reason.normalize('NFKC').trim();

/** What is wrong with the reason given for these warnings, or null when it will do (no warnings need none). */
export function reasonProblem(warnings: readonly Finding[], reason: string): string | null {
  if (warnings.length === 0) return null;
  const text = acknowledgementReason(reason);
  if (text === '') return '確認が必要な点があります。内容を確かめ、このまま申し込む理由を入力してください';
  if (text.length > MAX_ACKNOWLEDGEMENT_REASON) return `理由は${MAX_ACKNOWLEDGEMENT_REASON}文字以内で入力してください`;
  return null;
}

/** The body to store: the publication with the acknowledgement when there are warnings, without any otherwise. */
export function withAcknowledgement(
  body: Record<string, unknown>,
  warnings: readonly AcknowledgedWarning[],
  reason: string,
): Record<string, unknown> {
  const { publication } = splitAcknowledgement(body);
  return warnings.length > 0
    ? { ...publication, [ACKNOWLEDGEMENT]: { warnings: [...warnings], reason: acknowledgementReason(reason) } }
    : publication;
}
