// Log-in, second factor, TOTP enrolment (QR code) and the one-time list of recovery codes.
import { AdminLayout, Csrf, Field, type AdminPageProps } from '../layout.js';

export function LoginPage(props: AdminPageProps & { error?: string | undefined; email?: string }) {
  const { at } = props;
  return (
    <AdminLayout {...props} title={at('login.heading')}>
      <section class="panel" aria-labelledby="h">
        <h1 id="h">{at('login.heading')}</h1>
        {props.error ? (
          <div class="error-summary" role="alert">
            <p>{props.error}</p>
          </div>
        ) : null}
        <form method="post" action="/admin/login">
          <Field
            name="email"
            label={at('login.email')}
            type="email"
            value={props.email}
            autocomplete="username"
            required
          />
          <Field
            name="password"
            label={at('login.password')}
            type="password"
            autocomplete="current-password"
            required
          />
          <button class="button-primary" type="submit">
            {at('login.submit')}
          </button>
        </form>
      </section>
    </AdminLayout>
  );
}

export function MfaPage(props: AdminPageProps & { error?: string | undefined }) {
  const { at } = props;
  return (
    <AdminLayout {...props} title={at('mfa.heading')}>
      <section class="panel" aria-labelledby="h">
        <h1 id="h">{at('mfa.heading')}</h1>
        <p>{at('mfa.lead')}</p>
        {props.error ? (
          <div class="error-summary" role="alert">
            <p>{props.error}</p>
          </div>
        ) : null}
        <form method="post" action="/admin/mfa">
          <Csrf staff={props.staff} />
          <Field
            name="code"
            label={at('mfa.code')}
            autocomplete="one-time-code"
            required
            requiredLabel={at('draft.required')}
          />
          <button class="button-primary" type="submit">
            {at('mfa.submit')}
          </button>
        </form>
      </section>
    </AdminLayout>
  );
}

export function EnrolPage(props: AdminPageProps & { qr: string; secret: string; error?: string | undefined }) {
  const { at } = props;
  return (
    <AdminLayout {...props} title={at('mfa.enrol.heading')}>
      <section class="panel" aria-labelledby="h">
        <h1 id="h">{at('mfa.enrol.heading')}</h1>
        <p>{at('mfa.enrol.lead')}</p>
        {props.error ? (
          <div class="error-summary" role="alert">
            <p>{props.error}</p>
          </div>
        ) : null}
        <p class="qr">
          <img src={props.qr} alt={at('mfa.enrol.qr')} />
        </p>
        <p>
          {at('mfa.enrol.secret')}: <span class="secret">{props.secret}</span>
        </p>
        <form method="post" action="/admin/mfa">
          <Csrf staff={props.staff} />
          <Field
            name="code"
            label={at('mfa.enrol.code')}
            autocomplete="one-time-code"
            inputmode="numeric"
            required
            requiredLabel={at('draft.required')}
          />
          <button class="button-primary" type="submit">
            {at('mfa.submit')}
          </button>
        </form>
      </section>
    </AdminLayout>
  );
}

/** The page of a mailed enrolment link: GET shows it, the button's POST uses the link (a scanner's GET never does). */
export function EnrolLinkPage(props: AdminPageProps & { action: string }) {
  const { at } = props;
  return (
    <AdminLayout {...props} title={at('enrol.heading')}>
      <section class="panel" aria-labelledby="h">
        <h1 id="h">{at('enrol.heading')}</h1>
        <p>{at('enrol.lead')}</p>
        <form method="post" action={props.action}>
          <button class="button-primary" type="submit">
            {at('enrol.start')}
          </button>
        </form>
      </section>
    </AdminLayout>
  );
}

export function RecoveryCodesPage(props: AdminPageProps & { codes: string[] }) {
  const { at } = props;
  return (
    <AdminLayout {...props} title={at('mfa.recovery.heading')}>
      <section class="panel" aria-labelledby="h">
        <h1 id="h">{at('mfa.recovery.heading')}</h1>
        <p>{at('mfa.recovery.lead')}</p>
        <ul class="recovery" aria-label={at('mfa.recovery.heading')}>
          {props.codes.map((c) => (
            <li>{c}</li>
          ))}
        </ul>
        <p>
          <a class="button-primary" href="/admin">
            {at('mfa.recovery.continue')}
          </a>
        </p>
      </section>
    </AdminLayout>
  );
}

export function MessagePage(props: AdminPageProps & { heading: string; message: string; back?: string }) {
  return (
    <AdminLayout {...props} title={props.heading}>
      <section class="panel" aria-labelledby="h">
        <h1 id="h">{props.heading}</h1>
        <p class="error-message" role="alert">
          {props.message}
        </p>
        {props.back ? <a href={props.back}>{props.at('back')}</a> : null}
      </section>
    </AdminLayout>
  );
}
