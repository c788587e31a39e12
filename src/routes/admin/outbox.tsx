// /admin/outbox (メール送信状況): pending, dead-lettered and sent mail with filters, and 再送 per mail.
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
import { actorOf, type AdminKit, type Handler } from './kit.js';

export function outboxHandlers(ctx: ServiceContext, kit: AdminKit): Record<'outbox.list' | 'outbox.retry', Handler> {
  return {
    'outbox.list': async (c, s) => {
      const q = c.req.query();
      const asked = OUTBOX_STATES.find((x) => x === q.state);
      const number = q.contractNumber?.trim() ? normalizeContractNumber(q.contractNumber.slice(0, 32)) : undefined;
      const filters: MailFilters = {
        state: asked ?? 'dead',
        // A number that cannot exist matches nothing (rather than everything).
        contractNumber: number === null ? '-' : number,
        kind: MAIL_KINDS.find((k) => k === q.kind),
      };
      const pageNo = Math.max(1, Math.min(100_000, Number.parseInt(q.page ?? '1', 10) || 1));
      let screen = await staffOutbox(ctx, actorOf(s), filters, pageNo);
      // Without a choice, open on what needs attention: dead letters if there are any, else what is waiting.
      if (!asked && screen.counts.dead === 0) {
        filters.state = 'pending';
        screen = await staffOutbox(ctx, actorOf(s), filters, pageNo);
      }
      return kit.page(
        c,
        <OutboxPage
          {...kit.props(c, s)}
          filters={{ ...filters, contractNumber: number ?? q.contractNumber?.slice(0, 32) }}
          screen={screen}
        />,
      );
    },

    'outbox.retry': async (c, s) => {
      const mail = await staffRetryMail(ctx, actorOf(s), c.req.param('id') ?? '');
      return c.redirect(`/admin/outbox?state=pending&flash=mail.retried#mail-${mail.id}`, 303);
    },
  };
}
