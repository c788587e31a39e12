// The certificate as an officer sees it: title, addressee, status banner, signature check, every field, and the
// visible history with each version viewable. Rendered only from verified payloads.
import { changeKind } from '../../src/domain/history.js';
import { formatDate, formatInstant, formatYen } from '../../src/domain/format.js';
import type { SuretyState, VersionView } from '../../src/services/surety-state.js';
import { Layout, type PageProps } from '../layout.js';

export interface CertificatePageProps extends PageProps {
  state: SuretyState;
  /** The version shown: the current one unless a history row was selected. */
  shown: VersionView;
}

export function CertificatePage(props: CertificatePageProps) {
  const { t, lang, state, shown } = props;
  const c = shown.certificate;
  const date = (d: string) => formatDate(d, lang);
  const period = (p: { from: string; to: string }) => `${date(p.from)} ${t('period.separator')} ${date(p.to)}`;
  const isCurrent = shown.seq === state.current.seq;
  const visibleNo = state.visible.findIndex((v) => v.seq === shown.seq) + 1;
  const base = `/certificates/${state.contractNumber}`;
  const rows: [string, string | undefined][] = [
    [t('field.contractNumber'), c.contractNumber],
    [t('field.product'), t(`product.${c.product}`)],
    [t('field.obligee'), c.obligee.title ?? c.obligee.name],
    [t('field.contractor'), c.contractor.name],
    [t('field.contractorAddress'), c.contractor.address],
    [t('field.contractorRepresentative'), c.contractor.representative],
    [
      t('field.jointVenture'),
      c.jointVenture ? `${c.jointVenture.name}（${c.jointVenture.members.join('、')}）` : undefined,
    ],
    [t('field.worksName'), c.works.name],
    [t('field.worksNumber'), c.works.number],
    [t('field.worksLocation'), c.works.location],
    [t('field.contractDate'), date(c.works.contractDate)],
    [t('field.tenderDate'), c.works.tenderDate ? date(c.works.tenderDate) : undefined],
    [t('field.bidDate'), c.works.bidDate ? date(c.works.bidDate) : undefined],
    [t('field.worksPeriod'), period(c.works.period)],
    [t('field.contractAmount'), formatYen(c.contractAmount)],
    [t('field.guaranteeAmount'), formatYen(c.guaranteeAmount)],
    [
      c.product === 'intermediate_advance_payment' ? t('field.intermediateAdvanceAmount') : t('field.advanceAmount'),
      c.advanceAmount !== undefined ? formatYen(c.advanceAmount) : undefined,
    ],
    [t('field.depositBank'), c.depositBank],
    [t('field.relatedContractNumber'), c.relatedContractNumber],
    [t('field.guaranteePeriod'), period(c.guaranteePeriod)],
    [t('field.guaranteeDate'), date(c.guaranteeDate)],
    [t('field.issuedAt'), formatInstant(shown.issuedAt, lang)],
    [t('field.reason'), shown.reason ?? undefined],
  ];
  return (
    <Layout {...props} title={`${t(`cert.title.${c.product}`)} ${c.contractNumber}`}>
      <div class={`banner banner-${state.status}`} role="status">
        {t(`cert.status.${state.status}`)}：{t(`cert.banner.${state.status}`)}
      </div>
      <p class="signature">
        {t('cert.signature')}: <span class="ok">{t('cert.signature.valid')}</span>{' '}
        <span class="kid">
          （{t('cert.signature.keyId')} {shown.kid}）
        </span>
      </p>
      {!isCurrent ? (
        <p class="note">
          {t('cert.viewingOld', { no: visibleNo })} <a href={base}>{t('cert.viewCurrent')}</a>
        </p>
      ) : null}
      <article class="panel certificate">
        <h1>{t(`cert.title.${c.product}`)}</h1>
        <p class="addressee">
          {c.obligee.title ?? c.obligee.name} {t('cert.addressee')}
        </p>
        <table>
          <tbody>
            {rows
              .filter((r): r is [string, string] => r[1] !== undefined)
              .map(([label, value]) => (
                <tr>
                  <th scope="row">{label}</th>
                  <td>{value}</td>
                </tr>
              ))}
          </tbody>
        </table>
        <p class="issuer">
          {t('field.issuer')}：{c.issuer.name}
          {c.issuer.office ? ` ${c.issuer.office}` : ''}
        </p>
        <p class="note">{t('cert.authoritative')}</p>
      </article>
      <section class="panel">
        <h2>{t('history.heading')}</h2>
        <p class="note">
          ※{t('history.note')} {t('history.issuedAtNote')}
        </p>
        <table class="history">
          <thead>
            <tr>
              <th scope="col">{t('history.no')}</th>
              <th scope="col">{t('history.issuedAt')}</th>
              <th scope="col">{t('history.kind')}</th>
              <th scope="col">{t('history.select')}</th>
            </tr>
          </thead>
          <tbody>
            {state.visible.map((v, i) => (
              <tr>
                <td>{i + 1}</td>
                <td>{formatInstant(v.issuedAt, lang)}</td>
                <td>{t(`kind.${changeKind(v, state.visible[i - 1])}`)}</td>
                <td>
                  {v.seq === shown.seq ? (
                    <strong>{t('history.viewing')}</strong>
                  ) : (
                    <a href={`${base}/versions/${v.seq}`}>{t('history.view')}</a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <div class="actions no-print">
        <button type="button" data-print>
          {t('cert.print')}
        </button>
      </div>
    </Layout>
  );
}

export function TamperedPage(props: PageProps & { contractNumber: string }) {
  const { t } = props;
  return (
    <Layout {...props} title={t('cert.tampered.heading')}>
      <div class="banner banner-cancelled" role="alert">
        {t('cert.signature')}: {t('cert.signature.invalid')}
      </div>
      <section class="panel">
        <h1>{t('cert.tampered.heading')}</h1>
        <p>
          {t('field.contractNumber')}: {props.contractNumber}
        </p>
        <p>{t('cert.tampered.body')}</p>
      </section>
    </Layout>
  );
}
