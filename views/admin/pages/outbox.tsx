// メール送信状況: the outbox by state with filters, why each mail failed in plain words, and 再送; plus the dashboard's
// mail panel. Addresses are masked and bodies never shown (see src/services/staff/outbox.ts).
import {
  MAIL_KINDS,
  type MailFilters,
  type MailKind,
  type MailScreen,
  type OutboxState,
} from '../../../src/services/staff/outbox.js';
import { formats } from '../../../src/i18n/format.js';
import type { AdminKey } from '../../../src/i18n/admin.js';
import { AdminLayout, Csrf, Field, type AdminPageProps } from '../layout.js';

const STATE_ORDER: OutboxState[] = ['dead', 'pending', 'sent'];
const kindKey = (kind: string): AdminKey =>
  (MAIL_KINDS as readonly string[]).includes(kind) ? `mailKind.${kind as MailKind}` : 'mailKind.other';

export function OutboxPage(
  props: AdminPageProps & {
    filters: Omit<MailFilters, 'contractNumber'> & { contractNumber?: string | undefined };
    screen: MailScreen;
  },
) {
  const { at, staff, filters, screen } = props;
  const f = formats(props.lang);
  const query = (extra: Record<string, string>) =>
    new URLSearchParams(
      Object.entries({
        state: filters.state,
        ...(filters.contractNumber ? { contractNumber: filters.contractNumber } : {}),
        ...(filters.kind ? { kind: filters.kind } : {}),
        ...extra,
      }),
    ).toString();
  const heading = at(`mail.state.${filters.state}`);
  return (
    <AdminLayout {...props} title={at('mail.heading')} current="outbox">
      <h1>{at('mail.heading')}</h1>
      <p>{at('mail.lead')}</p>
      {screen.smtpConfigured ? null : <p class="flash flash-warn">{at('mail.noSmtp')}</p>}
      <nav class="button-row tabs" aria-label={at('mail.states')}>
        {STATE_ORDER.map((s) => (
          <a
            class="button-secondary"
            href={`/admin/outbox?${new URLSearchParams({ state: s }).toString()}`}
            aria-current={filters.state === s ? 'page' : undefined}
          >
            {at('mail.stateCount', { state: at(`mail.state.${s}`), count: screen.counts[s] })}
          </a>
        ))}
      </nav>
      <form method="get" action="/admin/outbox" class="panel" role="search">
        <input type="hidden" name="state" value={filters.state} />
        <div class="search-grid">
          <Field name="contractNumber" label={at('list.contractNumber')} value={filters.contractNumber} type="search" />
          <Field name="kind" label={at('mail.kind')}>
            <select id="f-kind" name="kind">
              <option value="">{at('list.any')}</option>
              {MAIL_KINDS.map((k) => (
                <option value={k} selected={filters.kind === k}>
                  {at(`mailKind.${k}`)}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <button class="button-primary" type="submit">
          {at('audit.filter')}
        </button>
      </form>
      <h2>{heading}</h2>
      <p role="status">{at('list.count', { pages: screen.pages, total: screen.total, page: screen.page })}</p>
      {screen.rows.length === 0 ? (
        <p class="empty">{at('mail.none')}</p>
      ) : (
        <div class="table-scroll">
          <table class="admin-table">
            <caption class="visually-hidden">{heading}</caption>
            <thead>
              <tr>
                <th scope="col">{at('mail.created')}</th>
                <th scope="col">{at('mail.kind')}</th>
                <th scope="col">{at('list.contractNumber')}</th>
                <th scope="col">{at('mail.recipient')}</th>
                <th scope="col">{at('mail.subject')}</th>
                <th scope="col">{at('mail.attempts')}</th>
                <th scope="col">{filters.state === 'sent' ? at('mail.sentAt') : at('mail.next')}</th>
                <th scope="col">{at('mail.lastError')}</th>
                <th scope="col">{at('mail.action')}</th>
              </tr>
            </thead>
            <tbody>
              {screen.rows.map((m) => (
                <tr id={`mail-${m.id}`}>
                  <td>{f.instant(m.createdAt)}</td>
                  <td>{at(kindKey(m.kind))}</td>
                  <td class="contract-number">
                    {m.contractNumber ? <a href={`/admin/sureties/${m.contractNumber}`}>{m.contractNumber}</a> : '—'}
                  </td>
                  <td>{m.recipient || at('mail.recipientGone')}</td>
                  <td>{m.subject}</td>
                  <td class="num">{m.attempts}</td>
                  <td>
                    {m.state === 'sent'
                      ? m.sentAt
                        ? f.instant(m.sentAt)
                        : '—'
                      : m.state === 'dead'
                        ? at('mail.stopped')
                        : m.sending
                          ? at('mail.sending')
                          : screen.smtpConfigured
                            ? f.instant(m.nextAttemptAt ?? m.createdAt)
                            : at('mail.waitingSmtp')}
                  </td>
                  <td>
                    {m.failure ? (
                      <>
                        <p class="mail-reason">
                          {at(`mailError.${m.failure.kind}`)}
                          {m.failure.kind === 'temporary' || m.failure.kind === 'connection'
                            ? ` ${m.state === 'dead' ? at('mail.exhausted', { attempts: m.attempts }) : at('mail.autoRetry')}`
                            : ''}
                        </p>
                        <p class="note">
                          {at('mail.serverSaid')}
                          <span class="kid">{m.failure.detail}</span>
                        </p>
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    {m.retryable ? (
                      <form method="post" action={`/admin/outbox/${m.id}/retry`}>
                        <Csrf staff={staff} />
                        <button
                          class="button-secondary"
                          type="submit"
                          aria-label={at('mail.retryLabel', { subject: m.subject, recipient: m.recipient || '—' })}
                        >
                          {at('mail.retry')}
                        </button>
                      </form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="note">{at('mail.retryNote')}</p>
      <nav class="pager" aria-label={at('list.pagination')}>
        {screen.page > 1 ? (
          <a href={`/admin/outbox?${query({ page: String(screen.page - 1) })}`}>{at('list.prev')}</a>
        ) : null}
        {screen.page < screen.pages ? (
          <a href={`/admin/outbox?${query({ page: String(screen.page + 1) })}`}>{at('list.next')}</a>
        ) : null}
      </nav>
    </AdminLayout>
  );
}

/** The dashboard's mail panel: dead letters stand out so that staff notice them. */
export function MailPanel(props: Pick<AdminPageProps, 'at'> & { counts: Record<OutboxState, number> }) {
  const { at, counts } = props;
  return (
    <section class="panel" aria-labelledby="mail-h">
      <h2 id="mail-h">{at('dashboard.mail')}</h2>
      {counts.dead > 0 ? (
        <p class="flash flash-warn">
          {at('dashboard.mailDead', { count: counts.dead })}{' '}
          <a href="/admin/outbox?state=dead">{at('dashboard.mailOpen')}</a>
        </p>
      ) : (
        <p>{at('dashboard.mailDeadNone')}</p>
      )}
      <p>
        <a href="/admin/outbox?state=pending">{at('dashboard.mailPending', { count: counts.pending })}</a>
      </p>
    </section>
  );
}
