// /admin/outbox (メール送信状況): pending, dead-lettered and sent mail with filters, and 再送 per mail.
import { Hono } from 'hono';
import { OutboxPage } from '../../../views/admin/pages/outbox.js';
import { normalizeContractNumber } from '../../domain/identifiers.js';
import type { ServiceContext } from '../../services/context.js';
import {
  MAIL_KINDS,
  OUTBOX_STATES,
  staffOutbox,
  staffRetryMail,
  type MailFilters,
} from '../../services/staff/outbox.js';
import { staffGuard } from './guard.js';
import { page, props, type AdminEnv } from './kit.js';
import { pageNumber } from './query.js';

export function outboxRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const guard = staffGuard(ctx);
  const app = new Hono<AdminEnv>();

  app.get('/outbox', guard('outbox.list'), async (c) => {
    const actor = c.get('staff').actor;
    const q = c.req.query();
    const asked = OUTBOX_STATES.find((x) => x === q.state);
    const number = q.contractNumber?.trim() ? normalizeContractNumber(q.contractNumber.slice(0, 32)) : undefined;
    const filters: MailFilters = {
      state: asked ?? 'dead',
      // A number that cannot exist matches nothing (rather than everything).
      contractNumber: number === null ? '-' : number,
      kind: MAIL_KINDS.find((k) => k === q.kind),
    };
    const pageNo = pageNumber(q.page);
    let screen = await staffOutbox(ctx, actor, filters, pageNo);
    // Without a choice, open on what needs attention: dead letters if there are any, else what is waiting.
    if (!asked && screen.counts.dead === 0) {
      filters.state = 'pending';
      screen = await staffOutbox(ctx, actor, filters, pageNo);
    }
    return page(
      c,
      <OutboxPage
        {...props(c)}
        filters={{ ...filters, contractNumber: number ?? q.contractNumber?.slice(0, 32) }}
        screen={screen}
      />,
    );
  });

  app.post('/outbox/:id/retry', guard('outbox.retry'), async (c) => {
    const mail = await staffRetryMail(ctx, c.get('staff').actor, c.req.param('id'));
    return c.redirect(`/admin/outbox?state=pending&flash=mail.retried#mail-${mail.id}`, 303);
  });

  return app;
}
