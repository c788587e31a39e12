// Use cases: create an issuer API token (shown once, stored hashed) and authenticate a bearer token.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { writeTransaction } from '../../db/connection.js';
import { DomainError } from '../errors.js';
import { findActiveTokenByHash, insertApiToken } from '../repositories/api-tokens.js';
import { insertAudit } from '../repositories/audit-log.js';
import type { Actor, ServiceContext } from './context.js';

const PREFIX = 'esk_';
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createApiToken(
  ctx: ServiceContext,
  actor: Actor,
  name: string,
): Promise<{ id: string; token: string }> {
  const label = name.trim();
  if (label.length === 0 || label.length > 100) {
    throw new DomainError('validation_failed', 'トークン名は1〜100文字で指定してください', {
      issues: [{ path: 'name', message: '1〜100文字で指定してください' }],
    });
  }
  const id = randomUUID();
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  await writeTransaction(ctx.db, async (tx) => {
    const at = ctx.clock().toISOString();
    await insertApiToken(tx, {
      id,
      name: label,
      token_hash: hashToken(token),
      created_at: at,
      revoked_at: null,
      last_used_at: null,
    });
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'token.create',
      contract_number: null,
      detail: JSON.stringify({ id, name: label }),
    });
  });
  return { id, token };
}

/** The actor behind a bearer token, or null when the token is unknown or revoked. */
export async function authenticateApiToken(ctx: ServiceContext, token: string): Promise<Actor | null> {
  if (!token.startsWith(PREFIX) || token.length > 200) return null;
  const row = await findActiveTokenByHash(ctx.db, hashToken(token));
  return row ? { type: 'api_token', id: row.id, name: row.name } : null;
}
