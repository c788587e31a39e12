// /admin (全体トップ): applications waiting, recent publications, and mail trouble for those who handle mail.
import { Hono } from 'hono';
import { adminTranslator } from '../../i18n/admin.js';
import { MailPanel } from '../../../views/admin/pages/outbox.js';
import { DashboardPage } from '../../../views/admin/pages/sureties.js';
import type { ServiceContext } from '../../services/context.js';
import { dashboard } from '../../services/staff/dashboard.js';
import { ownOpenApplications } from '../../services/staff/revise-application.js';
import { OwnApplicationsPanel } from '../../../views/admin/pages/application.js';
import { staffGuard } from './guard.js';
import { page, props, type AdminEnv } from './kit.js';

export function dashboardRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const guard = staffGuard(ctx);
  return new Hono<AdminEnv>().get('/', guard('dashboard'), async (c) => {
    const { pending, recent, mail } = await dashboard(ctx, c.get('staff').actor);
    const own = await ownOpenApplications(ctx, c.get('staff').actor);
    const at = adminTranslator(c.get('lang'));
    return page(
      c,
      <DashboardPage
        {...props(c)}
        pending={pending}
        recent={recent}
        notices={
          <>
            <OwnApplicationsPanel at={at} lang={c.get('lang')} returned={own.returned} drafts={own.drafts} />
            {mail ? <MailPanel at={at} counts={mail} /> : null}
          </>
        }
      />,
    );
  });
}
