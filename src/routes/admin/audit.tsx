// /admin/audit (監査ログ): the audit log searched by action, actor, contract number and JST dates, 50 rows a page.
import { Hono } from 'hono';
import { AuditPage } from '../../../views/admin/pages/manage.js';
import { isIsoDate, jstDayEnd, jstDayStart } from '../../domain/format.js';
import type { ServiceContext } from '../../services/context.js';
import { auditLog } from '../../services/staff/audit-log.js';
import { staffGuard } from './guard.js';
import { page, props, type AdminEnv } from './kit.js';
import { pageNumber, queryWithout } from './query.js';

export function auditRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const guard = staffGuard(ctx);
  return new Hono<AdminEnv>().get('/audit', guard('audit'), async (c) => {
    const q = c.req.query();
    const textOf = (k: string) => (q[k]?.trim() ? q[k].trim().slice(0, 100) : undefined);
    const date = (k: string) => (isIsoDate(q[k] ?? '') ? q[k] : undefined);
    const from = date('from');
    const to = date('to');
    const filters = {
      action: textOf('action'),
      actorType: textOf('actorType'),
      actorId: textOf('actorId'),
      contractNumber: textOf('contractNumber'),
      // JST calendar days, both inclusive, as instants (the log's `at` is UTC ISO-8601).
      from: from ? jstDayStart(from) : undefined,
      to: to ? jstDayEnd(to) : undefined,
    };
    const result = await auditLog(ctx, c.get('staff').actor, filters, pageNumber(q.page));
    return page(
      c,
      <AuditPage {...props(c)} filters={{ ...filters, from, to }} query={queryWithout(q)} result={result} />,
    );
  });
}
