// What a staff-portal route module receives from the portal (src/routes/admin/index.tsx): the page helpers, so that
// areas can live in their own files and still pass the portal's one guard (route-table.ts).
import type { Context } from 'hono';
import type { AdminPageProps } from '../../../views/admin/layout.js';
import type { StaffSession } from '../../services/staff/auth.js';
import type { AppEnv } from '../http.js';

export type Form = Record<string, string | File | (string | File)[]>;
export type Handler = (c: Context<AppEnv>, s: StaffSession | null, form: Form) => Promise<Response> | Response;
export type PageStatus = 200 | 401 | 403 | 404 | 409 | 422 | 429;

export interface AdminKit {
  props(c: Context<AppEnv>, s: StaffSession | null): AdminPageProps;
  page(c: Context<AppEnv>, el: unknown, status?: PageStatus): Response | Promise<Response>;
  message(
    c: Context<AppEnv>,
    s: StaffSession | null,
    text: string,
    status: 401 | 403 | 404 | 409 | 422,
  ): Response | Promise<Response>;
}

export const formString = (form: Form, key: string): string => {
  const v = form[key];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
};

/** The staff member behind a guarded route (the guard has already refused requests without one). */
export const actorOf = (s: StaffSession | null) => (s as StaffSession).actor;
