// Administrator screens: obligee registry with rule editing, API tokens (shown once, revocable), users, audit log.
import type { AuditNames } from '../../../src/services/staff/audit-log.js';
import { AuditAction, AuditActor, AuditDetail } from './audit-values.js';
import { ALL_SCOPES, API_SCOPES, FOUR_EYES_SCOPES } from '../../../src/domain/api-scopes.js';
import type { Product } from '../../../src/domain/certificate.js';
import type { Basis, ObligeeRule } from '../../../src/domain/eligibility.js';
import type { StaffUser } from '../../../src/services/staff/accounts.js';
import type { Obligee } from '../../../src/services/obligees.js';
import { formats } from '../../../src/i18n/format.js';
import { AdminLayout, Csrf, Field, type AdminPageProps } from '../layout.js';

const PRODUCTS: Product[] = ['advance_payment', 'intermediate_advance_payment', 'contract'];
const BASES: Basis[] = ['contract_date', 'tender_date', 'bid_date'];

export function ObligeesPage(
  props: AdminPageProps & {
    obligees: Obligee[];
    /** Obligee id → the change request waiting for approval. */
    pending?: Map<string, string> | undefined;
  },
) {
  const { at, t } = props;
  const f = formats(props.lang);
  return (
    <AdminLayout {...props} title={at('obligees.heading')} current="obligees">
      <h1>{at('obligees.heading')}</h1>
      <p>
        <a class="button-secondary" href="/admin/obligees/new">
          {at('obligees.new')}
        </a>
      </p>
      <div class="table-scroll">
        <table class="admin-table">
          <caption class="visually-hidden">{at('obligees.heading')}</caption>
          <thead>
            <tr>
              <th scope="col">{at('obligees.id')}</th>
              <th scope="col">{at('obligees.name')}</th>
              <th scope="col">{at('obligees.title')}</th>
              <th scope="col">{at('obligees.rules')}</th>
              <th scope="col">{at('obligees.edit')}</th>
            </tr>
          </thead>
          <tbody>
            {props.obligees.map((o) => (
              <tr>
                <td class="kid">{o.id}</td>
                <td>{o.name}</td>
                <td>{o.title ?? '—'}</td>
                <td>
                  {o.rules.length === 0 ? (
                    at('obligees.rule.none')
                  ) : (
                    <ul class="products">
                      {o.rules.map((r) => (
                        <li>
                          {r.products.map((p) => t(`product.${p}`)).join('・')}：
                          {t('obligees.rule', { basis: t(`basis.${r.basis}`), date: f.date(r.effectiveFrom) })}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>
                  {props.pending?.has(o.id) ? (
                    <a href={`/admin/drafts/${props.pending.get(o.id) ?? ''}`} class="tag tag-warn">
                      {at('obligees.pending')}
                    </a>
                  ) : (
                    <a href={`/admin/obligees/${o.id}`} aria-label={at('obligees.editLabel', { name: o.name })}>
                      {at('obligees.edit')}
                    </a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </AdminLayout>
  );
}

export function ObligeeFormPage(
  props: AdminPageProps & {
    isNew: boolean;
    id: string;
    name: string;
    title: string;
    rules: ObligeeRule[];
    /** Plausibility settings as entered (a ratio that is not a number stays as typed, to be corrected). */
    checks: { minimumContractGuaranteeRatio?: unknown; enforce?: unknown };
    errors: Record<string, string[]>;
  },
) {
  const { at, t, errors } = props;
  const ratio = props.checks.minimumContractGuaranteeRatio;
  // Two blank rules beyond the existing ones: enough to add a rule without script.
  const rules: (ObligeeRule | null)[] = [...props.rules, null, null];
  return (
    <AdminLayout {...props} title={at('obligees.form.heading')} current="obligees">
      <h1>{at('obligees.form.heading')}</h1>
      <p>{at('obligees.form.lead')}</p>
      {Object.keys(errors).length > 0 ? (
        <div class="error-summary" role="alert">
          <p>{at('draft.errors')}</p>
          {errors._?.map((e) => (
            <p>{e}</p>
          ))}
        </div>
      ) : null}
      <form method="post" action={`/admin/obligees/${props.isNew ? 'new' : props.id}`} class="panel">
        <Csrf staff={props.staff} />
        {props.isNew ? (
          <Field
            name="id"
            label={at('obligees.id')}
            value={props.id}
            errors={errors.id}
            help={at('obligees.idHelp')}
            required
            requiredLabel={at('draft.required')}
          />
        ) : (
          <p>
            {at('obligees.id')}：<span class="kid">{props.id}</span>
          </p>
        )}
        <Field
          name="name"
          label={at('obligees.name')}
          value={props.name}
          errors={errors.name}
          required
          requiredLabel={at('draft.required')}
        />
        <Field
          name="title"
          label={at('obligees.title')}
          value={props.title}
          errors={errors.title}
          help={at('obligees.titleHelp')}
        />
        <p class="note">{at('obligees.rule.hint')}</p>
        {rules.map((r, i) => (
          <fieldset>
            <legend>{at('obligees.rule', { n: i + 1 })}</legend>
            {errors[`rules.${i}`]?.map((e) => (
              <p class="field-error">{e}</p>
            ))}
            <fieldset class="checks">
              <legend>{at('obligees.rule.products')}</legend>
              {PRODUCTS.map((p) => (
                <label>
                  <input type="checkbox" name={`rule${i}.products`} value={p} checked={r?.products.includes(p)} />
                  {t(`product.${p}`)}
                </label>
              ))}
            </fieldset>
            <Field name={`rule${i}.basis`} label={at('obligees.rule.basis')}>
              <select id={`f-rule${i}.basis`} name={`rule${i}.basis`}>
                {BASES.map((b) => (
                  <option value={b} selected={r?.basis === b}>
                    {t(`basis.${b}`)}
                  </option>
                ))}
              </select>
            </Field>
            <Field
              name={`rule${i}.effectiveFrom`}
              label={at('obligees.rule.from')}
              type="date"
              value={r?.effectiveFrom}
            />
          </fieldset>
        ))}
        <fieldset>
          <legend>{at('obligees.checks')}</legend>
          <p class="note">{at('obligees.checks.lead')}</p>
          <Field
            name="checksRatio"
            label={at('obligees.checks.ratio')}
            value={ratio === undefined ? '' : String(ratio)}
            errors={errors['checks.minimumContractGuaranteeRatio']}
            help={at('obligees.checks.ratioHelp')}
            inputmode="numeric"
          />
          <label>
            <input type="checkbox" name="checksEnforce" checked={props.checks.enforce === true} />
            {at('obligees.checks.enforce')}
          </label>
        </fieldset>
        <button class="button-primary" type="submit">
          {at('obligees.save')}
        </button>
      </form>
    </AdminLayout>
  );
}

/** A token row of the API token screen. */
export interface TokenRow {
  id: string;
  name: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  scopes: string;
  created_by: string | null;
  approved_at: string | null;
}

export function TokensPage(
  props: AdminPageProps & {
    tokens: TokenRow[];
    /** The signed-in administrator's id: a token they made is not theirs to approve. */
    me: string;
    created?: { token: string; pendingApproval: boolean } | undefined;
    errors?: string[] | undefined;
  },
) {
  const { at, staff } = props;
  const f = formats(props.lang);
  const scopeLabel = (stored: string) =>
    stored === ALL_SCOPES
      ? at('tokens.scope.all')
      : stored
          .split(' ')
          .map((s) => at(`tokens.scope.${s}` as 'tokens.scope.read'))
          .join('、');
  const state = (tk: TokenRow) =>
    tk.revoked_at
      ? at('tokens.revoked', { at: f.instant(tk.revoked_at) })
      : tk.approved_at
        ? at('tokens.active')
        : at('tokens.pending');
  return (
    <AdminLayout {...props} title={at('tokens.heading')} current="tokens">
      <h1>{at('tokens.heading')}</h1>
      {props.created ? (
        <div class="flash" role="status">
          <p>{at('tokens.createdOnce')}</p>
          <p class="secret">{props.created.token}</p>
          {props.created.pendingApproval ? <p>{at('tokens.createdPending')}</p> : null}
        </div>
      ) : null}
      <form method="post" action="/admin/tokens" class="panel">
        <Csrf staff={staff} />
        <Field
          name="name"
          label={at('tokens.name')}
          errors={props.errors}
          required
          requiredLabel={at('draft.required')}
        />
        <fieldset>
          <legend>{at('tokens.scopes')}</legend>
          {API_SCOPES.map((s) => (
            <label>
              <input type="checkbox" name="scopes" value={s} />
              {at(`tokens.scope.${s}`)}
              {FOUR_EYES_SCOPES.includes(s) ? ` ${at('tokens.scope.fourEyes')}` : ''}
            </label>
          ))}
        </fieldset>
        <button class="button-primary" type="submit">
          {at('tokens.create')}
        </button>
      </form>
      <table class="admin-table">
        <caption class="visually-hidden">{at('tokens.heading')}</caption>
        <thead>
          <tr>
            <th scope="col">{at('tokens.name')}</th>
            <th scope="col">{at('tokens.scopes')}</th>
            <th scope="col">{at('tokens.created')}</th>
            <th scope="col">{at('tokens.lastUsed')}</th>
            <th scope="col">{at('tokens.state')}</th>
            <th scope="col">{at('tokens.revoke')}</th>
          </tr>
        </thead>
        <tbody>
          {props.tokens.map((tk) => (
            <tr>
              <td>{tk.name}</td>
              <td>{scopeLabel(tk.scopes)}</td>
              <td>{f.instant(tk.created_at)}</td>
              <td>{tk.last_used_at ? f.instant(tk.last_used_at) : '—'}</td>
              <td>{state(tk)}</td>
              <td>
                {!tk.revoked_at && !tk.approved_at && tk.created_by !== props.me ? (
                  <form method="post" action={`/admin/tokens/${tk.id}/approve`}>
                    <Csrf staff={staff} />
                    <button
                      class="button-primary"
                      type="submit"
                      aria-label={at('tokens.approveLabel', { name: tk.name })}
                    >
                      {at('tokens.approve')}
                    </button>
                  </form>
                ) : null}
                {tk.revoked_at ? null : (
                  <form method="post" action={`/admin/tokens/${tk.id}/revoke`}>
                    <Csrf staff={staff} />
                    <button
                      class="button-danger"
                      type="submit"
                      aria-label={at('tokens.revokeLabel', { name: tk.name })}
                    >
                      {at('tokens.revoke')}
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </AdminLayout>
  );
}

export function UsersPage(
  props: AdminPageProps & {
    users: StaffUser[];
    /** Accounts made here that wait for a second administrator: user id → id of the one who made it. */
    pending: ReadonlyMap<string, string>;
    /** The signed-in administrator's id: an account they made is not theirs to approve. */
    me: string;
    created?: { email: string; password: string | null } | undefined;
    errors: Record<string, string[]>;
    values: { email?: string; role?: string };
  },
) {
  const { at, staff, errors } = props;
  return (
    <AdminLayout {...props} title={at('users.heading')} current="users">
      <h1>{at('users.heading')}</h1>
      {props.created ? (
        <div class="flash" role="status">
          <p>
            {props.created.password
              ? at('users.createdOnce', { email: props.created.email })
              : at('users.created', { email: props.created.email })}
          </p>
          {props.created.password ? <p class="secret">{props.created.password}</p> : null}
          <p>{at('users.enrolmentHeld', { email: props.created.email })}</p>
        </div>
      ) : null}
      <table class="admin-table">
        <caption class="visually-hidden">{at('users.heading')}</caption>
        <thead>
          <tr>
            <th scope="col">{at('users.email')}</th>
            <th scope="col">{at('users.role')}</th>
            <th scope="col">{at('users.mfa')}</th>
            <th scope="col">{at('users.state')}</th>
            <th scope="col">{at('users.disable')}</th>
          </tr>
        </thead>
        <tbody>
          {props.users.map((u) => {
            const action = u.disabled ? 'enable' : 'disable';
            return (
              <tr>
                <td>{u.email}</td>
                <td>{at(`role.${u.role}`)}</td>
                <td>{u.mfaEnrolled ? at('users.mfaOn') : at('users.mfaOff')}</td>
                <td>
                  {u.disabled ? at('users.disabled') : at('users.enabled')}
                  {props.pending.has(u.id) ? ` ${at('users.pending')}` : null}
                </td>
                <td>
                  {props.pending.has(u.id) && props.pending.get(u.id) !== props.me ? (
                    <form method="post" action={`/admin/users/${u.id}/approve`}>
                      <Csrf staff={staff} />
                      <button
                        class="button-primary"
                        type="submit"
                        aria-label={at('users.approveLabel', { email: u.email })}
                      >
                        {at('users.approve')}
                      </button>
                    </form>
                  ) : null}
                  {u.email === staff?.email ? null : (
                    <form method="post" action={`/admin/users/${u.id}/${action}`}>
                      <Csrf staff={staff} />
                      <button
                        class={u.disabled ? 'button-secondary' : 'button-danger'}
                        type="submit"
                        aria-label={at('users.toggleLabel', { email: u.email, action: at(`users.${action}`) })}
                      >
                        {at(`users.${action}`)}
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <form method="post" action="/admin/users" class="panel">
        <h2>{at('users.create')}</h2>
        <Csrf staff={staff} />
        <Field
          name="email"
          label={at('users.email')}
          type="email"
          value={props.values.email}
          errors={errors.email}
          required
          requiredLabel={at('draft.required')}
        />
        <Field name="role" label={at('users.role')} errors={errors.role}>
          <select id="f-role" name="role">
            {(['clerk', 'approver', 'admin'] as const).map((r) => (
              <option value={r} selected={props.values.role === r}>
                {at(`role.${r}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field
          name="password"
          label={at('users.password')}
          type="password"
          errors={errors.password}
          autocomplete="new-password"
        />
        <button class="button-primary" type="submit">
          {at('users.create')}
        </button>
      </form>
    </AdminLayout>
  );
}

export function AuditPage(
  props: AdminPageProps & {
    filters: Record<string, string | undefined>;
    query: string;
    result: {
      rows: {
        id: number;
        at: string;
        actor_type: string;
        actor_id: string;
        action: string;
        contract_number: string | null;
        detail: string;
      }[];
      names: AuditNames;
      total: number;
      page: number;
      pages: number;
    };
  },
) {
  const { at, filters, result } = props;
  const f = formats(props.lang);
  const pageHref = (p: number) => `/admin/audit?${props.query ? `${props.query}&` : ''}page=${p}`;
  return (
    <AdminLayout {...props} title={at('audit.heading')} current="audit">
      <h1>{at('audit.heading')}</h1>
      <form method="get" action="/admin/audit" class="panel" role="search">
        <div class="search-grid">
          <Field
            name="action"
            label={at('audit.action')}
            value={filters.action}
            type="search"
            help={at('audit.actionHelp')}
          />
          <Field name="actorType" label={at('audit.actorType')}>
            <select id="f-actorType" name="actorType">
              <option value="">{at('list.any')}</option>
              {(['staff', 'api_token', 'cli', 'system'] as const).map((a) => (
                <option value={a} selected={filters.actorType === a}>
                  {at(`actorType.${a}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field name="actorId" label={at('audit.actor')} value={filters.actorId} type="search" />
          <Field name="contractNumber" label={at('audit.target')} value={filters.contractNumber} type="search" />
          <Field name="from" label={at('list.from')} type="date" value={filters.from} />
          <Field name="to" label={at('list.to')} type="date" value={filters.to} />
        </div>
        <button class="button-primary" type="submit">
          {at('audit.filter')}
        </button>
      </form>
      <p role="status">{at('list.count', { pages: result.pages, total: result.total, page: result.page })}</p>
      <div class="table-scroll">
        <table class="admin-table">
          <caption class="visually-hidden">{at('audit.heading')}</caption>
          <thead>
            <tr>
              <th scope="col">{at('audit.at')}</th>
              <th scope="col">{at('audit.actor')}</th>
              <th scope="col">{at('audit.action')}</th>
              <th scope="col">{at('audit.target')}</th>
              <th scope="col">{at('audit.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {result.rows.map((r) => (
              <tr>
                <td>{f.instant(r.at)}</td>
                <td>
                  <AuditActor at={at} row={r} names={result.names} />
                </td>
                <td>
                  <AuditAction at={at} action={r.action} />
                </td>
                <td class="contract-number">
                  {r.contract_number ? <a href={`/admin/sureties/${r.contract_number}`}>{r.contract_number}</a> : '—'}
                </td>
                <td>
                  <AuditDetail t={props.t} at={at} row={r} names={result.names} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label={at('list.pagination')}>
        {result.page > 1 ? <a href={pageHref(result.page - 1)}>{at('list.prev')}</a> : null}
        {result.page < result.pages ? <a href={pageHref(result.page + 1)}>{at('list.next')}</a> : null}
      </nav>
    </AdminLayout>
  );
}
