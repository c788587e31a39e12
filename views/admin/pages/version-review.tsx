// The approver's review of a 変更, 訂正, 変更取消 or 取消 (申込・承認): the version it acts on by the officers' No., every
// field before → after in words and formats a reader knows, what a 変更取消 restores, what a 取消 ends — and for a 取消 the
// confirmation the server requires before it approves.
import type { FieldChange } from '../../../src/domain/diff.js';
import type { Translate } from '../../../src/i18n/index.js';
import type { AdminTranslate } from '../../../src/i18n/admin.js';
import { fieldFormatters, formats } from '../../../src/i18n/format.js';
import { reviewLabel, reviewValue } from '../../../src/services/staff/certificate-form.js';
import type { StoredDraft } from '../../../src/services/staff/drafts.js';
import type { VersionRef, VersionReview } from '../../../src/services/staff/version-review.js';
import { AdminLayout, type AdminPageProps } from '../layout.js';
import type { ApplicationStep as DraftStepRow } from '../../../src/services/staff/revise-application.js';
import { ApplicationHistory, SendBackNotice } from './application.js';
import { DecisionFacts, DecisionForms } from './decision.js';

/** Envelope fields without a label of their own in the public catalogs. */
const ENVELOPE_LABELS = {
  'issuer.office': 'review.path.issuerOffice',
  'issuer.representative': 'review.path.issuerRepresentative',
  'obligee.id': 'review.path.obligeeId',
  'obligee.title': 'review.path.obligeeTitle',
} as const;

/** A certificate path as a reader names it: 保証金額, 保証期間（終了）, 発注者（宛名）. */
export function pathLabel(t: Translate, at: AdminTranslate, path: string): string {
  const key = ENVELOPE_LABELS[path as keyof typeof ENVELOPE_LABELS];
  return key ? at(key) : reviewLabel(t, path);
}

/** No.3 (内部連番 5): the officers' number first; a 変更取消 record, never shown to them, by its sequence alone. */
export function versionName(at: AdminTranslate, v: { no: number | null; seq: number }): string {
  return v.no === null ? at('review.noNumber', { seq: v.seq }) : at('review.numbered', { no: v.no, seq: v.seq });
}

/** Before → after rows with labels and formatted values (50,000,000円, 令和8年4月1日). */
export function ReviewTable(
  props: Pick<AdminPageProps, 't' | 'at' | 'lang'> & {
    rows: FieldChange[];
    caption: string;
    heads?: { before: string; after: string } | undefined;
    /** Only the current values (a 取消: what ends). */
    single?: boolean;
  },
) {
  const { t, at } = props;
  const fmt = fieldFormatters(props.lang);
  const value = (path: string, v: unknown) => reviewValue(path, v, fmt);
  return (
    <div class="table-scroll">
      <table class="admin-table diff-table">
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{at('detail.diffField')}</th>
            {props.single ? (
              <th scope="col">{at('review.value')}</th>
            ) : (
              <>
                <th scope="col">{props.heads?.before ?? at('detail.diffBefore')}</th>
                <th scope="col">{props.heads?.after ?? at('detail.diffAfter')}</th>
              </>
            )}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr>
              <th scope="row">{pathLabel(t, at, r.path)}</th>
              <td class="diff-before">{value(r.path, r.before)}</td>
              {props.single ? null : <td class="diff-after">{value(r.path, r.after)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Lead(props: Pick<AdminPageProps, 't' | 'at' | 'lang'> & { review: VersionReview }) {
  const { t, at, review } = props;
  const f = formats(props.lang);
  const name = (v: VersionRef) => `${versionName(at, v)}${at('fmt.paren', { text: t(`kind.${v.kind}`) })}`;
  const base = name(review.base);
  switch (review.event) {
    case 'change':
      return <p>{at('review.lead.change', { base, next: (review.base.no ?? 0) + 1 })}</p>;
    case 'correction':
      return <p>{at('review.lead.correction', { base, no: review.base.no ?? '—' })}</p>;
    case 'change_cancellation':
      return (
        <p>
          {at('review.lead.change_cancellation', {
            base,
            at: f.instant(review.base.issuedAt),
            no: review.base.no ?? '—',
            restored: review.restores ? name(review.restores) : '—',
            restoredNo: review.restores?.no ?? '—',
          })}
        </p>
      );
    case 'cancellation':
      return <p class="flash flash-warn">{at('review.lead.cancellation', { number: review.contractNumber })}</p>;
  }
}

export function VersionReviewPage(
  props: AdminPageProps & {
    draft: StoredDraft;
    draftedByEmail: string;
    review: VersionReview;
    /** Its round trips, oldest first (申込 → 差戻し → 再申込 → 承認). */
    steps?: DraftStepRow[] | undefined;
    error?: string | undefined;
  },
) {
  const { at, t, draft, staff, review } = props;
  const f = formats(props.lang);
  const isOwn = props.draftedByEmail === staff?.email;
  const event = at(`event.${review.event}`);
  const cancelling = review.event === 'cancellation';
  const steps = props.steps ?? [];
  const sentBack = draft.status === 'rejected' ? steps.filter((s) => s.step === 'sent_back').at(-1) : undefined;
  const editable = isOwn && staff?.role === 'clerk' && (draft.status === 'draft' || draft.status === 'rejected');
  return (
    <AdminLayout {...props} title={`${at('draft.show.heading')}${at('fmt.colon')}${event}`} current="drafts">
      <h1>
        {at('draft.show.heading')}
        {at('fmt.colon')}
        {event}
        {at('fmt.paren', { text: review.contractNumber })}
      </h1>
      <DecisionFacts
        error={props.error}
        facts={[
          [at('drafts.status'), at(`draftStatus.${draft.status as 'pending'}`)],
          [at('drafts.by'), props.draftedByEmail],
          [at('drafts.at'), f.instant(draft.drafted_at)],
          [at('drafts.target'), <a href={`/admin/sureties/${review.contractNumber}`}>{review.contractNumber}</a>],
          [at('review.contractorEmail'), review.contractorEmail ?? at('review.contractorEmailNone')],
          draft.error ? [at('draft.lastError'), draft.error] : null,
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
      <section class="panel" aria-labelledby="base-h">
        <h2 id="base-h">{at('review.base')}</h2>
        <Lead {...props} />
        <p class="note">
          {versionName(at, review.base)}
          {at('fmt.colon')}
          {t(`kind.${review.base.kind}`)}
          {at('fmt.gap')}
          {at('detail.issuedAt')}
          {at('fmt.colon')}
          {f.instant(review.base.issuedAt)}
          {review.base.reason ? `${at('fmt.gap')}${at('detail.reason')}${at('fmt.colon')}${review.base.reason}` : ''}
        </p>
      </section>
      <section class="panel" aria-labelledby="c-h">
        <h2 id="c-h">
          {cancelling
            ? at('review.ends')
            : review.event === 'change_cancellation'
              ? at('review.reverts')
              : at('detail.diff')}
        </h2>
        {cancelling ? (
          <ReviewTable {...props} rows={review.ends ?? []} caption={at('review.ends')} single />
        ) : review.changes.length === 0 ? (
          <p>{at('detail.diffNone')}</p>
        ) : (
          <ReviewTable
            {...props}
            rows={review.changes}
            caption={at('detail.diff')}
            heads={
              review.event === 'change_cancellation'
                ? {
                    before: at('review.revertBefore', { no: review.base.no ?? '—' }),
                    after: at('review.revertAfter', { no: review.restores?.no ?? '—' }),
                  }
                : undefined
            }
          />
        )}
        <p>
          {at('detail.reason')}
          {at('fmt.colon')}
          {review.reason ?? at('review.noReason')}
        </p>
      </section>
      <DecisionForms
        at={at}
        staff={staff}
        draft={draft}
        isOwn={isOwn}
        canWithdraw={staff?.role === 'clerk' && isOwn}
        labels={{
          approve: cancelling ? at('review.approveCancellation') : at('draft.approve'),
          own: at('draft.ownDraft'),
        }}
        approveWith={
          cancelling ? (
            <p class="confirm">
              <label>
                <input type="checkbox" name="confirmCancellation" value="yes" required />
                {at('review.confirmCancellation')}
              </label>
            </p>
          ) : null
        }
      />
      <ApplicationHistory at={at} lang={props.lang} steps={steps} />
    </AdminLayout>
  );
}
