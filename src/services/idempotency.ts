// Idempotency-Key answers (per API token): the request hash both publication routes compare, and their one conflict.
import { createHash } from 'node:crypto';
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

/** How deeply a JSON value nests, measured without recursing (a body may nest 10,000 levels). */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [node, depth] = item;
    if (node === null || typeof node !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_DEPTH) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * The hash a replay must match. @throws DomainError validation_failed for a body nested beyond any real request. A
 * publication hashes its body alone (as stored since the first release); any other
 * route names itself first, so one key sent to two routes (or two guarantees) is "another request", never a replay.
 */
export function requestHash(body: unknown, route?: string): string {
  if (depthOf(body) > MAX_DEPTH) {
    throw new DomainError('validation_failed', `リクエストの入れ子が深すぎます（${MAX_DEPTH}段まで）`);
  }
  const text = route === undefined ? canonical(body) : `${route}\n${canonical(body)}`;
  return createHash('sha256').update(text).digest('hex');
}

export function reusedKeyConflict(): DomainError {
  return new DomainError('conflict', 'この Idempotency-Key は別の内容のリクエストで使用済みです');
}
