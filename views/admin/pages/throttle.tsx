// 確認の一時停止の解除: lift a verification pause for a caller, by the caller's address or by contract number.
import { AdminLayout, Csrf, type AdminPageProps } from '../layout.js';

export interface ThrottlePageProps extends AdminPageProps {
  /** What the last lift did, or why the input was refused. */
  result?: { lifted: number } | undefined;
  error?: string | undefined;
  client?: string | undefined;
  contractNumber?: string | undefined;
}

export function ThrottlePage(props: ThrottlePageProps) {
  const { at } = props;
  return (
    <AdminLayout {...props} title={at('throttle.heading')} current="throttle">
      <h1>{at('throttle.heading')}</h1>
      <p>{at('throttle.lead')}</p>
      {props.error ? (
        <div class="error-summary" role="alert">
          <p>{props.error}</p>
        </div>
      ) : null}
      {props.result ? (
        <div class="flash-ok" role="status">
          <p>
            {props.result.lifted > 0 ? at('throttle.done', { count: props.result.lifted }) : at('throttle.nothing')}
          </p>
        </div>
      ) : null}
      <section class="panel">
        <form method="post" action="/admin/throttle">
          <Csrf staff={props.staff} />
          <div class="field">
            <label for="throttle-client">{at('throttle.client')}</label>
            <p class="help" id="throttle-client-help">
              {at('throttle.clientHelp')}
            </p>
            <input
              type="text"
              id="throttle-client"
              name="client"
              class="input-text"
              maxlength={64}
              autocomplete="off"
              aria-describedby="throttle-client-help"
              value={props.client ?? ''}
            />
          </div>
          <div class="field">
            <label for="throttle-number">{at('throttle.number')}</label>
            <p class="help" id="throttle-number-help">
              {at('throttle.numberHelp')}
            </p>
            <input
              type="text"
              id="throttle-number"
              name="contractNumber"
              class="input-text"
              maxlength={32}
              autocomplete="off"
              aria-describedby="throttle-number-help"
              value={props.contractNumber ?? ''}
            />
          </div>
          <button type="submit" class="button-primary">
            {at('throttle.submit')}
          </button>
          <p class="note">{at('throttle.note')}</p>
        </form>
      </section>
    </AdminLayout>
  );
}
