// The combined 申込 (前払金保証＋契約保証) as Net Desk walks it — 申込作成 > 申込確認 > 送信完了 — and the parts of an
// application's lifecycle the clerk reads: the approver's send-back, the history of round trips, and the clerk's own
// sent-back applications and 下書き on 全体トップ.
import type { Product } from '../../../src/domain/certificate.js';
import type { ObligeeRule } from '../../../src/domain/eligibility.js';
import { appliesTo, isRequired } from '../../../src/domain/fields.js';
import { fieldFormatters, formats } from '../../../src/i18n/format.js';
import type { ApplicationStep as DraftStepRow } from '../../../src/services/staff/revise-application.js';
import {
  guaranteeColumns,
  SET_PRODUCTS,
  setInput,
  SHARED_COLUMNS,
  type SetFields,
  type SetWarning,
} from '../../../src/services/staff/application-set.js';
import { COLUMN_DEFS, reviewLabel, reviewValue, type Column } from '../../../src/services/staff/certificate-form.js';
import type { SetReview } from '../../../src/services/staff/draft-screen.js';
import type { Draft } from '../../../src/services/staff/drafts.js';
import { AdminLayout, Csrf, Field, type AdminPageProps } from '../layout.js';
import { ruleText } from './drafts.js';
import { labelFor } from './forms.js';

type Banner = 'editing' | 'editingDraft' | 'restored';

const defOf = (column: Column) => COLUMN_DEFS.find((c) => c.name === column);

/** One input of the combined form: its registry field decides type, requiredness and help. */
function SetInput(
  props: Pick<AdminPageProps, 't' | 'at'> & {
    product: Product;
    column: Column;
    name: string;
    values: SetFields;
    errors: Record<string, string[]>;
  },
) {
  const { t, at, product, column, name } = props;
  const field = defOf(column)?.field;
  if (!field) return null;
  return (
    <div>
      <Field
        name={name}
        label={labelFor(t, at, product, column)}
        value={props.values[name]}
        errors={props.errors[name]}
        type={field.format === 'date' || field.format === 'period' ? 'date' : 'text'}
        required={isRequired(field, product)}
        requiredLabel={at('draft.required')}
        inputmode={field.format === 'yen' ? 'numeric' : undefined}
        help={
          field.format === 'list'
            ? at('draft.help.jvMembers')
            : field.format === 'yen'
              ? at('draft.help.amount')
              : undefined
        }
      />
    </div>
  );
}

/** Hidden copies of every input, so that 申込確認 sends exactly what it shows. */
function Carried(props: { values: SetFields; applicationId?: string | undefined }) {
  return (
    <>
      {props.applicationId ? <input type="hidden" name="applicationId" value={props.applicationId} /> : null}
      {Object.entries(props.values).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
    </>
  );
}

export function ApplicationSetPage(
  props: AdminPageProps & {
    obligees: { id: string; name: string; rules: readonly ObligeeRule[] }[];
    values: SetFields;
    errors: Record<string, string[]>;
    applicationId?: string | undefined;
    banner?: Banner | undefined;
    formError?: string | undefined;
  },
) {
  const { at, t, values, errors, staff } = props;
  const shared = (section: 'contractor' | 'works') =>
    SHARED_COLUMNS.filter((c) => defOf(c)?.field.form === section && appliesTo(defOf(c)!.field, 'contract'));
  const heading = at('app.heading');
  return (
    <AdminLayout {...props} title={heading} current="newDraft">
      <h1>{heading}</h1>
      <p>{at('app.lead')}</p>
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
      <form method="post" action="/admin/applications" class="panel" novalidate>
        <Csrf staff={staff} />
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
            aria-describedby={errors.obligeeId ? 'f-obligeeId-error' : undefined}
          >
            {props.obligees.map((o) => (
              <option value={o.id} selected={values.obligeeId === o.id}>
                {o.name}
                {at('fmt.paren', { text: ruleText(props, o.rules) })}
              </option>
            ))}
          </select>
        </Field>
        {(['contractor', 'works'] as const).map((section) => (
          <fieldset>
            <legend>{at(`draft.section.${section}`)}</legend>
            <div class="form-grid">
              {shared(section).map((c) => (
                <SetInput t={t} at={at} product="contract" column={c} name={c} values={values} errors={errors} />
              ))}
            </div>
          </fieldset>
        ))}
        <fieldset>
          <legend>{at('app.section.shared')}</legend>
          <div class="form-grid">
            <SetInput
              t={t}
              at={at}
              product="contract"
              column="contractAmount"
              name="contractAmount"
              values={values}
              errors={errors}
            />
          </div>
        </fieldset>
        {SET_PRODUCTS.map((product) => (
          <fieldset>
            <legend>{at('app.section.product', { product: t(`product.${product}`) })}</legend>
            <div class="form-grid">
              {guaranteeColumns(product).map((c) => (
                <SetInput
                  t={t}
                  at={at}
                  product={product}
                  column={c}
                  name={setInput(product, c)}
                  values={values}
                  errors={errors}
                />
              ))}
            </div>
          </fieldset>
        ))}
        <div class="button-row">
          <button class="button-primary" type="submit" name="step" value="confirm">
            {at('app.toConfirm')}
          </button>
          <button class="button-secondary" type="submit" name="step" value="save">
            {at('app.saveDraft')}
          </button>
        </div>
      </form>
    </AdminLayout>
  );
}

/** Rows of one readable table (label, formatted value). */
function ReviewTable(props: Pick<AdminPageProps, 't' | 'lang'> & { caption: string; rows: SetReview['shared'] }) {
  const fmt = fieldFormatters(props.lang);
  return (
    <table class="admin-table review-table">
      <caption>{props.caption}</caption>
      <tbody>
        {props.rows.map((r) => (
          <tr>
            <th scope="row">{reviewLabel(props.t, r.path)}</th>
            <td>{reviewValue(r.path, r.after, fmt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A combined application, read-only: the shared part once, then each guarantee (申込確認 and the approver's review). */
export function SetReviewTables(props: Pick<AdminPageProps, 't' | 'at' | 'lang'> & { review: SetReview }) {
  const { t, at } = props;
  return (
    <>
      <ReviewTable t={t} lang={props.lang} caption={at('app.confirm.shared')} rows={props.review.shared} />
      {props.review.guarantees.map((g) => (
        <ReviewTable
          t={t}
          lang={props.lang}
          caption={at('app.section.product', { product: t(`product.${g.product as Product}`) })}
          rows={g.changes}
        />
      ))}
    </>
  );
}

export function ApplicationConfirmPage(
  props: AdminPageProps & {
    review: SetReview;
    values: SetFields;
    applicationId?: string | undefined;
    /** Each guarantee's plausibility warnings, to acknowledge with a reason before sending. */
    acknowledge?: { warnings: SetWarning[]; reason: string; error?: string | undefined } | undefined;
  },
) {
  const { at, staff } = props;
  const ack = props.acknowledge;
  return (
    <AdminLayout {...props} title={at('app.confirm.heading')} current="newDraft">
      <h1>{at('app.confirm.heading')}</h1>
      <p>{at('app.confirm.lead')}</p>
      <section class="panel review-set">
        <SetReviewTables t={props.t} at={at} lang={props.lang} review={props.review} />
      </section>
      <div class="button-row panel">
        <form method="post" action="/admin/applications">
          <Csrf staff={staff} />
          <Carried values={props.values} applicationId={props.applicationId} />
          {ack ? (
            <fieldset class="acknowledge">
              <legend>{at('draft.ack.heading')}</legend>
              <p>{at('draft.ack.lead')}</p>
              <ul>
                {ack.warnings.map((w) => (
                  <li>
                    {props.t(`product.${w.product}`)}
                    {at('fmt.colon')}
                    {w.message}
                  </li>
                ))}
              </ul>
              <Field
                name="plausibilityReason"
                label={at('draft.ack.reason')}
                required
                requiredLabel={at('draft.required')}
                help={at('draft.ack.help')}
                errors={ack.error ? [ack.error] : undefined}
              >
                <textarea
                  id="f-plausibilityReason"
                  name="plausibilityReason"
                  rows={3}
                  maxlength={200}
                  required
                  aria-invalid={ack.error ? 'true' : undefined}
                  aria-describedby={
                    ack.error ? 'f-plausibilityReason-help f-plausibilityReason-error' : 'f-plausibilityReason-help'
                  }
                >
                  {ack.reason}
                </textarea>
              </Field>
            </fieldset>
          ) : null}
          <button class="button-primary" type="submit" name="step" value="submit">
            {at('app.send')}
          </button>
        </form>
        <form method="post" action="/admin/applications">
          <Csrf staff={staff} />
          <Carried values={props.values} applicationId={props.applicationId} />
          <button class="button-secondary" type="submit" name="step" value="edit">
            {at('app.back')}
          </button>
        </form>
      </div>
    </AdminLayout>
  );
}

export function ApplicationSentPage(props: AdminPageProps & { id: string }) {
  const { at } = props;
  return (
    <AdminLayout {...props} title={at('app.sent.heading')} current="newDraft">
      <h1>{at('app.sent.heading')}</h1>
      <div class="panel">
        <p>{at('app.sent.lead')}</p>
        <dl class="check-meta">
          <div>
            <dt>{at('app.sent.number')}</dt>
            <dd class="kid">{props.id}</dd>
          </div>
        </dl>
        <p>
          <a href={`/admin/drafts/${props.id}`}>{at('app.sent.show')}</a>
        </p>
      </div>
    </AdminLayout>
  );
}

/** The approver's words on an application sent back, with who and when — never worded as an error. */
export function SendBackNotice(props: Pick<AdminPageProps, 'at' | 'lang'> & { step: DraftStepRow }) {
  const { at, step } = props;
  const f = formats(props.lang);
  return (
    <section class="panel send-back" aria-labelledby="sb-h">
      <h2 id="sb-h">{at('sendBack.heading')}</h2>
      <blockquote>
        <p>{step.reason}</p>
      </blockquote>
      <p class="note">{at('sendBack.meta', { who: step.actor_email ?? step.actor_id, when: f.instant(step.at) })}</p>
    </section>
  );
}

/** Every round trip of an application, oldest first. */
export function ApplicationHistory(props: Pick<AdminPageProps, 'at' | 'lang'> & { steps: DraftStepRow[] }) {
  const { at } = props;
  const f = formats(props.lang);
  if (props.steps.length === 0) return null;
  return (
    <section class="panel" aria-labelledby="hist-h">
      <h2 id="hist-h">{at('history.heading')}</h2>
      <table class="admin-table history-table">
        <thead>
          <tr>
            <th scope="col">{at('history.when')}</th>
            <th scope="col">{at('history.what')}</th>
            <th scope="col">{at('history.who')}</th>
            <th scope="col">{at('history.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {props.steps.map((s) => (
            <tr>
              <td>{f.instant(s.at)}</td>
              <td>{at(`history.step.${s.step as 'submitted'}`)}</td>
              <td>{s.actor_email ?? s.actor_id}</td>
              <td>{s.reason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** 全体トップ for a clerk: their sent-back applications (with the approver's reason) and their 下書き. */
export function OwnApplicationsPanel(
  props: Pick<AdminPageProps, 'at' | 'lang'> & {
    returned: (Draft & { reason: string | null })[];
    drafts: Draft[];
  },
) {
  const { at } = props;
  const f = formats(props.lang);
  const kind = (d: Draft) => at(`event.${d.kind as 'issue'}`);
  return (
    <>
      {props.returned.length > 0 ? (
        <section class="panel send-back" aria-labelledby="ret-h">
          <h2 id="ret-h">{at('dashboard.returned', { count: props.returned.length })}</h2>
          <p>{at('dashboard.returnedLead')}</p>
          <ul>
            {props.returned.map((d) => (
              <li>
                <a href={`/admin/drafts/${d.id}`}>
                  {kind(d)}
                  {d.contract_number ? `${at('fmt.gap')}${d.contract_number}` : ''}
                  {at('fmt.paren', { text: f.instant(d.decided_at ?? d.drafted_at) })}
                </a>
                {d.reason ? (
                  <p>
                    {at('dashboard.reason')}
                    {at('fmt.colon')}
                    {d.reason}
                    {at('fmt.paren', { text: d.decided_by_email ?? '' })}
                  </p>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {props.drafts.length > 0 ? (
        <section class="panel" aria-labelledby="own-d-h">
          <h2 id="own-d-h">{at('dashboard.drafts', { count: props.drafts.length })}</h2>
          <ul>
            {props.drafts.map((d) => (
              <li>
                <a href={`/admin/drafts/${d.id}`}>
                  {kind(d)}
                  {at('fmt.paren', { text: f.instant(d.drafted_at) })}
                </a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
