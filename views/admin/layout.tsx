// The staff portal layout: header with the staff menu, log-out, language switch; one <main>. Which links the menu
// holds, and in what order, is decided by the route table (src/routes/admin/route-table.ts), never here.
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { Lang, Translate } from '../../src/i18n/index.js';
import { styles } from '../styles.js';
import type { AdminTranslate } from '../../src/i18n/admin.js';
import { adminStyles } from './styles.js';

export interface StaffView {
  email: string;
  role: 'admin' | 'clerk' | 'approver';
  csrf: string;
  /** The second factor is passed (the full menu is shown only then). */
  mfa: boolean;
}

export interface AdminPageProps {
  t: Translate;
  at: AdminTranslate;
  lang: Lang;
  path: string;
  nonce?: string | undefined;
  staff?: StaffView | undefined;
  /** The staff menu for this member: empty until the second factor is passed. */
  menu?: readonly { key: MenuKey; href: string }[] | undefined;
  flash?: string | undefined;
}

/** The staff menu's pages, each labelled by the catalog's `nav.<key>`; pages name theirs as `current`. */
export type MenuKey =
  | 'dashboard'
  | 'sureties'
  | 'newDraft'
  | 'drafts'
  | 'import'
  | 'obligees'
  | 'tokens'
  | 'obligeeTokens'
  | 'users'
  | 'audit'
  | 'outbox'
  | 'throttle'
  | 'settings';

export function Csrf(props: { staff?: StaffView | undefined }) {
  return props.staff ? <input type="hidden" name="_csrf" value={props.staff.csrf} /> : null;
}

export function AdminLayout(
  props: AdminPageProps & { title: string; current?: MenuKey; children?: Child; script?: string },
) {
  const { at, lang, staff } = props;
  const other: Lang = lang === 'ja' ? 'en' : 'ja';
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang={lang}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex, nofollow" />
          <link rel="icon" href="data:," />
          <title>{`${props.title} | ${at('title')}`}</title>
          <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: styles + adminStyles }} />
        </head>
        <body>
          <a class="skip-link" href="#main">
            {props.t('a11y.skip')}
          </a>
          <header class="site-header admin-header">
            <div class="site-header-inner">
              <a class="site-title" href="/admin">
                <span class="site-name">{at('title')}</span>
                {staff ? (
                  <span class="who">
                    {at('nav.signedInAs', { email: staff.email, role: at(`role.${staff.role}`) })}
                  </span>
                ) : null}
              </a>
              <nav aria-label={at('nav.label')} class="admin-nav">
                {(props.menu ?? []).map((m) => (
                  <a href={m.href} aria-current={props.current === m.key ? 'page' : undefined}>
                    {at(`nav.${m.key}`)}
                  </a>
                ))}
                <a class="lang-switch" href={`${props.path}?lang=${other}`} hreflang={other} lang={other}>
                  {props.t('lang.switch')}
                </a>
                {staff ? (
                  <form method="post" action="/admin/logout">
                    <Csrf staff={staff} />
                    <button type="submit" class="link-button">
                      {at('nav.logout')}
                    </button>
                  </form>
                ) : null}
              </nav>
            </div>
          </header>
          <main id="main" class="admin-main" tabindex={-1}>
            {props.flash ? (
              <p class="flash" role="status">
                {props.flash}
              </p>
            ) : null}
            {props.children}
          </main>
          {props.script ? <script nonce={props.nonce} dangerouslySetInnerHTML={{ __html: props.script }} /> : null}
        </body>
      </html>
    </>
  );
}

/** A labelled input with its field-level messages wired through aria-describedby / aria-invalid. */
export function Field(props: {
  name: string;
  label: string;
  value?: string | undefined;
  errors?: string[] | undefined;
  type?: string;
  required?: boolean;
  requiredLabel?: string;
  help?: string | undefined;
  autocomplete?: string;
  inputmode?: 'numeric' | 'text' | undefined;
  children?: Child;
}) {
  const id = `f-${props.name}`;
  const errors = props.errors ?? [];
  const described = [props.help ? `${id}-help` : null, errors.length > 0 ? `${id}-error` : null]
    .filter(Boolean)
    .join(' ');
  return (
    <div class="admin-field">
      <label for={id}>
        {props.label}
        {props.required ? <span class="required">{props.requiredLabel ?? '必須'}</span> : null}
      </label>
      {props.help ? (
        <p class="help" id={`${id}-help`}>
          {props.help}
        </p>
      ) : null}
      {errors.length > 0 ? (
        <div id={`${id}-error`}>
          {errors.map((e) => (
            <p class="field-error">{e}</p>
          ))}
        </div>
      ) : null}
      {props.children ?? (
        <input
          id={id}
          name={props.name}
          type={props.type ?? 'text'}
          value={props.value ?? ''}
          required={props.required}
          autocomplete={props.autocomplete}
          inputmode={props.inputmode}
          aria-invalid={errors.length > 0 ? 'true' : undefined}
          aria-describedby={described || undefined}
        />
      )}
    </div>
  );
}
