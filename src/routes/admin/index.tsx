// /admin: the issuer staff portal, one route module per area. Every route sits behind the guard of its own entry in
// route-table.ts (checked here, once, at construction); domain refusals become a staff message page; anything the
// table does not name is a 404.
import { Hono } from 'hono';
import { translator } from '../../i18n/index.js';
import { DomainError, statusFor } from '../../errors.js';
import type { ServiceContext } from '../../services/context.js';
import { accountRoutes } from './accounts.js';
import { applicationSetRoutes } from './application-set.js';
import { applicationRoutes } from './applications.js';
import { auditRoutes } from './audit.js';
import { authRoutes } from './auth.js';
import { dashboardRoutes } from './dashboard.js';
import { draftToolRoutes } from './draft-tools.js';
import { enrolRoutes } from './enrol.js';
import { GUARDED, type Guard } from './guard.js';
import { importRoutes } from './import.js';
import { message, type AdminEnv } from './kit.js';
import { obligeeTokenRoutes } from './obligee-tokens.js';
import { obligeeRoutes } from './obligees.js';
import { outboxRoutes } from './outbox.js';
import { ROUTES } from './route-table.js';
import { settingsRoutes } from './settings.js';
import { throttleRoutes } from './throttle.js';
import { suretyDocumentRoutes } from './surety-documents.js';
import { suretyRoutes } from './sureties.js';

export { SESSION_COOKIE } from './guard.js';

/** Refusals a handler's service may answer with, shown to staff as a message page rather than the generic error. */
const STAFF_MESSAGES = ['forbidden', 'not_found', 'conflict', 'invalid_event'] as const;

export function adminRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const admin = new Hono<AdminEnv>();
  const areas = [
    authRoutes(ctx),
    enrolRoutes(ctx),
    dashboardRoutes(ctx),
    suretyRoutes(ctx),
    suretyDocumentRoutes(ctx),
    // The 申込 form's helpers before the applications' `/drafts/:id` routes.
    draftToolRoutes(ctx),
    applicationRoutes(ctx),
    applicationSetRoutes(ctx),
    importRoutes(ctx),
    obligeeRoutes(ctx),
    accountRoutes(ctx),
    obligeeTokenRoutes(ctx),
    auditRoutes(ctx),
    outboxRoutes(ctx),
    settingsRoutes(ctx),
    throttleRoutes(ctx),
  ];
  assertGuardedByTable(areas);
  for (const area of areas) admin.route('/', area);

  // Deny by default: anything under /admin that the table does not name.
  admin.all('*', (c) => {
    c.header('Cache-Control', 'no-store');
    return message(c, translator(c.get('lang'))('error.not_found'), 404);
  });
  admin.onError((error, c) => {
    if (error instanceof DomainError && (STAFF_MESSAGES as readonly string[]).includes(error.code))
      return message(c, error.message, statusFor(error.code) as 403 | 404 | 409 | 422);
    throw error;
  });
  return admin;
}

/**
 * Deny by default, checked once at start-up: each route of every area must open with the guard of the table entry
 * for its own method and path, and every table entry must be served exactly once.
 * @throws Error naming the first route that breaks this
 */
export function assertGuardedByTable(areas: Hono<AdminEnv>[]): void {
  const served = new Set<string>();
  for (const area of areas) {
    let previous = '';
    for (const r of area.routes) {
      const key = `${r.method} ${r.path}`;
      if (key === previous) continue; // the same route's later handlers (validator, handler)
      previous = key;
      const entry = (r.handler as Partial<Guard>)[GUARDED];
      if (!entry || `${entry.method} ${entry.path}` !== key)
        throw new Error(`staff route ${key} does not open with guard() of its own route-table.ts entry`);
      if (served.has(entry.id)) throw new Error(`staff route ${entry.id} is served twice`);
      served.add(entry.id);
    }
  }
  const missing = ROUTES.filter((r) => !served.has(r.id)).map((r) => r.id);
  if (missing.length > 0) throw new Error(`staff routes without a handler: ${missing.join(', ')}`);
}
