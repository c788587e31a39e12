// The one page layout: skip link, header with menu and language switch, main content, footer; styles inlined.
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { Lang, Translate } from '../src/i18n/index.js';
import { styles } from './styles.js';

export interface PageProps {
  t: Translate;
  lang: Lang;
  /** The current path, so the language switch returns to the same page. */
  path: string;
  /** The CSP nonce of this response: the only way an inline <style> or <script> is allowed to run. */
  nonce?: string | undefined;
}

/** The public menu: the officer's verification, the contractor's status page, the obligee list. */
type NavKey = 'verify' | 'status' | 'obligees';

export interface LayoutProps extends PageProps {
  title: string;
  children?: Child;
  /** Marks the menu entry of this page (aria-current). */
  current?: NavKey | undefined;
  /** Certificates are personal to the officer who verified them: keep them out of search engines. */
  noindex?: boolean | undefined;
  /** Wires every `[data-print]` button to window.print() (buttons start hidden, so without script none is dead). */
  printable?: boolean | undefined;
}

// Inline because the CSP allows no external script; it runs with the response's nonce.
const PRINT_SCRIPT =
  "document.querySelectorAll('[data-print]').forEach(function(b){b.hidden=false;" +
  "b.addEventListener('click',function(){window.print();});});";

/**
 * `/verify` answers only POST: switching language there goes back to the form instead of a 404. Elsewhere the link is
 * the query alone, a reference that keeps whatever path the page has: the path itself is never copied into it, since
 * a 404 for `//evil.example/` would make `//evil.example/?lang=en`, a link off the site.
 */
function switchTarget(path: string, lang: Lang): string {
  return `${path === '/verify' ? '/' : ''}?lang=${lang}`;
}

export function Layout(props: LayoutProps) {
  const { t, lang, path } = props;
  const other: Lang = lang === 'ja' ? 'en' : 'ja';
  const navLink = (href: string, key: NavKey) => (
    <a href={href} aria-current={props.current === key ? 'page' : undefined}>
      {t(`nav.${key}`)}
    </a>
  );
  // The doctype keeps Chromium out of quirks mode (which changes line heights in tables and lists).
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang={lang}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light" />
          {props.noindex ? <meta name="robots" content="noindex, nofollow" /> : null}
          {/* An empty icon stops the browser from asking for /favicon.ico (a 404 on every page). */}
          <link rel="icon" href="data:," />
          <title>{`${props.title} | ${t('site.title')}`}</title>
          <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: styles }} />
        </head>
        <body>
          <a class="skip-link" href="#main">
            {t('a11y.skip')}
          </a>
          <header class="site-header">
            <div class="site-header-inner">
              <a class="site-title" href="/">
                <span class="site-name">{t('site.title')}</span>
                <span class="site-tagline">{t('site.tagline')}</span>
              </a>
              <nav aria-label={t('nav.label')} class="site-nav">
                {navLink('/', 'verify')}
                {navLink('/status', 'status')}
                {navLink('/obligees', 'obligees')}
                <a
                  class="lang-switch"
                  href={switchTarget(path, other)}
                  hreflang={other}
                  lang={other}
                  aria-label={t('lang.switchLabel')}
                >
                  {t('lang.switch')}
                </a>
              </nav>
            </div>
          </header>
          <main id="main" tabindex={-1}>
            {props.children}
          </main>
          <footer class="site-footer">
            <div class="site-footer-inner">
              <p>{t('footer.note')}</p>
              <p>
                <a href="/.well-known/jwks.json">{t('footer.jwks')}</a>
              </p>
            </div>
          </footer>
          {props.printable ? <script nonce={props.nonce} dangerouslySetInnerHTML={{ __html: PRINT_SCRIPT }} /> : null}
        </body>
      </html>
    </>
  );
}
