// /verify-file: anyone can check a downloaded certificate or receipt (PDF or .jws) against this platform's keys.
// The file is checked in memory and never stored; the result lists every named check with its reason.
import type { Check, DocumentReport } from '../../src/services/verify-document.js';
import type { MessageKey } from '../../src/i18n/index.js';
import { formats } from '../../src/i18n/format.js';
import { Layout, type PageProps } from '../layout.js';
import { DocumentsStyle } from './documents-styles.js';

export interface VerifyFilePageProps extends PageProps {
  report?: DocumentReport | undefined;
  fileName?: string | undefined;
  error?: 'missing' | 'too_large' | undefined;
}

const MARK = { passed: '✓', failed: '✕', skipped: '－', not_checked: '－' } as const;

/** The catalog label of a check id (`version.signature` → 確認した版の署名). */
function label(props: VerifyFilePageProps, check: Check): string {
  const [scope, step] = check.id.includes('.') ? check.id.split('.') : [null, check.id];
  const name = props.t(`verifyFile.check.${step}` as MessageKey);
  return scope ? props.t(`verifyFile.scope.${scope}` as MessageKey, { name }) : name;
}

export function VerifyFilePage(props: VerifyFilePageProps) {
  const { t, report } = props;
  const f = formats(props.lang);
  const v = report?.ok ? report.version : null;
  const r = report?.ok ? report.receipt : null;
  // The signatures hold, but the status list or the issuer's DNS says otherwise (e.g. cancelled since).
  const attention = report?.ok === true && report.results.some((x) => x.outcome === 'failed');
  return (
    <Layout {...props} title={t('verifyFile.heading')}>
      <DocumentsStyle nonce={props.nonce} />
      <section class="panel" aria-labelledby="vf-heading">
        <h1 id="vf-heading">{t('verifyFile.heading')}</h1>
        <p class="lead">{t('verifyFile.lead')}</p>
        {props.error ? (
          <div class="error-summary" role="alert">
            <p>{t(`verifyFile.error.${props.error}`)}</p>
          </div>
        ) : null}
        <form method="post" action="/verify-file" enctype="multipart/form-data">
          <label for="vf-file">{t('verifyFile.file')}</label>
          <p class="help" id="vf-help">
            {t('verifyFile.help')}
          </p>
          <input
            type="file"
            id="vf-file"
            name="file"
            class="file-input"
            accept=".pdf,.jws,application/pdf"
            required
            aria-describedby="vf-help"
          />
          <button type="submit" class="button-primary">
            {t('verifyFile.submit')}
          </button>
        </form>
        <p class="note">{t('verifyFile.privacy')}</p>
      </section>

      {report ? (
        <section class="panel" aria-labelledby="vf-result">
          <h2 id="vf-result">{t('verifyFile.result.heading', { name: props.fileName ?? '' })}</h2>
          <div
            class={`banner ${!report.ok ? 'banner-cancelled' : attention ? 'banner-expired' : 'banner-active'}`}
            role={report.ok && !attention ? 'status' : 'alert'}
          >
            <span>
              {!report.ok
                ? t('verifyFile.result.failed')
                : report.fileType === 'pdf'
                  ? // The checks cover the attachments only: a PDF whose page was redrawn with its attachments kept
                    // passes them all, so the banner must not read as a verdict on the printed page.
                    t('verifyFile.result.okPdf')
                  : t('verifyFile.result.ok')}
            </span>
            {attention ? <span class="banner-attention">{t('verifyFile.result.attention')}</span> : null}
          </div>
          <h3>{t('verifyFile.results.heading')}</h3>
          <ol class="checks results">
            {report.results.map((r) => (
              <li class={r.outcome === 'not_checked' ? 'skipped' : r.outcome} data-result={r.id}>
                <span class="mark" aria-hidden="true">
                  {MARK[r.outcome]}
                </span>
                <span class="check-label">
                  {t(`verifyFile.results.${r.id}`)}
                  {`: ${t(`verifyFile.outcome.${r.outcome}`)}`}
                  {r.value ? `（${t(`verifyFile.statusValue.${r.value}`)}）` : ''}
                </span>
                <span class="result-reason" lang="ja">
                  {r.reason}
                </span>
              </li>
            ))}
          </ol>
          <h3>{t('verifyFile.checks.heading')}</h3>
          <ol class="checks">
            {report.checks.map((c) => (
              <li class={c.status}>
                <span class="mark" aria-hidden="true">
                  {MARK[c.status]}
                </span>
                <span class="check-label">
                  {label(props, c)}
                  <span class="visually-hidden">{`: ${t(`verifyFile.status.${c.status}`)}`}</span>
                </span>
                <span class="check-reason" lang="ja">
                  {c.reason}
                </span>
              </li>
            ))}
          </ol>
          {v ? (
            <>
              <h3>{t('verifyFile.signed.heading')}</h3>
              <dl class="check-meta">
                <div>
                  <dt>{t('field.contractNumber')}</dt>
                  <dd class="contract-number">{`${v.sub} ／ seq ${v.seq}`}</dd>
                </div>
                <div>
                  <dt>{t('field.product')}</dt>
                  <dd>{t(`product.${v.certificate.product}`)}</dd>
                </div>
                <div>
                  <dt>{t('field.obligee')}</dt>
                  <dd lang="ja">{v.certificate.obligee.title ?? v.certificate.obligee.name}</dd>
                </div>
                <div>
                  <dt>{t('field.contractor')}</dt>
                  <dd lang="ja">{v.certificate.jointVenture?.name ?? v.certificate.contractor.name}</dd>
                </div>
                <div>
                  <dt>{t('field.worksName')}</dt>
                  <dd lang="ja">{v.certificate.works.name}</dd>
                </div>
                <div>
                  <dt>{t('field.guaranteeAmount')}</dt>
                  <dd>{f.money(v.certificate.guaranteeAmount)}</dd>
                </div>
                <div>
                  <dt>{t('field.guaranteePeriod')}</dt>
                  <dd>{f.period(v.certificate.guaranteePeriod, t('period.separator'))}</dd>
                </div>
                <div>
                  <dt>{t('field.issuedAt')}</dt>
                  <dd>{f.instant(v.issuedAt)}</dd>
                </div>
              </dl>
              <p class="note">{t('verifyFile.signed.note')}</p>
            </>
          ) : null}
          {r ? (
            <>
              <h3>{t('verifyFile.receipt.heading')}</h3>
              <dl class="check-meta">
                <div>
                  <dt>{t('vr.rid')}</dt>
                  <dd class="contract-number">{r.rid}</dd>
                </div>
                <div>
                  <dt>{t('vr.checkedAt')}</dt>
                  <dd>{f.instant(r.issuedAt)}</dd>
                </div>
                <div>
                  <dt>{t('vr.officer')}</dt>
                  <dd lang="ja">
                    {r.officer
                      ? [r.officer.department, r.officer.name].filter((x) => !!x).join('\u3000')
                      : t('vr.officer.none')}
                  </dd>
                </div>
              </dl>
            </>
          ) : null}
        </section>
      ) : null}
    </Layout>
  );
}
