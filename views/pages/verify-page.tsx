// The verification form (保証契約番号 + 認証キー) with help on where the number is printed and which characters never occur.
import type { MessageKey } from '../../src/i18n/index.js';
import { ja } from '../../src/i18n/ja.js';
import { formats } from '../../src/i18n/format.js';
import { Layout, type PageProps } from '../layout.js';
import { attemptMessages, type AttemptProps } from './attempt-message.js';

export interface VerifyPageProps extends PageProps, AttemptProps {
  contractNumber?: string | undefined;
  /** An action interrupted by an expired view, completed once the key is entered again (the version's No.). */
  resume?: { contractNumber: string } | undefined;
  /** Certificates this browser's viewer grant still opens (DESIGN §5: up to 10, 30 minutes), newest last. */
  opened?: { contractNumber: string; expiresAt: string }[] | undefined;
}

/** The symbols DESIGN §2 leaves out of the key alphabet, each with a name so nobody has to guess 0 from O. */
const EXCLUDED: [string, MessageKey][] = [
  ['0', 'verify.char.zero'],
  ['1', 'verify.char.one'],
  ['O', 'verify.char.upperO'],
  ['o', 'verify.char.lowerO'],
  ['I', 'verify.char.upperI'],
  ['l', 'verify.char.lowerL'],
];

// Shapes of the notice, not real credentials: the key uses only symbols of the key alphabet.
const SAMPLE_NUMBER = '10001-000001';
const SAMPLE_KEY = 'AbCd2345EfGh';

export function VerifyPage(props: VerifyPageProps) {
  const { t } = props;
  const f = formats(props.lang);
  const opened = props.opened ?? [];
  const message = attemptMessages(t, f, props);
  const numberMissing = props.error === 'invalid' && !props.contractNumber?.trim();
  // After a wrong key (or to finish an interrupted action) the key is what to type next: focus lands there, marked
  // invalid and tied to the message, so a screen reader announces why.
  const keyNext = props.error === 'no_match' || (props.resume !== undefined && !props.error);
  const keyInvalid = props.error === 'no_match' || (props.error === 'invalid' && !numberMissing);
  const title = message ? `${t('a11y.errorPrefix')}: ${t('verify.heading')}` : t('verify.heading');
  return (
    <Layout {...props} title={title} current="verify">
      <div class="verify-grid">
        <section class="panel verify-form" aria-labelledby="verify-heading">
          <h1 id="verify-heading">{t('verify.heading')}</h1>
          <p class="lead">{t('verify.lead')}</p>
          {message ? (
            <div class="error-summary" role="alert" aria-labelledby="error-heading">
              <h2 id="error-heading">{t('verify.error.heading')}</h2>
              {message.map((line, i) => (
                <p id={i === 0 ? 'error-message' : undefined}>{line}</p>
              ))}
            </div>
          ) : null}
          {props.resume && !message ? (
            <div class="flash-ok" role="status" id="resume-note">
              <p>{t('verify.resume.receipt', { number: props.resume.contractNumber })}</p>
            </div>
          ) : null}
          <form method="post" action="/verify">
            <div class="field">
              <label for="contractNumber">
                <span class="marker" aria-hidden="true">
                  ①
                </span>
                {t('verify.contractNumber')}
              </label>
              <p class="help" id="contractNumber-help">
                {t('verify.contractNumber.help')}
              </p>
              <input
                type="text"
                id="contractNumber"
                name="contractNumber"
                class="input-number"
                inputmode="numeric"
                autocomplete="off"
                maxlength={32}
                required
                aria-describedby="contractNumber-help"
                aria-invalid={numberMissing ? 'true' : undefined}
                autofocus={numberMissing || undefined}
                value={props.contractNumber ?? ''}
              />
            </div>
            <div class="field">
              <label for="authKey">
                <span class="marker" aria-hidden="true">
                  ②
                </span>
                {t('verify.authKey')}
              </label>
              <div class="help" id="authKey-help">
                <p>{t('verify.authKey.help')}</p>
                <p>{t('verify.authKey.excluded')}</p>
                <ul class="excluded-chars">
                  {EXCLUDED.map(([char, name]) => (
                    <li>
                      <span class="char" lang="en">
                        {char}
                      </span>
                      <span class="char-name">{t(name)}</span>
                    </li>
                  ))}
                </ul>
              </div>
              <input
                type="text"
                id="authKey"
                name="authKey"
                class="input-key"
                autocomplete="off"
                autocapitalize="off"
                autocorrect="off"
                spellcheck={false}
                maxlength={32}
                required
                aria-describedby={keyInvalid ? 'error-message authKey-help' : 'authKey-help'}
                aria-invalid={keyInvalid ? 'true' : undefined}
                autofocus={keyNext || undefined}
              />
            </div>
            <button type="submit" class="button-primary">
              {t('verify.submit')}
            </button>
            <p class="note">{t('verify.grantNote')}</p>
          </form>
          {opened.length > 0 ? (
            <section class="opened" aria-labelledby="opened-heading">
              <h2 id="opened-heading">{t('verify.opened.heading')}</h2>
              <ul>
                {[...opened].reverse().map((o) => (
                  <li>
                    <a href={`/certificates/${o.contractNumber}`} class="contract-number">
                      {o.contractNumber}
                    </a>{' '}
                    <span class="note">{t('verify.opened.until', { time: f.instant(o.expiresAt) })}</span>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </section>
        <aside class="panel verify-aside" aria-labelledby="notice-heading">
          <h2 id="notice-heading">{t('verify.notice.heading')}</h2>
          <p>{t('verify.notice.body')}</p>
          <figure class="notice-sample">
            <div class="notice-doc" aria-hidden="true">
              <span class="sample-mark">{t('verify.notice.sample')}</span>
              {/* The notice itself is a Japanese PDF whatever the page language: show it as printed. */}
              <p class="notice-doc-title" lang="ja">
                {ja['verify.notice.docTitle']}
              </p>
              <span class="notice-line" />
              <span class="notice-line notice-line-short" />
              <dl class="notice-fields" lang="ja">
                <div>
                  <dt>
                    <span class="marker">①</span>
                    {ja['verify.contractNumber']}
                  </dt>
                  <dd>{SAMPLE_NUMBER}</dd>
                </div>
                <div>
                  <dt>
                    <span class="marker">②</span>
                    {ja['verify.authKey']}
                  </dt>
                  <dd>{SAMPLE_KEY}</dd>
                </div>
              </dl>
              <span class="notice-line" />
              <span class="notice-line" />
              <span class="notice-line notice-line-short" />
            </div>
            <figcaption>{t('verify.notice.caption')}</figcaption>
          </figure>
          <h2>{t('verify.help.heading')}</h2>
          <ul class="help-list">
            <li>{t('verify.help.reissued')}</li>
            <li>{t('verify.help.contact')}</li>
            <li>
              <a href="/obligees">{t('verify.help.obligees')}</a>
            </li>
          </ul>
        </aside>
      </div>
    </Layout>
  );
}
