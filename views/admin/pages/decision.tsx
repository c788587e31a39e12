// The parts of the approval screen (申込・承認) that an application for a version and a four-eyes request share:
// the facts list at the top, the 変更前 → 変更後 table head, and approve / send back / withdraw.
import type { Child } from 'hono/jsx';
import type { StoredDraft } from '../../../src/services/staff/drafts.js';
import { Csrf, Field, type AdminPageProps } from '../layout.js';

/** The error of the last decision, then the facts (status, who, when …) as one description list. */
export function DecisionFacts(props: { error?: string | undefined; facts: (readonly [string, Child] | null)[] }) {
  return (
    <>
      {props.error ? (
        <div class="error-summary" role="alert">
          <p>{props.error}</p>
        </div>
      ) : null}
      <dl class="check-meta panel">
        {props.facts.map((fact) =>
          fact ? (
            <div>
              <dt>{fact[0]}</dt>
              <dd>{fact[1]}</dd>
            </div>
          ) : null,
        )}
      </dl>
    </>
  );
}

export function DiffTableHead(props: Pick<AdminPageProps, 'at'>) {
  const { at } = props;
  return (
    <thead>
      <tr>
        <th scope="col">{at('detail.diffField')}</th>
        <th scope="col">{at('detail.diffBefore')}</th>
        <th scope="col">{at('detail.diffAfter')}</th>
      </tr>
    </thead>
  );
}

/**
 * What the viewer may do with a pending application: an approver who did not write it approves or sends it back
 * (with a reason); its author is told so instead, and may withdraw it when `canWithdraw`.
 */
export function DecisionForms(
  props: Pick<AdminPageProps, 'at' | 'staff'> & {
    draft: StoredDraft;
    isOwn: boolean;
    canWithdraw: boolean;
    labels: { approve: string; own: string };
    /** Inputs sent with the approval (a 取消's confirmation). */
    approveWith?: Child;
  },
) {
  const { at, draft, staff, isOwn } = props;
  // A 下書き or a sent-back application can still be withdrawn by its clerk; only a pending one can be decided.
  if (draft.status === 'draft' || draft.status === 'rejected')
    return props.canWithdraw ? <Withdraw {...props} /> : null;
  if (draft.status !== 'pending') return null;
  return (
    <>
      {staff?.role === 'approver' ? (
        isOwn ? (
          <p class="flash flash-warn">{props.labels.own}</p>
        ) : (
          <div class="button-row panel">
            <form method="post" action={`/admin/drafts/${draft.id}/approve`}>
              <Csrf staff={staff} />
              {props.approveWith}
              <button class="button-primary" type="submit">
                {props.labels.approve}
              </button>
            </form>
            <form method="post" action={`/admin/drafts/${draft.id}/reject`}>
              <Csrf staff={staff} />
              <Field
                name="reason"
                label={at('sendBack.reasonRequired')}
                required
                requiredLabel={at('draft.required')}
              />
              <button class="button-secondary" type="submit">
                {at('draft.reject')}
              </button>
            </form>
          </div>
        )
      ) : null}
      {props.canWithdraw ? <Withdraw {...props} /> : null}
    </>
  );
}

function Withdraw(props: Pick<AdminPageProps, 'at' | 'staff'> & { draft: StoredDraft }) {
  return (
    <form method="post" action={`/admin/drafts/${props.draft.id}/withdraw`}>
      <Csrf staff={props.staff} />
      <button class="button-secondary" type="submit">
        {props.at('draft.withdraw')}
      </button>
    </form>
  );
}
