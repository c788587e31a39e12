// The verification form (保証契約番号 + 認証キー) with help on where the number is printed and which characters never occur.
import { Layout, type PageProps } from '../layout.js';

export interface VerifyPageProps extends PageProps {
  error?: 'no_match' | 'throttled' | 'invalid' | undefined;
  retryAfterSeconds?: number | undefined;
  contractNumber?: string | undefined;
}

export function VerifyPage(props: VerifyPageProps) {
  const { t } = props;
  return (
    <Layout {...props} title={t('verify.heading')}>
      <section class="panel">
        <h1>{t('verify.heading')}</h1>
        <p>{t('verify.lead')}</p>
        {props.error ? (
          <div class="error-box" role="alert">
            {props.error === 'throttled'
              ? t('verify.error.throttled', { minutes: Math.max(1, Math.ceil((props.retryAfterSeconds ?? 60) / 60)) })
              : t(`verify.error.${props.error}`)}
          </div>
        ) : null}
        <form method="post" action="/verify">
          <label for="contractNumber">{t('verify.contractNumber')}</label>
          <p class="help" id="contractNumber-help">
            {t('verify.contractNumber.help')}
          </p>
          <input
            type="text"
            id="contractNumber"
            name="contractNumber"
            inputmode="numeric"
            autocomplete="off"
            maxlength={32}
            required
            aria-describedby="contractNumber-help"
            value={props.contractNumber ?? ''}
          />
          <label for="authKey">{t('verify.authKey')}</label>
          <p class="help" id="authKey-help">
            {t('verify.authKey.help')}
          </p>
          <input
            type="text"
            id="authKey"
            name="authKey"
            autocomplete="off"
            autocapitalize="off"
            spellcheck={false}
            maxlength={32}
            required
            aria-describedby="authKey-help"
          />
          <div>
            <button type="submit">{t('verify.submit')}</button>
          </div>
        </form>
      </section>
    </Layout>
  );
}
