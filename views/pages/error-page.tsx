// A rendered error for the HTML pages: plain Japanese, a way back, and the request id for support.
import { Layout, type PageProps } from '../layout.js';

export function ErrorPage(props: PageProps & { message: string; requestId?: string | undefined }) {
  const { t } = props;
  return (
    <Layout {...props} title={t('error.heading')} noindex>
      <section class="panel" aria-labelledby="error-page-heading">
        <h1 id="error-page-heading">{t('error.heading')}</h1>
        <p class="error-message" role="alert">
          {props.message}
        </p>
        {props.requestId ? (
          <div class="request-ref">
            <dl class="check-meta">
              <div>
                <dt>{t('error.requestId')}</dt>
                <dd class="request-id">{props.requestId}</dd>
              </div>
            </dl>
            <p class="note">{t('error.requestIdHint')}</p>
          </div>
        ) : null}
        <p>
          <a href="/" class="back-link">
            {t('error.back')}
          </a>
        </p>
      </section>
    </Layout>
  );
}
