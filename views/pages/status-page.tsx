// The contractor's status page (/status): number + key in, then arrival time, views, receipt confirmations and
// notice downloads of the guarantee. Shown only in answer to a successful check; never cached.
import { lineageOf, storyOf } from '../../src/domain/version-story.js';
import { storyText } from '../../src/i18n/story.js';
import type { ContractorStatus } from '../../src/services/contractor-status.js';
import { formats } from '../../src/i18n/format.js';
import { Layout, type PageProps } from '../layout.js';
import { attemptMessages, type AttemptProps } from './attempt-message.js';
import { FollowUpStyle } from './follow-up-styles.js';

export interface StatusPageProps extends PageProps, AttemptProps {
  contractNumber?: string | undefined;
  status?: ContractorStatus | undefined;
}

export function StatusPage(props: StatusPageProps) {
  const { t } = props;
  const message = attemptMessages(t, formats(props.lang), props);
  const keyInvalid = props.error === 'no_match';
  const title = message ? `${t('a11y.errorPrefix')}: ${t('status.heading')}` : t('status.heading');
  return (
    <Layout
      {...props}
      title={props.status ? `${t('status.result.heading')} ${props.status.state.contractNumber}` : title}
      current="status"
      noindex
    >
      <FollowUpStyle nonce={props.nonce} />
      {props.status ? <StatusResult {...props} status={props.status} /> : null}
      <section class="panel verify-form" aria-labelledby="status-heading">
        {props.status ? (
          <h2 id="status-heading">{t('status.again')}</h2>
        ) : (
          <h1 id="status-heading">{t('status.heading')}</h1>
        )}
        <p class="lead">{t('status.lead')}</p>
        {message ? (
          <div class="error-summary" role="alert" aria-labelledby="error-heading">
            <h2 id="error-heading">{t('verify.error.heading')}</h2>
            {message.map((line, i) => (
              <p id={i === 0 ? 'error-message' : undefined}>{line}</p>
            ))}
          </div>
        ) : null}
        <form method="post" action="/status">
          <div class="field">
            <label for="contractNumber">{t('verify.contractNumber')}</label>
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
              value={props.status ? '' : (props.contractNumber ?? '')}
            />
          </div>
          <div class="field">
            <label for="authKey">{t('verify.authKey')}</label>
            <p class="help" id="authKey-help">
              {t('verify.authKey.help')}
            </p>
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
              autofocus={keyInvalid || undefined}
            />
          </div>
          <div class="status-actions">
            <button type="submit" class="button-primary">
              {t('status.submit')}
            </button>
            <button type="submit" class="button-secondary" formaction="/status/notice">
              {t('status.notice.submit')}
            </button>
          </div>
          <p class="note">{t('status.notice.note')}</p>
        </form>
      </section>
    </Layout>
  );
}

function StatusResult(props: StatusPageProps & { status: ContractorStatus }) {
  const { t, lang, status } = props;
  const { state } = status;
  const f = formats(lang);
  const c = state.current.certificate;
  // Every officer's confirmation of a row, oldest first: one line each, with its department and name. A row replaced
  // by a 訂正 keeps the confirmations of the version it corrected (marked so), or /status would flip back to 未確認
  // after a mere data fix — the very phone call it is there to prevent.
  const receiptsOf = (seq: number) => {
    const lineage = lineageOf(state.versions, seq);
    return status.receipts.filter((r) => lineage.includes(r.seq));
  };
  const entries = (seq: number, key: 'status.receipt.current' | 'status.receipt.row') => {
    const list = receiptsOf(seq);
    if (list.length === 0) return t('status.receipt.none');
    return (
      <ul class="receipt-entries">
        {list.map((r) => (
          <li>
            {t(key, { time: f.instant(r.confirmedAt), department: r.department, name: r.officerName })}
            {r.seq !== seq ? t('status.receipt.beforeCorrection') : ''}
          </li>
        ))}
      </ul>
    );
  };
  // When a row's first version reached the platform, when a 訂正 has since replaced it (the row shows the 訂正's time).
  const firstArrival = (seq: number) => {
    const first = lineageOf(state.versions, seq).at(-1);
    return first !== undefined && first !== seq ? state.versions.find((v) => v.seq === first)?.issuedAt : undefined;
  };
  const data = lang === 'ja' ? undefined : 'ja';
  return (
    <section class="panel" aria-labelledby="result-heading">
      <h1 id="result-heading">{t('status.result.heading')}</h1>
      <div class={`banner banner-${state.status}`} role="status">
        <span class="badge">{t(`cert.status.${state.status}`)}</span>
        <span>{t(`cert.banner.${state.status}`)}</span>
      </div>
      <dl class="check-meta status-facts">
        <div>
          <dt>{t('field.contractNumber')}</dt>
          <dd class="contract-number">{state.contractNumber}</dd>
        </div>
        <div>
          <dt>{t('field.product')}</dt>
          <dd>{t(`product.${c.product}`)}</dd>
        </div>
        <div>
          <dt>{t('field.worksName')}</dt>
          <dd lang={data}>{c.works.name}</dd>
        </div>
        <div>
          <dt>{t('field.obligee')}</dt>
          <dd lang={data}>{c.obligee.name}</dd>
        </div>
        <div>
          <dt>{t('status.arrivedAt')}</dt>
          <dd>{f.instant(status.arrivedAt)}</dd>
        </div>
        <div>
          <dt>{t('status.views')}</dt>
          <dd>
            {status.views.count > 0
              ? t('status.views.count', { count: status.views.count, time: f.instant(status.views.lastAt ?? '') })
              : t('status.views.none')}
          </dd>
        </div>
        <div>
          <dt>{t('status.receipt')}</dt>
          <dd>{entries(state.current.seq, 'status.receipt.current')}</dd>
        </div>
      </dl>
      <p class="note">{t('status.views.note')}</p>

      <h2 id="status-history-heading">{t('status.history.heading')}</h2>
      <div class="table-scroll">
        <table class="history-table" aria-labelledby="status-history-heading">
          <thead>
            <tr>
              <th scope="col" class="col-no">
                {t('history.no')}
              </th>
              <th scope="col">{t('history.issuedAt')}</th>
              <th scope="col">{t('history.kind')}</th>
              <th scope="col">{t('status.receipt')}</th>
            </tr>
          </thead>
          <tbody>
            {state.visible.map((v, i) => {
              return (
                <tr>
                  <td class="col-no">{i + 1}</td>
                  <td>
                    {f.instant(v.issuedAt)}
                    {firstArrival(v.seq) ? (
                      <span class="first-arrival">
                        {t('status.firstArrival', { time: f.instant(firstArrival(v.seq) ?? '') })}
                      </span>
                    ) : null}
                  </td>
                  <td>{storyText(t, storyOf(state.versions, v.seq))}</td>
                  <td class="receipt-cell">{entries(v.seq, 'status.receipt.row')}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p class="note">{t('history.issuedAtNote')}</p>

      <h2>{t('status.downloads.heading')}</h2>
      {status.noticeDownloads.length > 0 ? (
        <ul>
          {status.noticeDownloads.map((d) => (
            <li>
              {t(d.via === 'status' ? 'status.downloads.itemStatus' : 'status.downloads.item', {
                time: f.instant(d.at),
              })}
            </li>
          ))}
        </ul>
      ) : (
        <p>{t('status.downloads.none')}</p>
      )}
      <p class="note">{t('status.downloads.note')}</p>
    </section>
  );
}
