// 設定 (administrators): the effective configuration read-only, signing keys with the JWKS link, mail and database
// status. Secrets appear only as 設定あり / 未設定 (see src/services/staff/settings.ts).
import type { SettingLine, SettingsOverview } from '../../../src/services/staff/settings.js';
import { formats } from '../../../src/i18n/format.js';
import type { AdminTranslate } from '../../../src/i18n/admin.js';
import { AdminLayout, type AdminPageProps } from '../layout.js';

function Value(props: { at: AdminTranslate; line: SettingLine }) {
  const { at, line } = props;
  const v = line.value;
  switch (v.type) {
    case 'text':
      return <span class="kid">{v.value}</span>;
    case 'list':
      return v.value.length === 0 ? <>{at('settings.none')}</> : <span class="kid">{v.value.join(', ')}</span>;
    case 'flag':
      return <>{v.value ? at('settings.on') : at('settings.off')}</>;
    case 'secret':
      return <>{v.set ? at('settings.secretSet') : at('settings.secretUnset')}</>;
  }
}

/** 電子署名（eシール）: which e-seal signs the as-issued PDFs, its certificate, the TSA, and the signing queue. */
function ESealPanel(props: { at: AdminTranslate; f: ReturnType<typeof formats>; eSeal: SettingsOverview['eSeal'] }) {
  const { at, f, eSeal } = props;
  const { seal, queue } = eSeal;
  return (
    <section class="panel" aria-labelledby="eseal-h">
      <h2 id="eseal-h">{at('settings.eseal')}</h2>
      {eSeal.configured === 'none' ? (
        <p class="field-error">{at('settings.esealNone')}</p>
      ) : (
        <dl class="check-meta">
          <div>
            <dt>{at('settings.esealKind')}</dt>
            <dd>{at(`settings.esealKind.${eSeal.configured}`)}</dd>
          </div>
          {seal ? (
            <>
              <div>
                <dt>{at('settings.esealWhere')}</dt>
                <dd class="kid">{`${seal.where} (${seal.algorithm})`}</dd>
              </div>
              <div>
                <dt>{at('settings.esealSubject')}</dt>
                <dd>{seal.certificate.subject}</dd>
              </div>
              <div>
                <dt>{at('settings.esealIssuer')}</dt>
                <dd>{seal.certificate.issuer}</dd>
              </div>
              <div>
                <dt>{at('settings.esealValidity')}</dt>
                <dd>
                  {at('settings.esealValidityRange', {
                    from: f.instant(seal.certificate.notBefore),
                    to: f.instant(seal.certificate.notAfter),
                  })}
                </dd>
              </div>
              <div>
                <dt>{at('settings.esealTsa')}</dt>
                <dd class="kid">{seal.tsa ?? at('settings.esealTsaNone')}</dd>
              </div>
              <div>
                <dt>{at('settings.esealLevel')}</dt>
                <dd>{at(`settings.esealLevel.${seal.level}`)}</dd>
              </div>
            </>
          ) : (
            <div>
              <dt>{at('settings.esealWhere')}</dt>
              <dd>{at('settings.esealNotOpened')}</dd>
            </div>
          )}
          <div>
            <dt>{at('settings.esealQueue')}</dt>
            <dd>
              {at('settings.esealCounts', { signed: queue.signed, pending: queue.pending, failing: queue.failing })}
            </dd>
          </div>
        </dl>
      )}
      {eSeal.failures.length > 0 ? (
        <div class="table-scroll">
          <table class="admin-table">
            <caption>{at('settings.esealFailures')}</caption>
            <thead>
              <tr>
                <th scope="col">{at('settings.esealVersion')}</th>
                <th scope="col">{at('settings.esealAttempts')}</th>
                <th scope="col">{at('settings.esealLastError')}</th>
                <th scope="col">{at('settings.esealNextAttempt')}</th>
              </tr>
            </thead>
            <tbody>
              {eSeal.failures.map((x) => (
                <tr>
                  <td class="kid">{`${x.contractNumber} / seq ${x.seq}`}</td>
                  <td>{x.attempts}</td>
                  <td>{x.lastError}</td>
                  <td>{f.instant(x.nextAttemptAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <p class="note">{at('settings.esealNote')}</p>
    </section>
  );
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export function SettingsPage(props: AdminPageProps & { overview: SettingsOverview }) {
  const { at, overview } = props;
  const f = formats(props.lang);
  const { database: db, mail, throttle } = overview;
  const minutes = (ms: number) => Math.round(ms / 60_000);
  return (
    <AdminLayout {...props} title={at('settings.heading')} current="settings">
      <h1>{at('settings.heading')}</h1>
      <p>{at('settings.lead')}</p>

      <section class="panel" aria-labelledby="cfg-h">
        <h2 id="cfg-h">{at('settings.config')}</h2>
        <p class="note">{at('settings.configNote')}</p>
        <div class="table-scroll">
          <table class="admin-table">
            <caption class="visually-hidden">{at('settings.config')}</caption>
            <thead>
              <tr>
                <th scope="col">{at('settings.variable')}</th>
                <th scope="col">{at('settings.value')}</th>
                <th scope="col">{at('settings.meaning')}</th>
              </tr>
            </thead>
            <tbody>
              {overview.config.map((line) => (
                <tr>
                  <th scope="row" class="kid">
                    {line.name}
                  </th>
                  <td>
                    <Value at={at} line={line} />
                    {line.warning ? <p class="field-error">{at(`settings.warn.${line.warning}`)}</p> : null}
                  </td>
                  <td>{at(`settings.var.${line.name}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h3>{at('settings.throttle')}</h3>
        <ul>
          <li>
            {at('settings.throttle.client', {
              count: throttle.clientLimit,
              minutes: minutes(throttle.clientWindowMs),
            })}
          </li>
          <li>
            {at('settings.throttle.pair', { count: throttle.pairLimit, minutes: minutes(throttle.pairWindowMs) })}
          </li>
          <li>
            {at('settings.throttle.alert', {
              count: throttle.numberAlertThreshold,
              minutes: minutes(throttle.numberAlertWindowMs),
            })}
          </li>
        </ul>
      </section>

      <section class="panel" aria-labelledby="keys-h">
        <h2 id="keys-h">{at('settings.keys')}</h2>
        <p>
          {at('settings.keysLead')} <a href="/.well-known/jwks.json">/.well-known/jwks.json</a>
        </p>
        <div class="table-scroll">
          <table class="admin-table">
            <caption class="visually-hidden">{at('settings.keys')}</caption>
            <thead>
              <tr>
                <th scope="col">kid</th>
                <th scope="col">{at('settings.keyCreated')}</th>
                <th scope="col">{at('settings.keyRetired')}</th>
                <th scope="col">{at('settings.keyState')}</th>
              </tr>
            </thead>
            <tbody>
              {overview.keys.map((k) => (
                <tr>
                  <td class="kid">{k.kid}</td>
                  <td>{f.instant(k.createdAt)}</td>
                  <td>{k.retiredAt ? f.instant(k.retiredAt) : '—'}</td>
                  <td>
                    {k.refused
                      ? at('settings.keyRefused')
                      : k.active
                        ? at('settings.keyActive')
                        : k.retiredAt
                          ? at('settings.keyRetiredState')
                          : at('settings.keyOther')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p>
          {overview.activeKeyStore.kind === 'pkcs11'
            ? at('settings.keyStorePkcs11', {
                token: overview.activeKeyStore.token,
                label: overview.activeKeyStore.label,
              })
            : at('settings.keyStoreFile')}
        </p>
        <p class="note">{at('settings.keysRotate')}</p>
      </section>

      <section class="panel" aria-labelledby="mail-h">
        <h2 id="mail-h">{at('settings.mail')}</h2>
        <dl class="check-meta">
          <div>
            <dt>SMTP</dt>
            <dd>{mail.smtpConfigured ? at('settings.smtpOn') : at('settings.smtpOff')}</dd>
          </div>
          <div>
            <dt>{at('settings.mailFrom')}</dt>
            <dd class="kid">{mail.from}</dd>
          </div>
          <div>
            <dt>{at('settings.mailQueue')}</dt>
            <dd>
              <a href="/admin/outbox">
                {at('settings.mailCounts', {
                  pending: mail.counts.pending,
                  dead: mail.counts.dead,
                  sent: mail.counts.sent,
                })}
              </a>
            </dd>
          </div>
        </dl>
      </section>

      <ESealPanel at={at} f={f} eSeal={overview.eSeal} />

      <section class="panel" aria-labelledby="db-h">
        <h2 id="db-h">{at('settings.database')}</h2>
        <dl class="check-meta">
          <div>
            <dt>{at('settings.dbKind')}</dt>
            <dd>{db.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'}</dd>
          </div>
          <div>
            <dt>{at('settings.dbSchema')}</dt>
            <dd>
              {db.migrationsCurrent
                ? at('settings.dbSchemaCurrent', { count: db.migrationCount, latest: db.latestMigration })
                : at('settings.dbSchemaPending')}
            </dd>
          </div>
          <div>
            <dt>{at('settings.dbSize')}</dt>
            <dd>{db.bytes === null ? '—' : mib(db.bytes)}</dd>
          </div>
          {db.walBytes === null ? null : (
            <div>
              <dt>{at('settings.dbWal')}</dt>
              <dd>{mib(db.walBytes)}</dd>
            </div>
          )}
          <div>
            <dt>{at('settings.dbGuarantees')}</dt>
            <dd>{at('settings.count', { count: db.guarantees.toLocaleString('ja-JP') })}</dd>
          </div>
          <div>
            <dt>{at('settings.auditHead')}</dt>
            <dd>
              {db.auditHead ? (
                <>
                  {`id ${db.auditHead.id} / ${f.instant(db.auditHead.at)} / `}
                  <span class="kid">{db.auditHead.hash ?? '—'}</span>
                </>
              ) : (
                '—'
              )}
            </dd>
          </div>
          <div>
            <dt>{at('settings.backup')}</dt>
            <dd>
              {db.lastBackup
                ? at('settings.backupLast', {
                    at: f.instant(db.lastBackup.at),
                    file: String(db.lastBackup.detail.file ?? ''),
                    versions: String(db.lastBackup.detail.versions ?? '—'),
                  })
                : at('settings.backupNone')}
            </dd>
          </div>
        </dl>
        <p class="note">{db.dialect === 'postgres' ? at('settings.backupPostgres') : at('settings.backupSqlite')}</p>
        <p class="note">{at('settings.auditHeadNote')}</p>
      </section>
    </AdminLayout>
  );
}
