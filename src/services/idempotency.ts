// Idempotency-Key answers (per API token): the request hash both publication routes compare, and their one conflict.
import { createHash } from 'node:crypto';
import { jsonShape } from '../domain/certificate.js';
import { DomainError } from '../errors.js';

/** Canonical JSON (sorted keys) so that the same body hashes the same however its keys were ordered. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Deeper than any request body we define (a certificate nests three levels); canonical() recurses. */
const MAX_DEPTH = 32;

/**
 * The hash a replay must match. @throws DomainError validation_failed for a body nested beyond any real request. A
 * publication hashes its body alone (as stored since the first release); any other
 * route names itself first, so one key sent to two routes (or two guarantees) is "another request", never a replay.
 */
export function requestHash(body: unknown, route?: string): string {
  if (jsonShape(body, { depth: MAX_DEPTH, members: Infinity }).depth > MAX_DEPTH) {
    throw new DomainError('validation_failed', `リクエストの入れ子が深すぎます（${MAX_DEPTH}段まで）`);
  }
  const text = route === undefined ? canonical(body) : `${route}\n${canonical(body)}`;
  return createHash('sha256').update(text).digest('hex');
}

export function reusedKeyConflict(): DomainError {
  return new DomainError('conflict', 'この Idempotency-Key は別の内容のリクエストで使用済みです');
}
