// Cross-field rules reported together with field errors (so a form shows every problem at once).
import { crossFieldRules } from '../../domain/certificate.js';
import type { FieldIssue } from '../../errors.js';

/**
 * zod runs the cross-field rules (保証金額 ≤ 請負代金額, …) only once every field parses; a form with one empty
 * field would hide them until the next submit. Run them on the raw body too, when its shape allows.
 */
export function withCrossFieldIssues(issues: FieldIssue[], body: unknown): FieldIssue[] {
  const b = body as Record<string, unknown>;
  const periodOk = (p: unknown) => p !== null && typeof p === 'object';
  const works = b.works as Record<string, unknown> | undefined;
  if (typeof b.contractAmount !== 'number' || typeof b.guaranteeAmount !== 'number' || !works) return issues;
  if (!periodOk(works.period) || !periodOk(b.guaranteePeriod)) return issues;
  const extra: FieldIssue[] = [];
  crossFieldRules(
    b as Parameters<typeof crossFieldRules>[0],
    {
      addIssue: (i: { path?: PropertyKey[]; message?: string }) =>
        extra.push({ path: (i.path ?? []).map(String).join('.'), message: i.message ?? '' }),
    } as unknown as Parameters<typeof crossFieldRules>[1],
  );
  const seen = new Set(issues.map((i) => `${i.path}|${i.message}`));
  return [...issues, ...extra.filter((i) => !seen.has(`${i.path}|${i.message}`))];
}
