// The follow-up panel under a certificate: alerts by mail for this guarantee (the receipt confirmation, 受領確認,
// shares its 確認者 with the verification receipt in officer-records.tsx). Screen only: a printed certificate stays a
// certificate. The flashes of both panels are defined here, where the redirects' `?f=` values are listed.
import type { Translate } from '../../src/i18n/index.js';
import { FollowUpStyle } from './follow-up-styles.js';

/** What the last form post did, passed back through the redirect (`?f=`); unknown values show nothing. */
export const FOLLOW_UP_FLASHES = [
  'receipt_recorded',
  'receipt_already',
  'receipt_limit',
  'receipt_invalid',
  'subscribe_sent',
  'subscribe_already_active',
  'subscribe_invalid',
  'subscribe_limit',
  'subscribe_busy',
  'subscribe_closed',
] as const;
export type FollowUpFlash = (typeof FOLLOW_UP_FLASHES)[number];

export interface FollowUpProps {
  t: Translate;
  contractNumber: string;
  cancelled: boolean;
  flash?: FollowUpFlash | undefined;
  nonce?: string | undefined;
}

const ERRORS: ReadonlySet<FollowUpFlash> = new Set([
  'receipt_limit',
  'receipt_invalid',
  'subscribe_invalid',
  'subscribe_limit',
  'subscribe_busy',
  'subscribe_closed',
]);

export function Flash(props: { t: Translate; flash: FollowUpFlash | undefined; area: 'receipt' | 'subscribe' }) {
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
  const { t } = props;
  const base = `/certificates/${props.contractNumber}`;
  const subscribeError = props.flash === 'subscribe_invalid';
  return (
    <div class="follow-up no-print" id="follow-up">
      <FollowUpStyle nonce={props.nonce} />
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
