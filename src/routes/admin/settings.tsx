// /admin/settings (設定): the effective configuration, signing keys, mail and database status — read-only.
import { Hono } from 'hono';
import { SettingsPage } from '../../../views/admin/pages/settings.js';
import type { ServiceContext } from '../../services/context.js';
import { settingsOverview } from '../../services/staff/settings.js';
import { staffGuard } from './guard.js';
import { page, props, type AdminEnv } from './kit.js';

export function settingsRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const guard = staffGuard(ctx);
  return new Hono<AdminEnv>().get('/settings', guard('settings'), async (c) =>
    page(c, <SettingsPage {...props(c)} overview={await settingsOverview(ctx, c.get('staff').actor)} />),
  );
}
