// Pages that mailed links open: the key notice download, the subscription confirmation and the unsubscribe page.
// A link never acts on GET (mail scanners fetch links): the page names what it will do and one button does it.
// Expired, used, altered or outdated links get a page that says plainly what happened and what to do next.
import type { MessageKey } from '../../src/i18n/index.js';
import { formats } from '../../src/i18n/format.js';
import { Layout, type PageProps } from '../layout.js';
import { FollowUpStyle } from './follow-up-styles.js';

export interface LinkTarget {
  contractNumber: string;
  worksName: string;
  obligeeName: string;
}

export type MailLinkView =
  | { kind: 'notice'; status: 'ok'; target: LinkTarget; expiresAt: string; token: string }
  | { kind: 'notice'; status: 'used'; target: LinkTarget; usedAt: string }
  | { kind: 'notice'; status: 'expired' | 'invalid' | 'reissued' | 'unavailable' }
  | { kind: 'confirm' | 'unsubscribe'; status: 'ok'; target: LinkTarget; token: string }
  | { kind: 'confirm' | 'unsubscribe'; status: 'done'; target?: LinkTarget | undefined }
  | { kind: 'confirm' | 'unsubscribe'; status: 'gone' | 'expired' | 'invalid' };

export interface MailLinkPageProps extends PageProps {
  view: MailLinkView;
  issuerName: string;
}

const ACTIONS = {
  notice: { title: 'link.notice.title', lead: 'link.notice.lead', submit: 'link.notice.submit', path: '/mail/notice' },
  confirm: {
    title: 'link.confirm.title',
    lead: 'link.confirm.lead',
    submit: 'link.confirm.submit',
    path: '/mail/subscriptions/confirm',
  },
  unsubscribe: {
    title: 'link.unsubscribe.title',
    lead: 'link.unsubscribe.lead',
    submit: 'link.unsubscribe.submit',
    path: '/mail/unsubscribe',
  },
} as const satisfies Record<string, { title: MessageKey; lead: MessageKey; submit: MessageKey; path: string }>;

/** Heading, explanation and next step for every outcome that is not "go ahead". */
function outcomeKeys(view: MailLinkView): { heading: MessageKey; body: MessageKey; next?: MessageKey; ok: boolean } {
  const k = view.kind;
  switch (view.status) {
    case 'expired':
      return { heading: 'link.expired.heading', body: 'link.expired.body', next: `link.${k}.expired.next`, ok: false };
    case 'invalid':
      return { heading: 'link.invalid.heading', body: 'link.invalid.body', next: `link.${k}.invalid.next`, ok: false };
    case 'used':
      return {
        heading: 'link.notice.used.heading',
        body: 'link.notice.used.body',
        next: 'link.notice.used.next',
        ok: false,
      };
    case 'reissued':
      return { heading: 'link.reissued.heading', body: 'link.reissued.body', ok: false };
    case 'unavailable':
      return { heading: 'link.unavailable.heading', body: 'link.unavailable.body', ok: false };
    case 'gone':
      return k === 'unsubscribe'
        ? { heading: 'link.unsubscribe.done.heading', body: 'link.unsubscribe.gone.body', ok: true }
        : {
            heading: 'link.confirm.gone.heading',
            body: 'link.confirm.gone.body',
            next: 'link.confirm.expired.next',
            ok: false,
          };
    case 'done':
      return k === 'unsubscribe'
        ? { heading: 'link.unsubscribe.done.heading', body: 'link.unsubscribe.done.body', ok: true }
        : { heading: 'link.confirm.done.heading', body: 'link.confirm.done.body', ok: true };
    case 'ok':
      return { heading: ACTIONS[k].title, body: ACTIONS[k].lead, ok: true };
  }
}

export function MailLinkPage(props: MailLinkPageProps) {
  const { t, lang, view } = props;
  const f = formats(lang);
  const o = outcomeKeys(view);
  const vars = { issuer: props.issuerName, time: view.status === 'used' ? f.instant(view.usedAt) : '' };
  const target = 'target' in view ? view.target : undefined;
  const data = lang === 'ja' ? undefined : 'ja';
  const title = o.ok ? t(o.heading) : `${t('a11y.errorPrefix')}: ${t(o.heading)}`;
  return (
    <Layout {...props} title={title} noindex>
      <FollowUpStyle nonce={props.nonce} />
      <section class="panel mail-link" aria-labelledby="link-heading">
        <h1 id="link-heading">{t(o.heading)}</h1>
        <div class={o.ok ? undefined : 'error-summary'} role={o.ok ? undefined : 'alert'}>
          <p>{t(o.body, vars)}</p>
        </div>
        {o.next ? (
          <>
            <h2>{t('link.next.heading')}</h2>
            <p>{t(o.next, vars)}</p>
          </>
        ) : null}
        {target ? (
          <dl class="check-meta">
            <div>
              <dt>{t('field.contractNumber')}</dt>
              <dd class="contract-number">{target.contractNumber}</dd>
            </div>
            {target.worksName ? (
              <div>
                <dt>{t('field.worksName')}</dt>
                <dd lang={data}>{target.worksName}</dd>
              </div>
            ) : null}
            {target.obligeeName ? (
              <div>
                <dt>{t('field.obligee')}</dt>
                <dd lang={data}>{target.obligeeName}</dd>
              </div>
            ) : null}
            {view.kind === 'notice' && view.status === 'ok' ? (
              <div>
                <dt>{t('link.notice.expires')}</dt>
                <dd>{f.instant(view.expiresAt)}</dd>
              </div>
            ) : null}
          </dl>
        ) : null}
        {view.status === 'ok' ? (
          <form method="post" action={`${ACTIONS[view.kind].path}/${view.token}`}>
            {view.kind === 'notice' ? <p>{t('link.notice.once')}</p> : null}
            <button type="submit" class="button-primary">
              {t(ACTIONS[view.kind].submit)}
            </button>
          </form>
        ) : null}
        <p>
          <a href="/" class="back-link">
            {t('link.back')}
          </a>
        </p>
      </section>
    </Layout>
  );
}
