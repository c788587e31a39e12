// The follow-up panels under a certificate: receipt confirmation (受領確認) of the version shown, and alerts by mail
// for this guarantee. Screen only: a printed certificate stays a certificate.
import type { Receipt } from '../../src/services/confirm-receipt.js';
import type { Translate } from '../i18n/index.js';
import type { Formats } from '../format.js';
import { FollowUpStyle } from './follow-up-styles.js';

/** What the last form post did, passed back through the redirect (`?f=`); unknown values show nothing. */
export const FOLLOW_UP_FLASHES = [
  'receipt_recorded',
  'receipt_already',
  'receipt_invalid',
  'subscribe_sent',
  'subscribe_already_active',
  'subscribe_invalid',
  'subscribe_limit',
  'subscribe_closed',
] as const;
export type FollowUpFlash = (typeof FOLLOW_UP_FLASHES)[number];

export interface FollowUpProps {
  t: Translate;
  f: Formats;
  contractNumber: string;
  /** The version on screen, its No. and label as the history table shows them. */
  seq: number;
  isCurrent: boolean;
  no: number;
  kind: string;
  receipt: Receipt | undefined;
  cancelled: boolean;
  flash?: FollowUpFlash | undefined;
  nonce?: string | undefined;
}

const ERRORS: ReadonlySet<FollowUpFlash> = new Set([
  'receipt_invalid',
  'subscribe_invalid',
  'subscribe_limit',
  'subscribe_closed',
]);

function Flash(props: { t: Translate; flash: FollowUpFlash | undefined; area: 'receipt' | 'subscribe' }) {
  const { flash } = props;
  if (!flash?.startsWith(props.area)) return null;
  const error = ERRORS.has(flash);
  return (
    <div class={error ? 'error-summary' : 'flash-ok'} role={error ? 'alert' : 'status'}>
      <p>{props.t(`followUp.${flash}`)}</p>
    </div>
  );
}

export function FollowUp(props: FollowUpProps) {
  const { t, f, receipt } = props;
  const base = `/certificates/${props.contractNumber}`;
  const receiptError = props.flash === 'receipt_invalid';
  const subscribeError = props.flash === 'subscribe_invalid';
  return (
    <div class="follow-up no-print" id="follow-up">
      <FollowUpStyle nonce={props.nonce} />
      <section class="panel" aria-labelledby="receipt-heading" id="receipt">
        <h2 id="receipt-heading">{t('receipt.heading')}</h2>
        <Flash t={t} flash={props.flash} area="receipt" />
        {receipt ? (
          <>
            <p class="receipt-done">{t('receipt.done')}</p>
            <dl class="check-meta">
              <div>
                <dt>{t('receipt.version')}</dt>
                <dd>{t('cert.version.summary', { no: props.no, kind: props.kind })}</dd>
              </div>
              <div>
                <dt>{t('receipt.confirmedAt')}</dt>
                <dd>{f.instant(receipt.confirmedAt)}</dd>
              </div>
              <div>
                <dt>{t('receipt.department')}</dt>
                <dd lang="ja">{receipt.department}</dd>
              </div>
              <div>
                <dt>{t('receipt.name')}</dt>
                <dd lang="ja">{receipt.officerName}</dd>
              </div>
            </dl>
          </>
        ) : (
          <form method="post" action={`${base}/receipt`}>
            <p>{t('receipt.lead', { no: props.no, kind: props.kind })}</p>
            <input type="hidden" name="seq" value={String(props.seq)} />
            {props.isCurrent ? <input type="hidden" name="view" value="current" /> : null}
            <div class="field">
              <label for="receipt-department">{t('receipt.department')}</label>
              <input
                type="text"
                id="receipt-department"
                name="department"
                class="input-text"
                autocomplete="organization-title"
                maxlength={100}
                required
                aria-invalid={receiptError ? 'true' : undefined}
              />
            </div>
            <div class="field">
              <label for="receipt-name">{t('receipt.name')}</label>
              <input
                type="text"
                id="receipt-name"
                name="officerName"
                class="input-text"
                autocomplete="name"
                maxlength={100}
                required
                aria-invalid={receiptError ? 'true' : undefined}
              />
            </div>
            <button type="submit" class="button-primary">
              {t('receipt.submit')}
            </button>
            <p class="note">{t('receipt.note')}</p>
          </form>
        )}
      </section>

      <section class="panel" aria-labelledby="subscribe-heading" id="subscribe">
        <h2 id="subscribe-heading">{t('subscribe.heading')}</h2>
        <Flash t={t} flash={props.flash} area="subscribe" />
        {props.cancelled ? (
          <p>{t('followUp.subscribe_closed')}</p>
        ) : (
          <form method="post" action={`${base}/subscriptions`}>
            <p>{t('subscribe.lead')}</p>
            <div class="field">
              <label for="subscribe-email">{t('subscribe.email')}</label>
              <p class="help" id="subscribe-help">
                {t('subscribe.help')}
              </p>
              <input
                type="email"
                id="subscribe-email"
                name="email"
                class="input-text"
                autocomplete="email"
                maxlength={254}
                required
                aria-describedby="subscribe-help"
                aria-invalid={subscribeError ? 'true' : undefined}
              />
            </div>
            <button type="submit" class="button-primary">
              {t('subscribe.submit')}
            </button>
            <p class="note">{t('subscribe.privacy')}</p>
          </form>
        )}
      </section>
    </div>
  );
}
