// Turns zod results into the 422 validation_failed error with field-level issues.
import type { z } from 'zod';
import { DomainError, type FieldIssue } from '../errors.js';

export function fieldIssues(error: z.ZodError, prefix: (string | number)[] = []): FieldIssue[] {
  return error.issues.map((i) => ({
    path: [...prefix, ...i.path].map(String).join('.') || '(body)',
    message: i.message,
  }));
}

/** Parses or throws DomainError('validation_failed') listing every bad field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix: (string | number)[] = [],
): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new DomainError('validation_failed', '入力内容に誤りがあります', {
      issues: fieldIssues(result.error, prefix),
    });
  }
  return result.data;
}
