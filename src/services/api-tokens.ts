// Use cases: create an issuer API token (shown once, stored hashed) and authenticate a bearer token with its scopes.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { writeTransaction } from '../../db/connection.js';
import {
  ALL_SCOPES,
  API_SCOPES,
  grantedScopes,
  isApiScope,
  needsSecondAdmin,
  storedScopes,
  type ApiScope,
} from '../domain/api-scopes.js';
import { DomainError } from '../errors.js';
import { findActiveTokenByHash, insertApiToken } from '../repositories/api-tokens.js';
import { insertAudit } from '../repositories/audit-log.js';
import type { Actor, ServiceContext } from './context.js';
import { requireRole } from './staff/require-role.js';

const PREFIX = 'esk_';
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface CreatedToken {
  id: string;
  token: string;
  scopes: readonly ApiScope[];
  /** A token with a four-eyes scope made in the portal: it works once a different administrator approves it. */
  pendingApproval: boolean;
}

/**
 * Creates an issuer API token. The command line (the server operator's break-glass path, run by whoever holds the
 * secrets file) makes a token with every scope at once, as before scopes existed. In the staff portal an
 * administrator names the scopes; a token with a four-eyes scope (publish, keys, obligees) is shown once now but
 * authenticates nothing until a different administrator approves it (staff/api-tokens.ts).
 * @throws DomainError forbidden (not an administrator, or an API token) | validation_failed (name or scopes)
 */
export async function createApiToken(
  ctx: ServiceContext,
  actor: Actor,
  name: string,
  requested?: readonly string[],
): Promise<CreatedToken> {
  if (actor.type === 'api_token') throw new DomainError('forbidden', 'この操作を行う権限がありません');
  const breakGlass = actor.type !== 'staff';
  if (!breakGlass) requireRole(actor, ['admin']);
  const label = name.trim();
  const issues: { path: string; message: string }[] = [];
  if (label.length === 0 || label.length > 100) issues.push({ path: 'name', message: '1〜100文字で指定してください' });
  const unknown = (requested ?? []).filter((s) => !isApiScope(s));
  const scopes = breakGlass ? API_SCOPES : API_SCOPES.filter((s) => (requested ?? []).includes(s));
  if (!breakGlass && (scopes.length === 0 || unknown.length > 0)) {
    issues.push({ path: 'scopes', message: '権限（スコープ）を1つ以上選んでください' });
  }
  if (issues.length > 0) {
    throw new DomainError(
      'validation_failed',
      issues[0]?.path === 'name'
        ? 'トークン名は1〜100文字で指定してください'
        : '権限（スコープ）を1つ以上選んでください',
      { issues },
    );
  }
  const pendingApproval = !breakGlass && needsSecondAdmin(scopes);
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
      scopes: breakGlass ? ALL_SCOPES : storedScopes(scopes),
      created_by: breakGlass ? null : actor.id,
      approved_at: pendingApproval ? null : at,
      approved_by: pendingApproval ? null : actor.id,
    });
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'token.create',
      contract_number: null,
      detail: JSON.stringify({
        id,
        name: label,
        scopes: breakGlass ? ALL_SCOPES : storedScopes(scopes),
        ...(pendingApproval ? { pendingApproval: true } : {}),
        ...(breakGlass ? { breakGlass: true } : {}),
      }),
    });
  });
  return { id, token, scopes, pendingApproval };
}

/** The actor behind a bearer token, or null when the token is unknown, revoked or still waiting for approval. */
export async function authenticateApiToken(ctx: ServiceContext, token: string): Promise<Actor | null> {
  if (!token.startsWith(PREFIX) || token.length > 200) return null;
  const row = await findActiveTokenByHash(ctx.db, hashToken(token));
  return row ? { type: 'api_token', id: row.id, name: row.name, scopes: grantedScopes(row.scopes) } : null;
}
