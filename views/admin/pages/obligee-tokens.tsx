// Administrator screen: obligee organisations' API tokens for the watch API (DESIGN §11) — made here, shown once,
// usable once a different administrator approves; revocable.
import type { ObligeeTokenScreen } from '../../../src/services/obligee-tokens.js';
import { formats } from '../../../src/i18n/format.js';
import { AdminLayout, Csrf, Field, type AdminPageProps } from '../layout.js';

export function ObligeeTokensPage(
  props: AdminPageProps &
    ObligeeTokenScreen & {
      /** The signed-in administrator's id: a token they made is not theirs to approve. */
      me: string;
      created?: { token: string; obligee: string } | undefined;
      errors?: string[] | undefined;
    },
) {
  const { at, staff } = props;
  const f = formats(props.lang);
  const nameOf = (id: string) => props.obligees.find((o) => o.id === id)?.name ?? id;
  return (
    <AdminLayout {...props} title={at('obligeeTokens.heading')} current="obligeeTokens">
      <h1>{at('obligeeTokens.heading')}</h1>
      <p>{at('obligeeTokens.intro')}</p>
      {props.created ? (
        <div class="flash" role="status">
          <p>{at('obligeeTokens.createdOnce', { obligee: nameOf(props.created.obligee) })}</p>
          <p class="secret">{props.created.token}</p>
          <p>{at('obligeeTokens.createdPending')}</p>
        </div>
      ) : null}
      <form method="post" action="/admin/obligee-tokens" class="panel">
        <Csrf staff={staff} />
        <label for="obligee">{at('obligeeTokens.obligee')}</label>
        <select id="obligee" name="obligee" required>
          {props.obligees.map((o) => (
            <option value={o.id}>
              {o.name}（{o.id}）
            </option>
          ))}
        </select>
        <Field
          name="name"
          label={at('obligeeTokens.name')}
          errors={props.errors}
          required
          requiredLabel={at('draft.required')}
        />
        <button class="button-primary" type="submit">
          {at('obligeeTokens.create')}
        </button>
      </form>
      {props.tokens.length === 0 ? (
        <p>{at('obligeeTokens.none')}</p>
      ) : (
        <table class="admin-table">
          <caption class="visually-hidden">{at('obligeeTokens.heading')}</caption>
          <thead>
            <tr>
              <th scope="col">{at('obligeeTokens.obligee')}</th>
              <th scope="col">{at('obligeeTokens.name')}</th>
              <th scope="col">{at('tokens.created')}</th>
              <th scope="col">{at('tokens.state')}</th>
              <th scope="col">{at('tokens.revoke')}</th>
            </tr>
          </thead>
          <tbody>
            {props.tokens.map((tk) => {
              const labels = { name: tk.name, obligee: nameOf(tk.obligee_id) };
              return (
                <tr>
                  <td>{nameOf(tk.obligee_id)}</td>
                  <td>{tk.name}</td>
                  <td>
                    {f.instant(tk.created_at)}
                    {tk.created_by === null ? <div>{at('obligeeTokens.cli')}</div> : null}
                  </td>
                  <td>
                    {tk.revoked_at
                      ? at('tokens.revoked', { at: f.instant(tk.revoked_at) })
                      : tk.approved_at
                        ? at('tokens.active')
                        : at('tokens.pending')}
                  </td>
                  <td>
                    {!tk.revoked_at && !tk.approved_at && tk.created_by !== props.me ? (
                      <form method="post" action={`/admin/obligee-tokens/${tk.id}/approve`}>
                        <Csrf staff={staff} />
                        <button
                          class="button-primary"
                          type="submit"
                          aria-label={at('obligeeTokens.approveLabel', labels)}
                        >
                          {at('tokens.approve')}
                        </button>
                      </form>
                    ) : null}
                    {tk.revoked_at ? null : (
                      <form method="post" action={`/admin/obligee-tokens/${tk.id}/revoke`}>
                        <Csrf staff={staff} />
                        <button
                          class="button-danger"
                          type="submit"
                          aria-label={at('obligeeTokens.revokeLabel', labels)}
                        >
                          {at('tokens.revoke')}
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </AdminLayout>
  );
}
