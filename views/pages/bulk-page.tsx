// /bulk: the accounting department's CSV upload of many number + key pairs (DESIGN §11), the result table (status,
// amounts and period, last change, findings) and the same table as a CSV file for Excel. While the upload is being
// verified, a progress bar says so (the one form post is the only code path; the bar is shown by its submit event).
import type { Formats } from '../../src/i18n/format.js';
import { Layout, type PageProps } from '../layout.js';
import { DocumentsStyle } from './documents-styles.js';
import { FindingsStyle } from './findings-panel.js';
import type { GuaranteeSummary } from '../../src/services/verification-rows.js';

export type BulkOutcome = 'ok' | 'no_match' | 'throttled' | 'invalid';

export interface BulkPageRow {
  line: number;
  contractNumber: string;
  outcome: BulkOutcome;
  summary?: GuaranteeSummary | undefined;
  /** Finding messages (ok) or why the row could not be read (invalid). */
  notes: string[];
}

export interface BulkPageProps extends PageProps {
  f: Formats;
  error?: { key: 'missing' | 'too_large' | 'too_many' | 'headers' | 'empty' | 'throttled' | 'csv'; detail?: string };
  rows?: BulkPageRow[] | undefined;
  /** The result file as a data: URL (UTF-8 with BOM), and its name. */
  download?: { href: string; filename: string } | undefined;
  /** When throttled items may be tried again (ISO instant), if any were throttled. */
  retryAt?: string | undefined;
}

const PROGRESS_SCRIPT =
  "document.querySelectorAll('form[data-progress]').forEach(function(f){f.addEventListener('submit',function(){" +
  "var p=document.getElementById(f.getAttribute('data-progress'));if(p){p.hidden=false;}" +
  "f.querySelectorAll('button[type=submit]').forEach(function(b){b.disabled=true;});});});";

const css = `
.bulk-progress { margin:.75rem 0; }
.bulk-progress progress { width:100%; max-width:26rem; height:1.2rem; }
.bulk-table td, .bulk-table th { vertical-align:top; white-space:normal; font-size:.9rem; }
.bulk-table .contract-number, .bulk-table .nowrap { white-space:nowrap; }
.bulk-table .col-findings { min-width:16rem; }
.bulk-table .col-outcome { min-width:8rem; }
.bulk-table .col-status { min-width:4.5rem; }
.bulk-table .col-last { min-width:9rem; }
.bulk-table .outcome-ok { color:var(--ok); font-weight:bold; }
.bulk-table .outcome-bad { color:var(--bad); font-weight:bold; }
.bulk-table .num { text-align:right; white-space:nowrap; }
.bulk-table tr.has-finding td { background:#fdeaea; }
.bulk-table ul { margin:0; padding-left:1.1rem; }
`;

export function BulkPage(props: BulkPageProps) {
  const { t, f, rows } = props;
  const failed = rows?.filter((r) => r.outcome !== 'ok').length ?? 0;
  const withFindings = rows?.filter((r) => r.outcome === 'ok' && r.notes.length > 0).length ?? 0;
  const errorText = props.error
    ? props.error.key === 'throttled'
      ? t('bulk.error.throttled', { until: props.retryAt ? f.instant(props.retryAt) : '' })
      : props.error.key === 'csv'
        ? (props.error.detail ?? '')
        : t(`bulk.error.${props.error.key}`)
    : null;
  return (
    <Layout {...props} title={t('bulk.heading')} noindex>
      <DocumentsStyle nonce={props.nonce} />
      <FindingsStyle nonce={props.nonce} />
      <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: css }} />
      <section class="panel" aria-labelledby="bulk-heading">
        <h1 id="bulk-heading">{t('bulk.heading')}</h1>
        <p>{t('bulk.lead')}</p>
        <p class="note">{t('bulk.columns')}</p>
        {errorText ? (
          <div class="banner banner-cancelled" role="alert" id="bulk-error">
            <span lang="ja">{errorText}</span>
          </div>
        ) : null}
        <form method="post" action="/bulk" enctype="multipart/form-data" data-progress="bulk-progress">
          <div class="field">
            <label for="bulk-file">{t('bulk.file')}</label>
            <input
              type="file"
              id="bulk-file"
              name="file"
              class="file-input"
              accept=".csv,text/csv"
              required
              aria-describedby={errorText ? 'bulk-error' : undefined}
            />
          </div>
          <p class="doc-actions">
            <button type="submit" class="button-primary">
              {t('bulk.submit')}
            </button>
          </p>
          <div class="bulk-progress" id="bulk-progress" hidden>
            <label for="bulk-progress-bar">{t('bulk.progress')}</label>
            <br />
            <progress id="bulk-progress-bar" />
          </div>
        </form>
      </section>
      {rows ? (
        <section class="panel" aria-labelledby="bulk-results-heading">
          <h2 id="bulk-results-heading">{t('bulk.results')}</h2>
          <p role="status">
            {t('bulk.summary', {
              total: rows.length,
              ok: rows.length - failed,
              findings: withFindings,
              failed,
            })}
          </p>
          {props.retryAt && !props.error ? (
            <p class="note" lang="ja">
              {t('bulk.throttledNote', { until: f.instant(props.retryAt) })}
            </p>
          ) : null}
          {props.download ? (
            <p class="doc-actions">
              <a class="button-secondary" href={props.download.href} download={props.download.filename}>
                {t('bulk.download')}
              </a>
            </p>
          ) : null}
          {/* Focusable, so a keyboard user can scroll a table wider than the screen (axe scrollable-region-focusable). */}
          <div class="table-scroll" tabindex={0} role="region" aria-labelledby="bulk-results-heading">
            <table class="history-table bulk-table" aria-labelledby="bulk-results-heading">
              <thead>
                <tr>
                  <th scope="col">{t('bulk.col.line')}</th>
                  <th scope="col">{t('bulk.col.contractNumber')}</th>
                  <th scope="col" class="col-outcome">
                    {t('bulk.col.outcome')}
                  </th>
                  <th scope="col" class="col-status">
                    {t('bulk.col.status')}
                  </th>
                  <th scope="col">{t('bulk.col.amounts')}</th>
                  <th scope="col">{t('bulk.col.period')}</th>
                  <th scope="col" class="col-last">
                    {t('bulk.col.lastChange')}
                  </th>
                  <th scope="col" class="col-findings">
                    {t('bulk.col.findings')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => {
                  const s = r.summary;
                  return (
                    <tr class={r.outcome === 'ok' && r.notes.length > 0 ? 'has-finding' : undefined}>
                      <td class="num">{r.line}</td>
                      <td class="contract-number">{r.contractNumber}</td>
                      <td class={r.outcome === 'ok' ? 'outcome-ok' : 'outcome-bad'}>
                        {t(`bulk.outcome.${r.outcome}`)}
                      </td>
                      <td>{s?.status ?? ''}</td>
                      <td class="num">
                        {s ? (
                          <>
                            {f.money(s.contractAmount)}
                            <br />
                            {f.money(s.guaranteeAmount)}
                          </>
                        ) : null}
                      </td>
                      <td class="nowrap">
                        {s ? (
                          <>
                            {`${f.date(s.guaranteeFrom)} ～`}
                            <br />
                            {f.date(s.guaranteeTo)}
                          </>
                        ) : null}
                      </td>
                      <td>{s ? `No.${s.lastNo} ${s.lastKind}（${f.instant(s.lastAt)}）` : ''}</td>
                      <td lang="ja" class="col-findings">
                        {r.notes.length > 0 ? (
                          <ul>
                            {r.notes.map((n) => (
                              <li>{n}</li>
                            ))}
                          </ul>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
      <script nonce={props.nonce} dangerouslySetInnerHTML={{ __html: PROGRESS_SCRIPT }} />
    </Layout>
  );
}
