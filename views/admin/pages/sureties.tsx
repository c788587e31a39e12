// 全体トップ, 保証契約一覧 (search + pages), 電子保証概要 (every version, why hidden, per-version diff, key on demand,
// lifecycle actions limited to what the history rules allow) and the action forms.
import type { Child } from 'hono/jsx';
import type { Product } from '../../../src/domain/certificate.js';
import type { VersionEvent } from '../../../src/domain/history.js';
import { maskEmail } from '../../../src/domain/mask-email.js';
import type { FlatFields } from '../../../src/services/staff/certificate-form.js';
import type { Draft } from '../../../src/services/staff/drafts.js';
import { STUCK_AFTER_MS } from '../../../src/services/staff/recovery.js';
import type { SuretyDetail } from '../../../src/services/staff/surety-detail.js';
import type { SuretyListFilters, SuretyListRow } from '../../../src/services/staff/surety-search.js';
import { formats } from '../../../src/i18n/format.js';
import { AdminLayout, Csrf, Field, type AdminPageProps } from '../layout.js';
import { CertificateFields, RATIO_SCRIPT } from './forms.js';
import { ReviewTable, versionName } from './version-review.js';

const PRODUCTS: Product[] = ['advance_payment', 'intermediate_advance_payment', 'contract'];

export function DraftTable(props: AdminPageProps & { drafts: Draft[]; caption: string }) {
  const { at } = props;
  const f = formats(props.lang);
  if (props.drafts.length === 0) return <p class="empty">{at('drafts.none')}</p>;
  return (
    <div class="table-scroll">
      <table class="admin-table">
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{at('drafts.kind')}</th>
            <th scope="col">{at('drafts.target')}</th>
            <th scope="col">{at('drafts.by')}</th>
            <th scope="col">{at('drafts.at')}</th>
            <th scope="col">{at('drafts.status')}</th>
            <th scope="col">{at('drafts.open')}</th>
          </tr>
        </thead>
        <tbody>
          {props.drafts.map((d) => (
            <tr>
              <td>{at(`event.${d.kind as VersionEvent | 'import'}`)}</td>
              <td class="contract-number">{d.contract_number ?? '—'}</td>
              <td>{d.drafted_by_email}</td>
              <td>{f.instant(d.drafted_at)}</td>
              <td>{at(`draftStatus.${d.status as 'pending'}`)}</td>
              <td>
                <a href={`/admin/drafts/${d.id}`}>{at('drafts.open')}</a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function DashboardPage(
  props: AdminPageProps & {
    pending: Draft[];
    recent: { at: string; contractNumber: string | null; action: string }[];
    /** Panels of other areas (the mail panel, for roles that can act on it). */
    notices?: Child;
  },
) {
  const { at } = props;
  const f = formats(props.lang);
  const stuck = props.pending.some((d) => d.status === 'publishing');
  return (
    <AdminLayout {...props} title={at('dashboard.heading')} current="dashboard">
      <h1>{at('dashboard.heading')}</h1>
      {stuck ? <p class="flash flash-warn">{at('dashboard.stuck')}</p> : null}
      {stuck && props.staff?.role === 'approver' ? (
        <form method="post" action="/admin/drafts/recover" class="panel">
          <Csrf staff={props.staff} />
          <p class="note">{at('dashboard.recoverNote', { minutes: STUCK_AFTER_MS / 60_000 })}</p>
          <button type="submit" class="button-secondary">
            {at('dashboard.recover')}
          </button>
        </form>
      ) : null}
      {props.notices}
      <section class="panel" aria-labelledby="pending-h">
        <h2 id="pending-h">{at('dashboard.pending')}</h2>
        <DraftTable {...props} drafts={props.pending} caption={at('dashboard.pending')} />
      </section>
      <section class="panel" aria-labelledby="recent-h">
        <h2 id="recent-h">{at('dashboard.recent')}</h2>
        {props.recent.length === 0 ? (
          <p class="empty">{at('dashboard.recentNone')}</p>
        ) : (
          <ul>
            {props.recent.map((r) => (
              <li>
                {f.instant(r.at)}{' '}
                {r.contractNumber ? <a href={`/admin/sureties/${r.contractNumber}`}>{r.contractNumber}</a> : null}{' '}
                {at(`event.${r.action.replace('surety.', '').replace('publish', 'issue') as VersionEvent}`)}
              </li>
            ))}
          </ul>
        )}
      </section>
    </AdminLayout>
  );
}

export function SuretyListPage(
  props: AdminPageProps & {
    filters: SuretyListFilters;
    query: string;
    obligees: { id: string; name: string }[];
    result: { rows: SuretyListRow[]; total: number; page: number; pages: number };
  },
) {
  const { at, t, filters, result } = props;
  const f = formats(props.lang);
  const pageHref = (p: number) => `/admin/sureties?${props.query ? `${props.query}&` : ''}page=${p}`;
  return (
    <AdminLayout {...props} title={at('list.heading')} current="sureties">
      <h1>{at('list.heading')}</h1>
      <section class="panel" aria-labelledby="search-h">
        <h2 id="search-h">{at('list.search')}</h2>
        <form method="get" action="/admin/sureties" role="search">
          <div class="search-grid">
            <Field
              name="contractNumber"
              label={at('list.contractNumber')}
              value={filters.contractNumber}
              type="search"
            />
            <Field name="worksName" label={at('list.worksName')} value={filters.worksName} type="search" />
            <Field name="contractor" label={at('list.contractor')} value={filters.contractor} type="search" />
            <Field name="obligeeId" label={at('list.obligee')}>
              <select id="f-obligeeId" name="obligeeId">
                <option value="">{at('list.any')}</option>
                {props.obligees.map((o) => (
                  <option value={o.id} selected={filters.obligeeId === o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field name="product" label={at('list.product')}>
              <select id="f-product" name="product">
                <option value="">{at('list.any')}</option>
                {PRODUCTS.map((p) => (
                  <option value={p} selected={filters.product === p}>
                    {t(`product.${p}`)}
                  </option>
                ))}
              </select>
            </Field>
            <Field name="status" label={at('list.status')}>
              <select id="f-status" name="status">
                <option value="">{at('list.any')}</option>
                {(['active', 'expired', 'cancelled'] as const).map((s) => (
                  <option value={s} selected={filters.status === s}>
                    {at(`status.${s}`)}
                  </option>
                ))}
              </select>
            </Field>
            <Field name="from" label={at('list.from')} type="date" value={filters.from} />
            <Field name="to" label={at('list.to')} type="date" value={filters.to} />
          </div>
          <button class="button-primary" type="submit">
            {at('list.submit')}
          </button>
        </form>
      </section>
      <p role="status">{at('list.count', { pages: result.pages, total: result.total, page: result.page })}</p>
      {result.rows.length === 0 ? (
        <p class="empty">{at('list.none')}</p>
      ) : (
        <div class="table-scroll">
          <table class="admin-table">
            <caption class="visually-hidden">{at('list.heading')}</caption>
            <thead>
              <tr>
                <th scope="col">{at('list.no')}</th>
                <th scope="col">{at('list.product')}</th>
                <th scope="col">{at('list.contractNumber')}</th>
                <th scope="col">{at('list.obligee')}</th>
                <th scope="col">{at('list.worksName')}</th>
                <th scope="col">{at('list.contractor')}</th>
                <th scope="col">{at('list.amount')}</th>
                <th scope="col">{at('list.status')}</th>
                <th scope="col">{at('list.created')}</th>
                <th scope="col">{at('list.detail')}</th>
              </tr>
            </thead>
            <tbody>
              {result.rows.map((r, i) => (
                <tr>
                  <td>{(result.page - 1) * 20 + i + 1}</td>
                  <td>{t(`product.${r.product as Product}`)}</td>
                  <td class="contract-number">{r.contractNumber}</td>
                  <td>{r.obligeeName}</td>
                  <td>{r.worksName}</td>
                  <td>{r.contractorName}</td>
                  <td class="num">{r.contractAmount === null ? '—' : f.money(r.contractAmount)}</td>
                  <td>{at(`status.${r.status as 'active'}`)}</td>
                  <td>{f.instant(r.createdAt)}</td>
                  <td>
                    <a
                      href={`/admin/sureties/${r.contractNumber}`}
                      aria-label={at('list.detailLabel', { number: r.contractNumber })}
                    >
                      {at('list.detail')}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label={at('list.pagination')}>
        {result.page > 1 ? <a href={pageHref(result.page - 1)}>{at('list.prev')}</a> : null}
        {result.page < result.pages ? <a href={pageHref(result.page + 1)}>{at('list.next')}</a> : null}
      </nav>
    </AdminLayout>
  );
}

/** Unhides the 印刷 button (it needs a script) and prints: the print stylesheet leaves only the key sheet. */
export const PRINT_SCRIPT = `(function(){var b=document.querySelector('[data-print]');if(!b)return;b.hidden=false;b.addEventListener('click',function(){window.print()});})();`;

export function SuretyDetailPage(
  props: AdminPageProps & {
    detail: SuretyDetail;
    authKey?: string | undefined;
    /** With the key shown: where officers verify, and when the page was made (both printed on the key sheet). */
    keySheet?: { verifyUrl: string; at: string } | undefined;
    drafts: Draft[];
  },
) {
  const { at, t, detail, staff } = props;
  const f = formats(props.lang);
  const { state } = detail;
  const c = state.current.certificate;
  const n = state.contractNumber;
  const canKey = staff?.role === 'clerk' || staff?.role === 'approver';
  const isClerk = staff?.role === 'clerk';
  return (
    <AdminLayout
      {...props}
      title={at('detail.heading', { product: t(`product.${c.product}`) })}
      current="sureties"
      script={props.authKey ? PRINT_SCRIPT : undefined}
    >
      <h1>{at('detail.heading', { product: t(`product.${c.product}`) })}</h1>
      <p class="note">{at('detail.latestNote')}</p>
      <div class={`banner banner-${state.status}`}>
        <span class="badge">{at(`status.${state.status}`)}</span>
      </div>
      {c.guaranteePeriod.to < c.works.period.to ? <p class="flash flash-warn">{at('detail.periodWarning')}</p> : null}
      <section class="panel" aria-labelledby="summary-h">
        <h2 id="summary-h" class="visually-hidden">
          {at('detail.heading', { product: t(`product.${c.product}`) })}
        </h2>
        <table class="fields">
          <tbody>
            <tr>
              <th scope="row">{t('field.contractNumber')}</th>
              <td class="contract-number">{n}</td>
            </tr>
            <tr>
              <th scope="row">{t('field.contractor')}</th>
              <td>{c.contractor.name}</td>
            </tr>
            {c.jointVenture ? (
              <tr>
                <th scope="row">{t('field.jointVenture')}</th>
                <td>{c.jointVenture.name}</td>
              </tr>
            ) : null}
            <tr>
              <th scope="row">{t('field.worksName')}</th>
              <td>{c.works.name}</td>
            </tr>
            <tr>
              <th scope="row">{t('field.obligee')}</th>
              <td>{c.obligee.title ?? c.obligee.name}</td>
            </tr>
            <tr>
              <th scope="row">{t('field.contractAmount')}</th>
              <td>{f.money(c.contractAmount)}</td>
            </tr>
            <tr>
              <th scope="row">{t('field.guaranteeAmount')}</th>
              <td>{f.money(c.guaranteeAmount)}</td>
            </tr>
            <tr>
              <th scope="row">{t('field.product')}</th>
              <td>{t(`product.${c.product}`)}</td>
            </tr>
            {c.depositBank ? (
              <tr>
                <th scope="row">{t('field.depositBank')}</th>
                <td>{c.depositBank}</td>
              </tr>
            ) : null}
            <tr>
              <th scope="row">{t('field.guaranteePeriod')}</th>
              <td>{f.period(c.guaranteePeriod, t('period.separator'))}</td>
            </tr>
            {(
              [
                ['field.contactDepartment', detail.contractorContact?.department],
                ['field.contactName', detail.contractorContact?.name],
                ['field.contactPhone', detail.contractorContact?.phone],
              ] as const
            ).map(([label, value]) =>
              value ? (
                <tr>
                  <th scope="row">{t(label)}</th>
                  <td>{value}</td>
                </tr>
              ) : null,
            )}
          </tbody>
        </table>
      </section>
      {canKey ? (
        <section class="panel" aria-labelledby="key-h">
          <h2 id="key-h">{at('detail.key.heading')}</h2>
          <p class="note">{at('detail.key.note')}</p>
          {props.authKey ? (
            <div class="button-row">
              <span class="key-box" aria-label={at('detail.key.shown')}>
                {props.authKey}
              </span>
              <button type="button" class="button-secondary no-print" data-print hidden>
                {at('detail.key.print')}
              </button>
              <p class="note">{at('detail.key.printHelp')}</p>
            </div>
          ) : (
            <form method="post" action={`/admin/sureties/${n}/key`}>
              <Csrf staff={staff} />
              <button type="submit" class="button-secondary">
                {at('detail.key.show')}
              </button>
              <p class="note">{at('detail.key.audit')}</p>
            </form>
          )}
          {isClerk ? (
            <form method="post" action={`/admin/sureties/${n}/reissue`} class="no-print">
              <Csrf staff={staff} />
              <p class="note">{at('detail.reissue.note')}</p>
              <Field name="reason" label={at('detail.reissue.reason')} required requiredLabel={at('draft.required')} />
              <button type="submit" class="button-secondary">
                {at('detail.reissue')}
              </button>
            </form>
          ) : null}
        </section>
      ) : null}
      <section class="panel no-print" aria-labelledby="docs-h">
        <h2 id="docs-h">{at('detail.docs.heading')}</h2>
        <div class="button-row">
          <a class="button-secondary" href={`/admin/sureties/${n}/certificate.pdf`} download>
            {at('detail.docs.certificate')}
          </a>
          {canKey ? (
            <form method="post" action={`/admin/sureties/${n}/notice.pdf`}>
              <Csrf staff={staff} />
              <button type="submit" class="button-secondary">
                {at('detail.docs.notice')}
              </button>
            </form>
          ) : null}
        </div>
        {canKey ? <p class="note">{at('detail.docs.noticeNote')}</p> : null}
      </section>
      {isClerk ? (
        <section class="panel no-print" aria-labelledby="actions-h">
          <h2 id="actions-h">{at('detail.actions')}</h2>
          {detail.allowed.length === 0 ? (
            <p>{at('detail.actionsNone')}</p>
          ) : (
            <div class="button-row">
              {detail.allowed.map((e) => (
                <a class="button-secondary" href={`/admin/sureties/${n}/actions/${e}`}>
                  {at(`event.${e}`)}
                </a>
              ))}
            </div>
          )}
        </section>
      ) : null}
      <section class="panel" aria-labelledby="history-h">
        <h2 id="history-h">{at('detail.history')}</h2>
        <p class="note">{at('detail.historyNote')}</p>
        {detail.versions.map(({ version: v, no, hiddenBecause, changes }) => {
          const visibleLabel = hiddenBecause
            ? hiddenBecause.kind === 'cancellation_record'
              ? at('detail.hidden.cancellation_record')
              : hiddenBecause.kind === 'corrected'
                ? at('detail.hidden.corrected', { by: hiddenBecause.byNo ?? '—' })
                : at('detail.hidden.change_cancelled', { by: hiddenBecause.by })
            : at('detail.visible');
          const target = v.target === null ? undefined : detail.versions.find((x) => x.version.seq === v.target);
          return (
            <section class={hiddenBecause ? 'version is-hidden' : 'version'} aria-labelledby={`v${v.seq}`}>
              <h3 id={`v${v.seq}`}>
                {no === null ? at('detail.noNumber') : `No.${no}`}
                {at('fmt.colon')}
                {at(`event.${v.event}`)} <span class={hiddenBecause ? 'tag tag-warn' : 'tag'}>{visibleLabel}</span>{' '}
                <span class="seq">{at('detail.internalSeq', { seq: v.seq })}</span>
              </h3>
              <p>
                {at('detail.issuedAt')}
                {at('fmt.colon')}
                {f.instant(v.issuedAt)}
                {v.reason ? `${at('fmt.gap')}${at('detail.reason')}${at('fmt.colon')}${v.reason}` : ''}
                {target
                  ? `${at('fmt.gap')}${at('detail.target', { name: versionName(at, { no: target.no, seq: target.version.seq }) })}`
                  : ''}
              </p>
              {changes.length === 0 ? (
                <p class="note">{at('detail.diffNone')}</p>
              ) : (
                <details open={v.seq !== 1}>
                  <summary>
                    {at('detail.diff')}
                    {at('fmt.paren', { text: String(changes.length) })}
                  </summary>
                  <ReviewTable
                    t={t}
                    at={at}
                    lang={props.lang}
                    rows={changes}
                    caption={`${at('detail.diff')} ${no === null ? at('detail.noNumber') : `No.${no}`} ${at('detail.internalSeq', { seq: v.seq })}`}
                  />
                </details>
              )}
            </section>
          );
        })}
      </section>
      {props.drafts.length > 0 ? (
        <section class="panel" aria-labelledby="drafts-h">
          <h2 id="drafts-h">{at('detail.drafts')}</h2>
          <DraftTable {...props} drafts={props.drafts} caption={at('detail.drafts')} />
        </section>
      ) : null}
      {props.authKey ? <KeySheet {...props} authKey={props.authKey} /> : null}
    </AdminLayout>
  );
}

/**
 * The printed key: hidden on screen; in print, the only thing on the page (views/admin/styles.ts). Printing needs no
 * request at all, so the key never travels in a URL or a query.
 */
function KeySheet(
  props: AdminPageProps & { detail: SuretyDetail; authKey: string; keySheet?: { verifyUrl: string; at: string } },
) {
  const { at, t, detail } = props;
  const f = formats(props.lang);
  const c = detail.state.current.certificate;
  const first = detail.state.visible[0];
  return (
    <section class="print-sheet" aria-labelledby="print-h">
      <h2 id="print-h">{at('detail.key.printTitle')}</h2>
      <p>{at('detail.key.printLead')}</p>
      <table class="fields">
        <tbody>
          <tr>
            <th scope="row">{t('field.contractNumber')}</th>
            <td class="print-number">{detail.state.contractNumber}</td>
          </tr>
          <tr>
            <th scope="row">{at('detail.key.heading')}</th>
            <td class="print-key">{props.authKey}</td>
          </tr>
          <tr>
            <th scope="row">{t('field.product')}</th>
            <td>{t(`product.${c.product}`)}</td>
          </tr>
          <tr>
            <th scope="row">{t('field.obligee')}</th>
            <td>{c.obligee.title ?? c.obligee.name}</td>
          </tr>
          <tr>
            <th scope="row">{t('field.worksName')}</th>
            <td>{c.works.name}</td>
          </tr>
          <tr>
            <th scope="row">{t('field.contractor')}</th>
            <td>{c.jointVenture?.name ?? c.contractor.name}</td>
          </tr>
          <tr>
            <th scope="row">{t('field.guaranteeAmount')}</th>
            <td>{f.money(c.guaranteeAmount)}</td>
          </tr>
          <tr>
            <th scope="row">{t('field.guaranteePeriod')}</th>
            <td>{f.period(c.guaranteePeriod, t('period.separator'))}</td>
          </tr>
          {first ? (
            <tr>
              <th scope="row">{at('detail.issuedAt')}</th>
              <td>{f.instant(first.issuedAt)}</td>
            </tr>
          ) : null}
        </tbody>
      </table>
      <p>{at('detail.key.printChars')}</p>
      {props.keySheet ? (
        <>
          <p>{at('detail.key.printWhere', { url: props.keySheet.verifyUrl })}</p>
          <p class="note">{at('detail.key.printedAt', { at: f.instant(props.keySheet.at) })}</p>
        </>
      ) : null}
    </section>
  );
}

export function ActionPage(
  props: AdminPageProps & {
    detail: SuretyDetail;
    event: Exclude<VersionEvent, 'issue'>;
    values: FlatFields;
    reason: string;
    errors: Record<string, string[]>;
    formError?: string | undefined;
    /** The clerk's own sent-back application being corrected: sent again as the same application. */
    applicationId?: string | undefined;
  },
) {
  const { at, detail, event, staff } = props;
  const n = detail.state.contractNumber;
  const current = detail.versions.find((v) => v.version.seq === detail.state.current.seq);
  const editing = event === 'change' || event === 'correction';
  const heading = at('action.heading', { event: at(`event.${event}`), number: n });
  return (
    <AdminLayout {...props} title={heading} current="sureties" script={editing ? RATIO_SCRIPT : undefined}>
      <h1>{heading}</h1>
      {props.applicationId ? <p class="flash">{at('app.editing')}</p> : null}
      <p>{at(`action.lead.${event}`, { no: current?.no ?? '—' })}</p>
      {editing ? (
        <p class="note">
          {at('review.contractorEmail')}
          {at('fmt.colon')}
          {detail.contractorEmail ? maskEmail(detail.contractorEmail) : at('review.contractorEmailNone')}
          <br />
          {at('action.contractorEmailElsewhere', { number: n })}
        </p>
      ) : null}
      {props.formError ? (
        <div class="error-summary" role="alert">
          <p>{props.formError}</p>
        </div>
      ) : null}
      <form method="post" action={`/admin/sureties/${n}/actions/${event}`} class="panel">
        <Csrf staff={staff} />
        {props.applicationId ? <input type="hidden" name="applicationId" value={props.applicationId} /> : null}
        {editing ? (
          <CertificateFields
            t={props.t}
            at={at}
            product={detail.state.current.certificate.product}
            values={props.values}
            errors={props.errors}
            certificateOnly
          />
        ) : null}
        <Field name="reason" label={at('action.reason')} value={props.reason} errors={props.errors.reason} />
        <button class="button-primary" type="submit">
          {at('action.submit')}
        </button>
      </form>
    </AdminLayout>
  );
}
