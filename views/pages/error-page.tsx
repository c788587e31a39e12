// A rendered error for the HTML pages: plain Japanese, a way back, and the request id for support.
import { Layout, type PageProps } from '../layout.js';

export function ErrorPage(props: PageProps & { message: string; requestId?: string | undefined }) {
  const { t } = props;
  return (
    <Layout {...props} title={t('error.heading')}>
      <section class="panel">
        <h1>{t('error.heading')}</h1>
        <p>{props.message}</p>
        {props.requestId ? (
          <p class="note">
            {t('error.requestId')}: {props.requestId}
          </p>
        ) : null}
        <p>
          <a href="/">{t('error.back')}</a>
        </p>
      </section>
    </Layout>
  );
}
