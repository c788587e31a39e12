// Use cases: obligee organisations' API tokens for the watch API (DESIGN §11) — created on the command line
// (break-glass, working at once) or in the staff portal (shown once, working after a different administrator
// approves it), listed, approved, revoked, and a bearer token authenticated. Stored as SHA-256 only.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { writeTransaction } from '../../db/connection.js';
import { DomainError } from '../errors.js';
import { insertAudit } from '../repositories/audit-log.js';
import { findObligee, listObligees } from '../repositories/obligees.js';
import {
  approveObligeeToken,
  findActiveObligeeTokenByHash,
  findObligeeToken,
  insertObligeeToken,
  listObligeeTokens,
  revokeObligeeToken,
} from '../repositories/obligee-tokens.js';
import type { Actor, ServiceContext } from './context.js';
import { requireRole } from './staff/require-role.js';

/** Who calls the obligee API: the token and the organisation it speaks for. Never an issuer-side actor. */
export interface ObligeeActor {
  type: 'obligee_token';
  id: string;
  name: string;
  obligeeId: string;
}

/** A prefix of its own: an obligee token never authenticates on the issuer API, nor an issuer token here. */
const PREFIX = 'eob_';
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface CreatedObligeeToken {
  id: string;
  token: string;
  obligeeId: string;
  /** Made in the portal: shown once now, authenticates once a different administrator approves it. */
  pendingApproval: boolean;
}

/**
 * Creates an obligee organisation's token. The command line (the operator holding the secrets file) makes one that
 * works at once; an administrator in the portal makes one that waits for a second administrator.
 * @throws DomainError forbidden (not an administrator, or an API token) | validation_failed (obligee or name)
 */
export async function createObligeeToken(
  ctx: ServiceContext,
  actor: Actor,
  input: { obligeeId: string; name: string },
): Promise<CreatedObligeeToken> {
  if (actor.type === 'api_token') throw new DomainError('forbidden', 'この操作を行う権限がありません');
  const breakGlass = actor.type !== 'staff';
  if (!breakGlass) requireRole(actor, ['admin']);
  const label = input.name.trim();
  const obligeeId = input.obligeeId.trim();
  const issues: { path: string; message: string }[] = [];
  if (!(await findObligee(ctx.db, obligeeId))) issues.push({ path: 'obligee', message: '発注者が登録されていません' });
  if (label.length === 0 || label.length > 100) issues.push({ path: 'name', message: '1〜100文字で指定してください' });
  if (issues.length > 0) {
    throw new DomainError(
      'validation_failed',
      issues[0]?.path === 'obligee'
        ? `発注者 ${obligeeId.slice(0, 64)} は登録されていません`
        : 'トークン名は1〜100文字で指定してください',
      { issues },
    );
  }
  const id = randomUUID();
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  await writeTransaction(ctx.db, async (tx) => {
    const at = ctx.clock().toISOString();
    await insertObligeeToken(tx, {
      id,
      obligee_id: obligeeId,
      name: label,
      token_hash: hashToken(token),
      created_at: at,
      created_by: breakGlass ? null : actor.id,
      approved_at: breakGlass ? at : null,
      approved_by: breakGlass ? actor.id : null,
      revoked_at: null,
    });
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'obligee_token.create',
      contract_number: null,
      detail: JSON.stringify({
        id,
        obligeeId,
        name: label,
        ...(breakGlass ? { breakGlass: true } : { pendingApproval: true }),
      }),
    });
  });
  return { id, token, obligeeId, pendingApproval: !breakGlass };
}

/** The organisation behind a bearer token, or null when it is not an approved, unrevoked obligee token. */
export async function authenticateObligeeToken(ctx: ServiceContext, token: string): Promise<ObligeeActor | null> {
  if (!token.startsWith(PREFIX) || token.length > 200) return null;
  const row = await findActiveObligeeTokenByHash(ctx.db, hashToken(token));
  return row ? { type: 'obligee_token', id: row.id, name: row.name, obligeeId: row.obligee_id } : null;
}

/** The token screen: every obligee token (never a hash) and the obligees one can be made for. @throws forbidden */
export async function obligeeTokenScreen(ctx: ServiceContext, actor: Actor) {
  requireRole(actor, ['admin']);
  const obligees = (await listObligees(ctx.db)).map((o) => ({ id: o.id, name: o.name }));
  return { tokens: await listObligeeTokens(ctx.db), obligees };
}

export type ObligeeTokenScreen = Awaited<ReturnType<typeof obligeeTokenScreen>>;

/**
 * A different administrator approves a waiting token; from then on it authenticates.
 * @throws DomainError forbidden (not an administrator, or its maker) | not_found | conflict (not waiting)
 */
export async function approveObligeeTokenBy(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  requireRole(actor, ['admin']);
  await writeTransaction(ctx.db, async (tx) => {
    const token = await findObligeeToken(tx, id);
    if (!token) throw new DomainError('not_found', 'このトークンは存在しません');
    if (token.created_by === actor.id) {
      throw new DomainError('forbidden', '自分が作成したトークンは承認できません（別の管理者が承認してください）');
    }
    const at = ctx.clock().toISOString();
    if (!(await approveObligeeToken(tx, id, actor.id, at))) {
      throw new DomainError('conflict', 'このトークンは承認待ちではありません（承認済みまたは失効済みです）');
    }
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'obligee_token.approve',
      contract_number: null,
      detail: JSON.stringify({ id, obligeeId: token.obligee_id, name: token.name, createdBy: token.created_by }),
    });
  });
}

/** @throws DomainError forbidden | not_found (unknown or already revoked) */
export async function revokeObligeeTokenBy(ctx: ServiceContext, actor: Actor, id: string): Promise<void> {
  if (actor.type === 'staff') requireRole(actor, ['admin']);
  else if (actor.type === 'api_token') throw new DomainError('forbidden', 'この操作を行う権限がありません');
  await writeTransaction(ctx.db, async (tx) => {
    const at = ctx.clock().toISOString();
    if (!(await revokeObligeeToken(tx, id, at))) {
      throw new DomainError('not_found', 'このトークンは存在しないか、失効済みです');
    }
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: 'obligee_token.revoke',
      contract_number: null,
      detail: JSON.stringify({ id }),
    });
  });
}
