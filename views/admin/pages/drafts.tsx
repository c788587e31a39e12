// 申込の作成 (per product), 申込・承認 list, one application with approve / send back / withdraw, and 一括登録.
import type { Product } from '../../../src/domain/certificate.js';
import type { ObligeeRule } from '../../../src/domain/eligibility.js';
import type { VersionEvent } from '../../../src/domain/history.js';
import type { FlatFields } from '../../../src/services/staff/certificate-form.js';
import { COLUMNS } from '../../../src/services/staff/certificate-form.js';
import { splitAcknowledgement } from '../../../src/domain/acknowledgement.js';
import type { Draft, StoredDraft } from '../../../src/services/staff/drafts.js';
import type { CsvEncoding, RowError } from '../../../src/services/staff/import.js';
import { fieldFormatters, formats } from '../../../src/i18n/format.js';
import { formatDate } from '../../../src/domain/format.js';
import { reviewLabel, reviewValue } from '../../../src/services/staff/certificate-form.js';
import type { ImportRowReview, SetReview } from '../../../src/services/staff/draft-screen.js';
import { isEditableKind } from '../../../src/domain/application-kinds.js';
import type { ApplicationStep as DraftStepRow } from '../../../src/services/staff/revise-application.js';
import { ApplicationHistory, SendBackNotice, SetReviewTables } from './application.js';
import { BATCH_NOTICE_LIMITS } from '../../../src/domain/batch-notice-limits.js';
import { AdminLayout, Csrf, Field, type AdminPageProps } from '../layout.js';
import { DecisionFacts, DecisionForms, DiffTableHead } from './decision.js';
import { CertificateFields, fieldName, RATIO_SCRIPT } from './forms.js';
import { DraftTable } from './sureties.js';

const PRODUCTS: Product[] = ['advance_payment', 'intermediate_advance_payment', 'contract'];

/**
 * Progressive enhancement of the 申込 form: after a change, the form is sent to /admin/drafts/check (the session's
 * CSRF token included) and the obligee-rule verdict is shown next to 発注者. Without a script the same check runs on
 * submit. Its answer replaces the one of the last submission for that field.
 */
export const LIVE_CHECK_SCRIPT = `(function(){var f=document.querySelector('form[data-live-check]');if(!f||!window.fetch||!window.URLSearchParams||!window.FormData)return;var box=document.getElementById('f-obligeeId-live'),sel=document.getElementById('f-obligeeId'),old=document.getElementById('f-obligeeId-error');if(!box||!sel)return;var seq=0,timer=0;function show(msg){if(old)old.hidden=true;box.textContent='';if(msg){var p=document.createElement('p');p.className='field-error';p.textContent=msg;box.appendChild(p);sel.setAttribute('aria-invalid','true')}else sel.removeAttribute('aria-invalid')}function check(){var mine=++seq;fetch(f.getAttribute('data-live-check'),{method:'POST',body:new URLSearchParams(new FormData(f)),credentials:'same-origin',headers:{accept:'application/json'}}).then(function(r){return r.ok?r.json():null}).then(function(j){if(j&&mine===seq)show(j.obligee)}).catch(function(){})}f.addEventListener('change',function(){clearTimeout(timer);timer=setTimeout(check,250)})})();`;

export function NewDraftPage(
  props: AdminPageProps & {
    product: Product | null;
    obligees: { id: string; name: string; rules: readonly ObligeeRule[] }[];
    values: FlatFields;
    errors: Record<string, string[]>;
    formError?: string | undefined;
    /** The clerk's own 下書き or sent-back application being edited (revise-application.ts). */
    applicationId?: string | undefined;
    banner?: 'editing' | 'editingDraft' | 'restored' | undefined;
    /** Plausibility warnings to acknowledge with a reason before the application is filed. */
    acknowledge?: { warnings: string[]; reason: string } | undefined;
  },
) {
  const { at, t, product, values, errors, staff } = props;
  if (!product) {
    return (
      <AdminLayout {...props} title={at('nav.newDraft')} current="newDraft">
        <h1>{at('nav.newDraft')}</h1>
        <p>{at('draft.choose')}</p>
        <ul>
          {PRODUCTS.map((p) => (
            <li>
              <a href={`/admin/drafts/new?product=${p}`}>{t(`product.${p}`)}</a>
            </li>
          ))}
          <li>
            <a href="/admin/applications/new">{at('app.choose')}</a>
          </li>
        </ul>
      </AdminLayout>
    );
  }
  const heading = at('draft.heading.new', { product: t(`product.${product}`) });
  return (
    <AdminLayout {...props} title={heading} current="newDraft" script={RATIO_SCRIPT + LIVE_CHECK_SCRIPT}>
      <h1>{heading}</h1>
      <p>{at('draft.lead')}</p>
      {props.banner ? <p class="flash">{at(`app.${props.banner}`)}</p> : null}
      {props.formError ? (
        <div class="error-summary" role="alert">
          <h2>{at('draft.errors')}</h2>
          {errors._?.map((e) => (
            <p>{e}</p>
          ))}
          {props.formError !== at('draft.errors') ? <p>{props.formError}</p> : null}
        </div>
      ) : null}
      <form
        method="post"
        action={`/admin/drafts/new?product=${product}`}
        class="panel"
        novalidate
        data-live-check="/admin/drafts/check"
      >
        <Csrf staff={staff} />
        <input type="hidden" name="product" value={product} />
        {props.applicationId ? <input type="hidden" name="applicationId" value={props.applicationId} /> : null}
        <Field
          name="obligeeId"
          label={t('field.obligee')}
          errors={errors.obligeeId}
          required
          requiredLabel={at('draft.required')}
        >
          <select
            id="f-obligeeId"
            name="obligeeId"
            required
            aria-invalid={errors.obligeeId ? 'true' : undefined}
            aria-describedby={errors.obligeeId ? 'f-obligeeId-error f-obligeeId-live' : 'f-obligeeId-live'}
          >
            {props.obligees.map((o) => (
              <option value={o.id} selected={values.obligeeId === o.id}>
                {o.name}
                {at('fmt.paren', { text: ruleText(props, o.rules) })}
              </option>
            ))}
          </select>
          <div id="f-obligeeId-live" aria-live="polite" />
        </Field>
        <CertificateFields t={t} at={at} product={product} values={values} errors={errors} />
        {props.acknowledge ? (
          <fieldset class="acknowledge">
            <legend>{at('draft.ack.heading')}</legend>
            <p>{at('draft.ack.lead')}</p>
            <ul>
              {props.acknowledge.warnings.map((w) => (
                <li>{w}</li>
              ))}
            </ul>
            <Field
              name="plausibilityReason"
              label={at('draft.ack.reason')}
              required
              requiredLabel={at('draft.required')}
              help={at('draft.ack.help')}
            >
              <textarea id="f-plausibilityReason" name="plausibilityReason" rows={3} maxlength={200} required>
                {props.acknowledge.reason}
              </textarea>
            </Field>
          </fieldset>
        ) : null}
        <div class="button-row">
          <button class="button-primary" type="submit">
            {at('draft.submit')}
          </button>
          <button class="button-secondary" type="submit" name="step" value="save">
            {at('app.saveDraft')}
          </button>
        </div>
      </form>
    </AdminLayout>
  );
}

/** An obligee's rules in words: 前払金保証・契約保証：請負契約締結日が令和8年1月1日以降. */
export function ruleText(props: Pick<AdminPageProps, 'at' | 't' | 'lang'>, rules: readonly ObligeeRule[]): string {
  const { at, t } = props;
  return rules
    .map((r) =>
      at('draft.ruleText', {
        products: r.products.map((p) => t(`product.${p}`)).join(at('draft.ruleProducts')),
        basis: at(`draft.basis.${r.basis}`),
        from: formatDate(r.effectiveFrom, props.lang),
      }),
    )
    .join(at('draft.ruleJoin'));
}

export function DraftsPage(props: AdminPageProps & { pending: Draft[]; recent: Draft[] }) {
  const { at } = props;
  return (
    <AdminLayout {...props} title={at('drafts.heading')} current="drafts">
      <h1>{at('drafts.heading')}</h1>
      <section class="panel" aria-labelledby="p-h">
        <h2 id="p-h">{at('drafts.pending')}</h2>
        <DraftTable {...props} drafts={props.pending} caption={at('drafts.pending')} />
      </section>
      <section class="panel" aria-labelledby="r-h">
        <h2 id="r-h">{at('drafts.recent')}</h2>
        <DraftTable {...props} drafts={props.recent} caption={at('drafts.recent')} />
      </section>
    </AdminLayout>
  );
}

export function DraftPage(
  props: AdminPageProps & {
    draft: StoredDraft;
    draftedByEmail: string;
    changes: { path: string; before: unknown; after: unknown }[];
    rows?: { items: ImportRowReview[]; page: number; pages: number; total: number } | undefined;
    set?: SetReview | undefined;
    steps?: DraftStepRow[] | undefined;
    error?: string | undefined;
  },
) {
  const { at, draft, staff } = props;
  const f = formats(props.lang);
  const fmt = fieldFormatters(props.lang);
  const value = (path: string, v: unknown) => reviewValue(path, v, fmt);
  const body = JSON.parse(draft.body) as Record<string, unknown>;
  const acknowledgement = splitAcknowledgement(body).acknowledgement;
  const isOwn = props.draftedByEmail === staff?.email;
  const steps = props.steps ?? [];
  const sentBack = draft.status === 'rejected' ? steps.filter((s) => s.step === 'sent_back').at(-1) : undefined;
  const editable =
    isOwn &&
    staff?.role === 'clerk' &&
    (draft.status === 'draft' || draft.status === 'rejected') &&
    isEditableKind(draft.kind);
  const published =
    draft.kind === 'issue_set' && draft.result
      ? ((JSON.parse(draft.result) as { contractNumbers?: string[] }).contractNumbers ?? [])
      : [];
  return (
    <AdminLayout {...props} title={at('draft.show.heading')} current="drafts">
      <h1>
        {at('draft.show.heading')}
        {at('fmt.colon')}
        {at(`event.${draft.kind as VersionEvent | 'import' | 'issue_set'}`)}
        {draft.contract_number ? at('fmt.paren', { text: draft.contract_number }) : ''}
      </h1>
      <DecisionFacts
        error={props.error}
        facts={[
          [at('drafts.status'), at(`draftStatus.${draft.status as 'pending'}`)],
          [at('drafts.by'), props.draftedByEmail],
          [at('drafts.at'), f.instant(draft.drafted_at)],
          draft.contract_number
            ? [at('drafts.target'), <a href={`/admin/sureties/${draft.contract_number}`}>{draft.contract_number}</a>]
            : null,
          draft.error ? [at('draft.lastError'), draft.error] : null,
          published.length > 0
            ? [
                at('app.published'),
                <>
                  {published.map((n) => (
                    <>
                      <a href={`/admin/sureties/${n}`}>{n}</a>{' '}
                    </>
                  ))}
                </>,
              ]
            : null,
        ]}
      />
      {sentBack ? <SendBackNotice at={at} lang={props.lang} step={sentBack} /> : null}
      {editable ? (
        <p class="panel">
          <a class="button-primary" href={`/admin/drafts/${draft.id}/edit`}>
            {draft.status === 'rejected' ? at('app.edit') : at('app.editDraft')}
          </a>
        </p>
      ) : null}
      {/* Once published, what the clerk came back for comes first, above the long review. */}
      {draft.kind === 'import' &&
      draft.status === 'published' &&
      props.rows &&
      (staff?.role === 'clerk' || staff?.role === 'approver') ? (
        <section class="panel" aria-labelledby="n-h">
          <h2 id="n-h">{at('draft.notices.heading')}</h2>
          <form method="post" action={`/admin/drafts/${draft.id}/notices.zip`}>
            <Csrf staff={staff} />
            <button class="button-primary" type="submit">
              {at('draft.notices.download', { count: props.rows.total })}
            </button>
          </form>
          <p class="note">{at('draft.notices.note', { max: BATCH_NOTICE_LIMITS.max })}</p>
        </section>
      ) : null}
      <section class="panel" aria-labelledby="c-h">
        <h2 id="c-h">{at('detail.diff')}</h2>
        {props.set ? (
          <SetReviewTables t={props.t} at={at} lang={props.lang} review={props.set} />
        ) : props.rows ? (
          <ImportReview {...props} rows={props.rows} value={value} />
        ) : props.changes.length === 0 ? (
          <p>{at('detail.diffNone')}</p>
        ) : draft.kind === 'issue' ? (
          <table class="admin-table">
            <tbody>
              {props.changes.map((c) => (
                <tr>
                  <th scope="row">{reviewLabel(props.t, c.path)}</th>
                  <td>{value(c.path, c.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <table class="admin-table diff-table">
            <DiffTableHead at={at} />
            <tbody>
              {props.changes.map((c) => (
                <tr>
                  <th scope="row">{reviewLabel(props.t, c.path)}</th>
                  <td class="diff-before">{value(c.path, c.before)}</td>
                  <td class="diff-after">{value(c.path, c.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {typeof body.reason === 'string' ? (
          <p>
            {at('detail.reason')}
            {at('fmt.colon')}
            {body.reason}
          </p>
        ) : null}
      </section>
      {acknowledgement ? (
        <section class="panel warning-panel" aria-labelledby="w-h">
          <h2 id="w-h">{at('draft.ack.review')}</h2>
          <ul>
            {acknowledgement.warnings.map((w) => (
              <li>
                {w.product ? `${props.t(`product.${w.product as Product}`)}${at('fmt.colon')}` : ''}
                {w.message}
              </li>
            ))}
          </ul>
          <p>
            {at('draft.ack.clerkReason')}
            {at('fmt.colon')}
            {acknowledgement.reason}
          </p>
        </section>
      ) : null}
      <DecisionForms
        at={at}
        staff={staff}
        draft={draft}
        isOwn={isOwn}
        canWithdraw={staff?.role === 'clerk' && isOwn}
        labels={{ approve: at('draft.approve'), own: at('draft.ownDraft') }}
      />
      <ApplicationHistory at={at} lang={props.lang} steps={steps} />
    </AdminLayout>
  );
}

/** An import, row by row as the file has them, a page at a time: each row reads like a single application. */
function ImportReview(
  props: AdminPageProps & {
    draft: StoredDraft;
    rows: { items: ImportRowReview[]; page: number; pages: number; total: number };
    value: (path: string, v: unknown) => string;
  },
) {
  const { at, rows, draft } = props;
  const link = (page: number) => `/admin/drafts/${draft.id}?page=${page}`;
  const nav =
    rows.pages > 1 ? (
      <nav class="pager" aria-label={at('draft.importPages')}>
        {rows.page > 1 ? <a href={link(rows.page - 1)}>{at('draft.importPrev')}</a> : null}
        <span>{at('draft.importPage', { page: rows.page, pages: rows.pages })}</span>
        {rows.page < rows.pages ? <a href={link(rows.page + 1)}>{at('draft.importNext')}</a> : null}
      </nav>
    ) : null;
  return (
    <>
      <p>{at('draft.importRows', { count: rows.total })}</p>
      {nav}
      {rows.items.map((item) => (
        <table class="admin-table import-row">
          <caption>{at('draft.importRow', { row: item.row })}</caption>
          <tbody>
            {item.changes.map((c) => (
              <tr>
                <th scope="row">{reviewLabel(props.t, c.path)}</th>
                <td>{props.value(c.path, c.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      {nav}
    </>
  );
}

export function ImportPage(
  props: AdminPageProps & { errors?: RowError[] | undefined; encoding?: CsvEncoding | undefined },
) {
  const { at, staff } = props;
  const errors = props.errors ?? [];
  return (
    <AdminLayout {...props} title={at('import.heading')} current="import">
      <h1>{at('import.heading')}</h1>
      <p>{at('import.lead')}</p>
      {errors.length > 0 ? (
        <div class="error-summary" role="alert">
          <h2>{at('import.errors', { count: errors.length })}</h2>
          {props.encoding ? <p>{at('import.encoding', { encoding: props.encoding })}</p> : null}
          <div class="table-scroll">
            <table class="admin-table">
              <thead>
                <tr>
                  <th scope="col">{at('import.row')}</th>
                  <th scope="col">{at('import.column')}</th>
                  <th scope="col">{at('import.message')}</th>
                </tr>
              </thead>
              <tbody>
                {errors.slice(0, 500).map((e) => (
                  <tr>
                    <td>{e.row}</td>
                    <td>{e.field ? fieldName(props.t, at, e.field) : e.column}</td>
                    <td>{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
      <form method="post" action="/admin/import" enctype="multipart/form-data" class="panel">
        <Csrf staff={staff} />
        <Field name="file" label={at('import.file')} type="file" required requiredLabel={at('draft.required')} />
        <button class="button-primary" type="submit">
          {at('import.submit')}
        </button>
      </form>
      <section class="panel" aria-labelledby="cols-h">
        <h2 id="cols-h">{at('import.columns')}</h2>
        <p class="kid">{COLUMNS.join(',')}</p>
        <p>docs/import-example.csv</p>
      </section>
    </AdminLayout>
  );
}
