// The staff portal's one route table: every /admin route with who may use it and, for the pages in the staff menu,
// its place there. Deny by default — a route absent from this table does not exist. The guard (guard.tsx), the menu
// (menuFor) and the role × route matrix test are all derived from this one list.
import type { MenuKey } from '../../../views/admin/layout.js';

export type StaffRole = 'admin' | 'clerk' | 'approver';
/** anon: no session needed; half: a session that has passed the password but maybe not TOTP yet. */
export type Access = 'anon' | 'half' | readonly StaffRole[];

export const ALL: readonly StaffRole[] = ['admin', 'clerk', 'approver'];

/** A page's place in the staff menu: its label is the catalog's `nav.<key>`, links sort by `order`. */
export interface MenuEntry {
  key: MenuKey;
  order: number;
}

export interface StaffRoute {
  id: string;
  method: 'GET' | 'POST';
  /** Relative to /admin, in Hono's syntax. */
  path: string;
  access: Access;
  /** Only GET pages open to signed-in staff (a role list) belong in the menu. */
  menu?: MenuEntry;
  /** A 申込 form whose fields are kept across a session expiry (services/staff/form-recovery.ts). */
  keepsForm?: 'application-set' | 'issue';
}

export const ROUTES = [
  { id: 'login.form', method: 'GET', path: '/login', access: 'anon' },
  { id: 'login.submit', method: 'POST', path: '/login', access: 'anon' },
  { id: 'mfa.form', method: 'GET', path: '/mfa', access: 'half' },
  { id: 'mfa.submit', method: 'POST', path: '/mfa', access: 'half' },
  { id: 'logout', method: 'POST', path: '/logout', access: 'half' },
  // A new account's single-use second-factor enrolment link, mailed to its own address (services/staff/enrolment.ts).
  { id: 'enrol.form', method: 'GET', path: '/enrol/:token', access: 'anon' },
  { id: 'enrol.submit', method: 'POST', path: '/enrol/:token', access: 'anon' },
  { id: 'dashboard', method: 'GET', path: '/', access: ALL, menu: { key: 'dashboard', order: 10 } },
  { id: 'sureties.list', method: 'GET', path: '/sureties', access: ALL, menu: { key: 'sureties', order: 20 } },
  { id: 'sureties.detail', method: 'GET', path: '/sureties/:n', access: ALL },
  { id: 'sureties.key', method: 'POST', path: '/sureties/:n/key', access: ['clerk', 'approver'] },
  { id: 'sureties.reissue', method: 'POST', path: '/sureties/:n/reissue', access: ['clerk'] },
  // The notice holds the key: a POST (CSRF-checked, never prefetched), for those who may see the key.
  { id: 'sureties.notice', method: 'POST', path: '/sureties/:n/notice.pdf', access: ['clerk', 'approver'] },
  { id: 'sureties.certificate', method: 'GET', path: '/sureties/:n/certificate.pdf', access: ALL },
  { id: 'sureties.action', method: 'GET', path: '/sureties/:n/actions/:event', access: ['clerk'] },
  { id: 'sureties.action.submit', method: 'POST', path: '/sureties/:n/actions/:event', access: ['clerk'] },
  { id: 'drafts.list', method: 'GET', path: '/drafts', access: ALL, menu: { key: 'drafts', order: 40 } },
  { id: 'drafts.new', method: 'GET', path: '/drafts/new', access: ['clerk'], menu: { key: 'newDraft', order: 30 } },
  { id: 'drafts.create', method: 'POST', path: '/drafts/new', access: ['clerk'], keepsForm: 'issue' },
  { id: 'drafts.check', method: 'POST', path: '/drafts/check', access: ['clerk'], keepsForm: 'issue' },
  { id: 'drafts.recover', method: 'POST', path: '/drafts/recover', access: ['approver'] },
  { id: 'drafts.show', method: 'GET', path: '/drafts/:id', access: ALL },
  { id: 'drafts.approve', method: 'POST', path: '/drafts/:id/approve', access: ['approver'] },
  { id: 'drafts.reject', method: 'POST', path: '/drafts/:id/reject', access: ['approver'] },
  { id: 'drafts.withdraw', method: 'POST', path: '/drafts/:id/withdraw', access: ['clerk', 'admin'] },
  // The clerk's own 下書き or sent-back application, in its form again (revise-application.ts).
  { id: 'drafts.edit', method: 'GET', path: '/drafts/:id/edit', access: ['clerk'] },
  // The combined 申込 (前払金保証＋契約保証): 申込作成 → 申込確認 → 送信完了 (routes/admin/application-set.tsx).
  { id: 'applications.new', method: 'GET', path: '/applications/new', access: ['clerk'] },
  {
    id: 'applications.step',
    method: 'POST',
    path: '/applications',
    access: ['clerk'],
    keepsForm: 'application-set',
  },
  { id: 'applications.sent', method: 'GET', path: '/applications/:id/sent', access: ['clerk'] },
  // Every key notice of a published import in one ZIP: a POST (CSRF-checked), for those who may see keys.
  { id: 'drafts.notices', method: 'POST', path: '/drafts/:id/notices.zip', access: ['clerk', 'approver'] },
  { id: 'import.form', method: 'GET', path: '/import', access: ['clerk'], menu: { key: 'import', order: 50 } },
  { id: 'import.upload', method: 'POST', path: '/import', access: ['clerk'] },
  { id: 'obligees.list', method: 'GET', path: '/obligees', access: ['admin'], menu: { key: 'obligees', order: 60 } },
  { id: 'obligees.edit', method: 'GET', path: '/obligees/:id', access: ['admin'] },
  { id: 'obligees.save', method: 'POST', path: '/obligees/:id', access: ['admin'] },
  { id: 'tokens.list', method: 'GET', path: '/tokens', access: ['admin'], menu: { key: 'tokens', order: 70 } },
  { id: 'tokens.create', method: 'POST', path: '/tokens', access: ['admin'] },
  // A token with a four-eyes scope works only once a different administrator approves it (services/staff/api-tokens.ts).
  { id: 'tokens.approve', method: 'POST', path: '/tokens/:id/approve', access: ['admin'] },
  { id: 'tokens.revoke', method: 'POST', path: '/tokens/:id/revoke', access: ['admin'] },
  // Obligee organisations' tokens for the watch API (DESIGN §11): made here they wait for a second administrator.
  {
    id: 'obligeeTokens.list',
    method: 'GET',
    path: '/obligee-tokens',
    access: ['admin'],
    menu: { key: 'obligeeTokens', order: 75 },
  },
  { id: 'obligeeTokens.create', method: 'POST', path: '/obligee-tokens', access: ['admin'] },
  { id: 'obligeeTokens.approve', method: 'POST', path: '/obligee-tokens/:id/approve', access: ['admin'] },
  { id: 'obligeeTokens.revoke', method: 'POST', path: '/obligee-tokens/:id/revoke', access: ['admin'] },
  { id: 'users.list', method: 'GET', path: '/users', access: ['admin'], menu: { key: 'users', order: 80 } },
  { id: 'users.create', method: 'POST', path: '/users', access: ['admin'] },
  // An account made here is mailed its enrolment link once a different administrator approves it (enrolment.ts).
  { id: 'users.approve', method: 'POST', path: '/users/:id/approve', access: ['admin'] },
  { id: 'users.disable', method: 'POST', path: '/users/:id/disable', access: ['admin'] },
  { id: 'users.enable', method: 'POST', path: '/users/:id/enable', access: ['admin'] },
  { id: 'audit', method: 'GET', path: '/audit', access: ['admin', 'approver'], menu: { key: 'audit', order: 90 } },
  {
    id: 'outbox.list',
    method: 'GET',
    path: '/outbox',
    access: ['admin', 'clerk'],
    menu: { key: 'outbox', order: 100 },
  },
  { id: 'outbox.retry', method: 'POST', path: '/outbox/:id/retry', access: ['admin', 'clerk'] },
  // Lifting a verification pause for a caller: clerks take those calls; audited (services/staff/lift-pause.ts).
  {
    id: 'throttle.form',
    method: 'GET',
    path: '/throttle',
    access: ['admin', 'clerk'],
    menu: { key: 'throttle', order: 105 },
  },
  { id: 'throttle.lift', method: 'POST', path: '/throttle', access: ['admin', 'clerk'] },
  { id: 'settings', method: 'GET', path: '/settings', access: ['admin'], menu: { key: 'settings', order: 110 } },
] as const satisfies readonly StaffRoute[];

export type RouteId = (typeof ROUTES)[number]['id'];

/** A link of the staff menu, as the layout draws it. */
export interface MenuLink {
  key: MenuKey;
  href: string;
}

const MENU = (ROUTES as readonly StaffRoute[])
  .filter(
    (r): r is StaffRoute & { menu: MenuEntry; access: readonly StaffRole[] } => !!r.menu && Array.isArray(r.access),
  )
  .sort((a, b) => a.menu.order - b.menu.order);

/** The staff menu of one role: exactly the menu pages whose route that role may open, in menu order. */
export function menuFor(role: StaffRole): MenuLink[] {
  return MENU.filter((r) => r.access.includes(role)).map((r) => ({
    key: r.menu.key,
    href: r.path === '/' ? '/admin' : `/admin${r.path}`,
  }));
}
