// The certificate as an officer sees it: status banner, signature check, the certificate laid out like a paper
// 保証証書 (title, addressee, issuer, every field), and the visible history with each version viewable.
// Rendered only from verified payloads.
import { certificateRows, type FieldRow } from '../../src/domain/field-rows.js';
import { changeKind } from '../../src/domain/history.js';
import { lineageOf, storyOf } from '../../src/domain/version-story.js';
import { storyText } from '../../src/i18n/story.js';
import type { WhatChanged } from '../../src/services/what-changed.js';
import type { Receipt } from '../../src/services/confirm-receipt.js';
import type { SuretyState, VersionView } from '../../src/services/surety-state.js';
import type { OfficerMemo } from '../../src/security/officer-memo.js';
import { FollowUp, type FollowUpFlash } from './certificate-follow-up.js';
import { DocumentsPanel } from './documents-panel.js';
import { OfficerRecords } from './officer-records.js';
import { FindingsPanel, RowFindings } from './findings-panel.js';
import { findingPaths, type Finding } from '../../src/domain/findings.js';
import type { ExpectInput } from '../../src/domain/expect-input.js';
import { WhatChangedPanel } from './what-changed-panel.js';
import { fieldFormatters, formats } from '../../src/i18n/format.js';
import { Layout, type PageProps } from '../layout.js';

export interface CertificatePageProps extends PageProps {
  state: SuretyState;
  /** The version shown: the current one unless a history row was selected. */
  shown: VersionView;
  /** When this page was produced (ISO instant); printed so a paper copy records when it was checked. */
  viewedAt?: string | undefined;
  /** Receipt confirmations of this guarantee; when given, 受領確認 and the alerts panel are offered. */
  receipts?: Receipt[] | undefined;
  /** What the last follow-up form did (shown once after its redirect). */
  flash?: FollowUpFlash | undefined;
  /** The 確認者 remembered for this viewing session (fills the officer's records form). */
  officer?: OfficerMemo | null | undefined;
  /** The officer's own figures and the findings of the version shown (DESIGN §11); absent leaves the panel out. */
  findings?: { input: ExpectInput; list: Finding[]; opened: number } | undefined;
  /** What changed since the version last confirmed (or viewed in an earlier session); shown on the current version. */
  changed?: WhatChanged | null | undefined;
}

export function CertificatePage(props: CertificatePageProps) {
  const { t, lang, state, shown } = props;
  const c = shown.certificate;
  const f = formats(lang);
  const rows = certificateRows(c, fieldFormatters(lang));
  const isCurrent = shown.seq === state.current.seq;
  const visibleIndex = state.visible.findIndex((v) => v.seq === shown.seq);
  const kindOf = (i: number) => {
    const v = state.visible[i];
    return v ? t(`kind.${changeKind(v, state.visible[i - 1])}`) : '';
  };
  const base = `/certificates/${state.contractNumber}`;
  const productTitle = t(`cert.title.${c.product}`);
  const stamps = [
    state.status !== 'active' ? { cls: `stamp-${state.status}`, text: t(`cert.status.${state.status}`) } : null,
    !isCurrent ? { cls: 'stamp-old', text: t('cert.stamp.old') } : null,
  ].filter((s) => s !== null);

  return (
    <Layout {...props} title={`${productTitle} ${c.contractNumber}`} noindex printable>
      <div class="cert-toolbar no-print">
        <a href="/" class="back-link">
          {t('cert.verifyAnother')}
        </a>
        <span class="print-group">
          <span class="note">{t('cert.printHint')}</span>
          <button type="button" class="button-primary" data-print hidden>
            {t('cert.print')}
          </button>
        </span>
      </div>

      <p class="print-only print-head">
        {t('site.title')}
        {props.viewedAt ? ` ／ ${t('cert.viewedAt')}: ${f.instant(props.viewedAt)}` : ''}
      </p>

      {!isCurrent ? (
        <div class="banner banner-old" role="note">
          <span>{t('cert.viewingOld', { no: visibleIndex + 1 })}</span>{' '}
          <a href={base} class="no-print">
            {t('cert.viewCurrent')}
          </a>
        </div>
      ) : null}

      <div class={`banner banner-${state.status}`} role="status">
        <span class="badge">{t(`cert.status.${state.status}`)}</span>
        <span>{t(`cert.banner.${state.status}`)}</span>
      </div>

      <section class={state.status === 'active' ? 'check' : 'check check-neutral'} aria-label={t('cert.check.label')}>
        <p class="signature">
          {/* The signature says the content is authentic, never that the guarantee is in force: under a 取消 or 満了
              banner a green 「有効」 was read as "this guarantee is valid", so the wording names the status beside it. */}
          <span class={state.status === 'active' ? 'sig-result' : 'sig-result sig-neutral'}>
            <span class="sig-mark" aria-hidden="true">
              ✓
            </span>
            {t('cert.signature')}: {t('cert.signature.valid')}
          </span>
          <span class="sig-detail">{t(`cert.signature.meaning.${state.status}`)}</span>
        </p>
        <dl class="check-meta">
          <div>
            <dt>{t('cert.version.shown')}</dt>
            <dd>{t('cert.version.summary', { no: visibleIndex + 1, kind: kindOf(visibleIndex) })}</dd>
          </div>
          <div>
            <dt>{t('field.issuedAt')}</dt>
            <dd>{f.instant(shown.issuedAt)}</dd>
          </div>
          {shown.reason ? (
            <div>
              <dt>{t('field.reason')}</dt>
              <dd lang={lang === 'ja' ? undefined : 'ja'}>{shown.reason}</dd>
            </div>
          ) : null}
          <div class="kid-row">
            <dt>{t('cert.signature.keyId')}</dt>
            <dd class="kid">{shown.kid}</dd>
          </div>
        </dl>
      </section>

      {props.changed && isCurrent ? (
        <WhatChangedPanel t={t} f={f} lang={lang} changed={props.changed} current={c} />
      ) : null}

      <article class="paper" aria-labelledby="cert-title">
        <div class="paper-head">
          <div class="stamps">
            {stamps.map((s) => (
              <span class={`stamp ${s.cls}`}>{s.text}</span>
            ))}
          </div>
          <dl class="doc-ids">
            {rows.head.map((r) => (
              <div>
                <dt>{t(r.label)}</dt>
                <dd class={r.field.format === 'identifier' ? 'contract-number' : undefined}>{r.value}</dd>
              </div>
            ))}
          </dl>
        </div>
        <h1 id="cert-title">{productTitle}</h1>
        <div class="parties">
          <p class="addressee" lang={lang === 'ja' ? undefined : 'ja'}>
            {t('cert.addressee', { name: c.obligee.title ?? c.obligee.name })}
          </p>
          <div class="issuer">
            <p class="issuer-label">{t('field.issuer')}</p>
            <p class="issuer-name" lang={lang === 'ja' ? undefined : 'ja'}>
              {c.issuer.name}
            </p>
            {c.issuer.office ? <p lang={lang === 'ja' ? undefined : 'ja'}>{c.issuer.office}</p> : null}
            {c.issuer.representative ? <p lang={lang === 'ja' ? undefined : 'ja'}>{c.issuer.representative}</p> : null}
          </div>
        </div>
        <p class="certifies">{t('cert.certifies')}</p>
        <p class="ki">{t('cert.ki')}</p>
        <CertificateTable t={t} lang={lang} sections={rows.sections} findings={props.findings?.list} />
        <p class="note authoritative">{t('cert.authoritative')}</p>
      </article>

      {props.findings ? (
        <FindingsPanel
          t={t}
          action={props.path}
          input={props.findings.input}
          findings={props.findings.list}
          opened={props.findings.opened}
          nonce={props.nonce}
        />
      ) : null}

      <DocumentsPanel
        t={t}
        contractNumber={state.contractNumber}
        seq={shown.seq}
        isCurrent={isCurrent}
        no={visibleIndex + 1}
        kind={kindOf(visibleIndex)}
        nonce={props.nonce}
      />

      <OfficerRecords
        t={t}
        f={f}
        nonce={props.nonce}
        contractNumber={state.contractNumber}
        seq={shown.seq}
        isCurrent={isCurrent}
        no={visibleIndex + 1}
        kind={kindOf(visibleIndex)}
        receipts={props.receipts?.filter((r) => lineageOf(state.versions, shown.seq).includes(r.seq)) ?? []}
        confirmable={props.receipts !== undefined}
        officer={props.officer}
        flash={props.flash}
        expect={props.findings?.input.expect}
      />

      <section class="panel history" aria-labelledby="history-heading">
        <h2 id="history-heading">{t('history.heading')}</h2>
        <p class="note">
          {t('history.note')}
          <br />
          {t('history.issuedAtNote')}
        </p>
        <div class="table-scroll">
          <table class="history-table" aria-labelledby="history-heading">
            <thead>
              <tr>
                <th scope="col" class="col-no">
                  {t('history.no')}
                </th>
                <th scope="col">{t('history.issuedAt')}</th>
                <th scope="col">{t('history.kind')}</th>
                <th scope="col" class="col-select">
                  {t('history.document')}
                </th>
              </tr>
            </thead>
            <tbody>
              {state.visible.map((v, i) => {
                const isShown = v.seq === shown.seq;
                return (
                  <tr class={isShown ? 'is-shown' : undefined} aria-current={isShown ? 'true' : undefined}>
                    <td class="col-no">{i + 1}</td>
                    <td>{f.instant(v.issuedAt)}</td>
                    <td>{storyText(t, storyOf(state.versions, v.seq))}</td>
                    <td class="col-select">
                      {isShown ? (
                        <span class="shown-mark">{t('history.viewing')}</span>
                      ) : (
                        <a
                          class="select-link"
                          href={`${base}/versions/${v.seq}`}
                          aria-label={t('history.selectLabel', { no: i + 1, kind: kindOf(i) })}
                        >
                          {t('history.select')}
                        </a>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>

      {props.receipts ? (
        <FollowUp
          t={t}
          nonce={props.nonce}
          contractNumber={state.contractNumber}
          cancelled={state.status === 'cancelled'}
          flash={props.flash}
        />
      ) : null}
    </Layout>
  );
}

/** The field table of the paper certificate: one tbody per block (what is guaranteed, who, which works). */
function CertificateTable(props: {
  t: CertificatePageProps['t'];
  lang: string;
  sections: FieldRow[][];
  findings?: Finding[] | undefined;
}) {
  const concerning = (path: string) => props.findings?.filter((f) => findingPaths(f).includes(path));
  return (
    <table class="fields">
      {props.sections.map((rows) => (
        <tbody>
          {rows.map((r) => (
            <tr
              class={
                [r.strong ? 'is-key' : '', concerning(r.field.path)?.length ? 'has-finding' : ''].join(' ').trim() ||
                undefined
              }
            >
              <th scope="row">{props.t(r.label)}</th>
              <td lang={r.data && props.lang !== 'ja' ? 'ja' : undefined}>
                {typeof r.value === 'string' ? (
                  r.value
                ) : (
                  <ul class="members">
                    {r.value.map((m) => (
                      <li>{m}</li>
                    ))}
                  </ul>
                )}
                <RowFindings t={props.t} findings={concerning(r.field.path)} />
              </td>
            </tr>
          ))}
        </tbody>
      ))}
    </table>
  );
}

export function TamperedPage(props: PageProps & { contractNumber: string }) {
  const { t } = props;
  return (
    <Layout {...props} title={t('cert.tampered.heading')} noindex>
      <div class="banner banner-cancelled" role="alert">
        <span aria-hidden="true">✕</span>
        <span>
          {t('cert.signature')}: {t('cert.signature.invalid')}
        </span>
      </div>
      <section class="panel">
        <h1>{t('cert.tampered.heading')}</h1>
        <dl class="check-meta">
          <div>
            <dt>{t('field.contractNumber')}</dt>
            <dd class="contract-number">{props.contractNumber}</dd>
          </div>
        </dl>
        <p>{t('cert.tampered.body')}</p>
        <p>
          <strong>{t('cert.tampered.advice')}</strong>
        </p>
        <p>
          <a href="/">{t('cert.verifyAnother')}</a>
        </p>
      </section>
    </Layout>
  );
}
