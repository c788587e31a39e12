// The one page layout: header with language switch, main content, footer; print stylesheet included.
import type { Child } from 'hono/jsx';
import type { Lang, Translate } from './i18n/index.js';
import { styles } from './styles.js';

export interface PageProps {
  t: Translate;
  lang: Lang;
  /** The current path, so the language switch returns to the same page. */
  path: string;
  nonce?: string | undefined;
}

export function Layout(props: PageProps & { title: string; children?: Child }) {
  const { t, lang, path } = props;
  const other = lang === 'ja' ? 'en' : 'ja';
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} | ${t('site.title')}`}</title>
        <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: styles }} />
      </head>
      <body>
        <header class="site-header">
          <a class="site-title" href="/">
            {t('site.title')}
          </a>
          <nav aria-label="menu">
            <a href="/">{t('nav.verify')}</a>
            <a href="/obligees">{t('nav.obligees')}</a>
            <a href={`${path}?lang=${other}`} hreflang={other} lang={other}>
              {t('lang.switch')}
            </a>
          </nav>
        </header>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}
