// /admin/settings (設定): the effective configuration, signing keys, mail and database status — read-only.
import { SettingsPage } from '../../../views/admin/pages/settings.js';
import type { ServiceContext } from '../../services/context.js';
import { settingsOverview } from '../../services/staff/settings.js';
import { actorOf, type AdminKit, type Handler } from './kit.js';

export function settingsHandlers(ctx: ServiceContext, kit: AdminKit): Record<'settings', Handler> {
  return {
    settings: async (c, s) =>
      kit.page(c, <SettingsPage {...kit.props(c, s)} overview={await settingsOverview(ctx, actorOf(s))} />),
  };
}
