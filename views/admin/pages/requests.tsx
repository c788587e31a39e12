// One four-eyes request on the approval screen (申込・承認): an obligee change shown 変更前 → 変更後, or a key reissue
// with its reason; approve / send back for a different approver, withdraw for its author.
import type { ObligeeRule } from '../../../src/domain/eligibility.js';
import { enforces, minimumContractRatio, type PlausibilityChecks } from '../../../src/domain/plausibility.js';
import type { StoredDraft } from '../../../src/services/staff/drafts.js';
import type { RequestView } from '../../../src/services/staff/requests.js';
import { formats } from '../../../src/i18n/format.js';
import { AdminLayout, type AdminPageProps } from '../layout.js';
import { DecisionFacts, DecisionForms, DiffTableHead } from './decision.js';

function Rules(props: Pick<AdminPageProps, 't' | 'at' | 'lang'> & { rules: ObligeeRule[] }) {
  const { t, at } = props;
  const f = formats(props.lang);
  if (props.rules.length === 0) return <>{at('obligees.rule.none')}</>;
  return (
    <ul class="products">
      {props.rules.map((r) => (
        <li>
          {r.products.map((p) => t(`product.${p}`)).join('・')}：
          {t('obligees.rule', { basis: t(`basis.${r.basis}`), date: f.date(r.effectiveFrom) })}
        </li>
      ))}
    </ul>
  );
}

/** An obligee's plausibility settings in words: 契約保証金は請負代金額の10%以上 … ・違反は警告. */
function checksText(at: AdminPageProps['at'], checks: PlausibilityChecks | null | undefined): string {
  return at('obligees.checks.summary', {
    ratio: String(minimumContractRatio(checks)),
    mode: at(enforces(checks) ? 'obligees.checks.modeEnforce' : 'obligees.checks.modeWarn'),
  });
}

export function RequestPage(
  props: AdminPageProps & {
    draft: StoredDraft;
    draftedByEmail: string;
    view: RequestView;
    error?: string | undefined;
  },
) {
  const { at, draft, staff, view } = props;
  const f = formats(props.lang);
  const isOwn = props.draftedByEmail === staff?.email;
  const pending = draft.status === 'pending';
  const kindLabel = at(view.kind === 'obligee' ? 'event.obligee' : 'event.reissue_key');
  return (
    <AdminLayout {...props} title={at('request.heading')} current="drafts">
      <h1>
        {at('request.heading')}：{kindLabel}
      </h1>
      <DecisionFacts
        error={props.error}
        facts={[
          [at('drafts.status'), at(`draftStatus.${draft.status as 'pending'}`)],
          [at('request.by'), props.draftedByEmail],
          [at('request.at'), f.instant(draft.drafted_at)],
          draft.decided_at ? [at('request.decidedAt'), f.instant(draft.decided_at)] : null,
          view.kind === 'obligee'
            ? [at('obligees.id'), <span class="kid">{view.obligeeId}</span>]
            : [at('drafts.target'), <a href={`/admin/sureties/${view.contractNumber}`}>{view.contractNumber}</a>],
          draft.error ? [at('draft.rejectReason'), draft.error] : null,
        ]}
      />
      {view.kind === 'obligee' ? (
        <section class="panel" aria-labelledby="c-h">
          <h2 id="c-h">{view.before ? at('request.obligee.change') : at('request.obligee.new')}</h2>
          {view.stale ? <p class="flash flash-warn">{at('request.obligee.stale')}</p> : null}
          <table class="admin-table diff-table">
            <DiffTableHead at={at} />
            <tbody>
              {(
                [
                  ['obligees.name', view.before?.name, view.after.name],
                  ['obligees.title', view.before?.title, view.after.title],
                ] as const
              ).map(([label, before, after]) => (
                <tr>
                  <th scope="row">{at(label)}</th>
                  <td class={before !== after ? 'diff-before' : undefined}>{before ?? '—'}</td>
                  <td class={before !== after ? 'diff-after' : undefined}>{after ?? '—'}</td>
                </tr>
              ))}
              <tr>
                <th scope="row">{at('obligees.rules')}</th>
                {JSON.stringify(view.before?.rules) === JSON.stringify(view.after.rules) ? (
                  <>
                    <td>
                      <Rules {...props} rules={view.after.rules} />
                    </td>
                    <td>
                      <Rules {...props} rules={view.after.rules} />
                    </td>
                  </>
                ) : (
                  <>
                    <td class="diff-before">{view.before ? <Rules {...props} rules={view.before.rules} /> : '—'}</td>
                    <td class="diff-after">
                      <Rules {...props} rules={view.after.rules} />
                    </td>
                  </>
                )}
              </tr>
              {view.before === null ||
              JSON.stringify(view.before.checks ?? null) !== JSON.stringify(view.after.checks) ? (
                <tr>
                  <th scope="row">{at('obligees.checks')}</th>
                  <td class="diff-before">{view.before ? checksText(at, view.before.checks) : '—'}</td>
                  <td class="diff-after">{checksText(at, view.after.checks)}</td>
                </tr>
              ) : (
                <tr>
                  <th scope="row">{at('obligees.checks')}</th>
                  <td>{checksText(at, view.after.checks)}</td>
                  <td>{checksText(at, view.after.checks)}</td>
                </tr>
              )}
            </tbody>
          </table>
          <p class="note">{at('request.obligee.note')}</p>
        </section>
      ) : (
        <section class="panel" aria-labelledby="c-h">
          <h2 id="c-h">{at('event.reissue_key')}</h2>
          <p>
            {at('detail.reason')}：{view.reason ?? at('request.noReason')}
          </p>
          <p class="note">{at('request.reissue.note')}</p>
        </section>
      )}
      {pending && staff?.role !== 'approver' ? <p class="note">{at('request.waiting')}</p> : null}
      <DecisionForms
        at={at}
        staff={staff}
        draft={draft}
        isOwn={isOwn}
        canWithdraw={pending && isOwn}
        labels={{ approve: at('request.approve'), own: at('request.own') }}
      />
    </AdminLayout>
  );
}
