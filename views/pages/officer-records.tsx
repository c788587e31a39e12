// The officer's records of a check, under the certificate: one 確認者 fieldset (department and name) and the two
// actions that use it — a verification receipt (確認証跡, the officer's own signed proof; names optional) and a
// receipt confirmation (受領確認, which tells the contractor; names required). One form with two submit buttons,
// so the officer types the names once; they are remembered for the session, so the other action, after the
// redirect of the first, finds them filled in. Screen only.
import type { Receipt } from '../../src/services/confirm-receipt.js';
import type { OfficerMemo } from '../../src/security/officer-memo.js';
import type { Formats } from '../../src/i18n/format.js';
import type { Translate } from '../../src/i18n/index.js';
import { Flash, type FollowUpFlash } from './certificate-follow-up.js';
import { FollowUpStyle } from './follow-up-styles.js';
import { expectFormValues } from '../../src/domain/expect-input.js';
import type { Expect } from '../../src/domain/findings.js';

export interface OfficerRecordsProps {
  t: Translate;
  f: Formats;
  contractNumber: string;
  /** The version on screen, its No. and label as the history table shows them. */
  seq: number;
  isCurrent: boolean;
  no: number;
  kind: string;
  /** Every officer's receipt confirmation of the version shown; `confirmable` false leaves the 受領確認 action out. */
  receipts: Receipt[];
  confirmable: boolean;
  /** The 確認者 remembered for this session, to fill the fieldset. */
  officer?: OfficerMemo | null | undefined;
  flash?: FollowUpFlash | undefined;
  nonce?: string | undefined;
  /** The officer's own figures on the page (findings-panel.tsx): the 確認証跡 signs them and their findings. */
  expect?: Expect | undefined;
}

export function OfficerRecords(props: OfficerRecordsProps) {
  const { t, f, receipts } = props;
  const base = `/certificates/${props.contractNumber}`;
  // Names are required for a receipt confirmation; the verification receipt's button skips the check.
  const needsNames = props.confirmable;
  const invalid = props.flash === 'receipt_invalid' ? 'true' : undefined;
  return (
    <section class="panel officer-records no-print" aria-labelledby="records-heading" id="receipt">
      <FollowUpStyle nonce={props.nonce} />
      <h2 id="records-heading">{t('records.heading')}</h2>
      <Flash t={t} flash={props.flash} area="receipt" />
      <form method="post" action={`${base}/verification-receipts`}>
        <p>{t('records.lead', { no: props.no, kind: props.kind })}</p>
        <input type="hidden" name="seq" value={String(props.seq)} />
        {props.isCurrent ? <input type="hidden" name="view" value="current" /> : null}
        {Object.entries(expectFormValues(props.expect ?? {})).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <fieldset>
          <legend>{t('records.officer')}</legend>
          <p class="help" id="officer-help">
            {t(props.confirmable ? 'records.officerHelp' : 'records.officerHelpReceiptOnly')}
          </p>
          <div class="field">
            <label for="officer-department">{t('receipt.department')}</label>
            <input
              type="text"
              id="officer-department"
              name="department"
              class="input-text"
              autocomplete="organization-title"
              maxlength={100}
              value={props.officer?.department ?? ''}
              required={needsNames}
              aria-describedby="officer-help"
              aria-invalid={invalid}
            />
          </div>
          <div class="field">
            <label for="officer-name">{t('receipt.name')}</label>
            <input
              type="text"
              id="officer-name"
              name="officerName"
              class="input-text"
              autocomplete="name"
              maxlength={50}
              value={props.officer?.officerName ?? ''}
              required={needsNames}
              aria-describedby="officer-help"
              aria-invalid={invalid}
            />
          </div>
        </fieldset>
        <div class="record-actions">
          <div>
            <h3>{t('docs.receipt.title')}</h3>
            <p>{t('docs.receipt.lead', { no: props.no, kind: props.kind })}</p>
            <button type="submit" class="button-secondary" formnovalidate>
              {t('docs.receipt.submit')}
            </button>
            <p class="note">{t('docs.receipt.optional')}</p>
          </div>
          {props.confirmable ? (
            <div>
              <h3>{t('receipt.heading')}</h3>
              {receipts.length > 0 ? (
                <>
                  <p class="receipt-done">{t('receipt.done')}</p>
                  <dl class="check-meta">
                    <div>
                      <dt>{t('receipt.version')}</dt>
                      <dd>{t('cert.version.summary', { no: props.no, kind: props.kind })}</dd>
                    </div>
                  </dl>
                  <table class="receipt-list">
                    <thead>
                      <tr>
                        <th scope="col">{t('receipt.confirmedAt')}</th>
                        <th scope="col">{t('receipt.department')}</th>
                        <th scope="col">{t('receipt.name')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {receipts.map((r) => (
                        <tr>
                          <td>{f.instant(r.confirmedAt)}</td>
                          <td lang="ja">{r.department}</td>
                          <td lang="ja">{r.officerName}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  <p>{t('receipt.more')}</p>
                </>
              ) : (
                <p>{t('receipt.lead', { no: props.no, kind: props.kind })}</p>
              )}
              <button type="submit" class="button-primary" formaction={`${base}/receipt`}>
                {t('receipt.submit')}
              </button>
              <p class="note">{t('receipt.note')}</p>
            </div>
          ) : null}
        </div>
      </form>
    </section>
  );
}
