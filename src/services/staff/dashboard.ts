// Use case: 全体トップ — what waits for approval, what was published lately, and mail trouble for those who handle it.
import type { Actor, ServiceContext } from '../context.js';
import { recentPublications } from './audit-log.js';
import { pendingDrafts } from './drafts.js';
import { mailCounts } from './outbox.js';

export async function dashboard(ctx: ServiceContext, actor: Actor) {
  const mail = await mailCounts(ctx, actor);
  return { pending: await pendingDrafts(ctx), recent: await recentPublications(ctx), mail };
}
