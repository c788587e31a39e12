// The verification receipt (確認証跡) just issued: what it states, and its PDF and JWS to download.
import { formats } from '../../src/i18n/format.js';
import { Layout, type PageProps } from '../layout.js';
import { DocumentsStyle } from './documents-styles.js';
import { describeExpect, type Expect, type Finding } from '../../src/domain/findings.js';

export interface VerificationReceiptPageProps extends PageProps {
  contractNumber: string;
  rid: string;
  issuedAt: string;
  /** The version named by the receipt, as the history table labels it (No. 0 when it is hidden since). */
  no: number;
  kind: string;
  seq: number;
  versionHash: string;
  status: 'active' | 'expired' | 'cancelled';
  officer: { name?: string | undefined; department?: string | undefined } | null;
  /** DESIGN §11, as signed into the receipt (absent in receipts issued before the checks existed). */
  findings?: Finding[] | undefined;
  expect?: Expect | undefined;
}

/** One value a line inside a <dd> (the definition list lays its children out inline). */
const lines = (values: string[]) => values.map((v, i) => (i === 0 ? v : [<br />, v]));

export function VerificationReceiptPage(props: VerificationReceiptPageProps) {
  const { t } = props;
  const f = formats(props.lang);
  const base = `/certificates/${props.contractNumber}`;
  const files = `${base}/verification-receipts/${props.rid}`;
  const officer = props.officer
    ? [props.officer.department, props.officer.name].filter((v) => !!v).join('\u3000')
    : t('vr.officer.none');
  return (
    <Layout {...props} title={t('vr.heading')} noindex>
      <DocumentsStyle nonce={props.nonce} />
      <section class="panel" aria-labelledby="vr-heading">
        <div class="banner banner-active" role="status">
          <span>{t('vr.issued')}</span>
        </div>
        <h1 id="vr-heading">{t('vr.heading')}</h1>
        <p>{t('vr.lead')}</p>
        <dl class="check-meta">
          <div>
            <dt>{t('vr.rid')}</dt>
            <dd class="contract-number">{props.rid}</dd>
          </div>
          <div>
            <dt>{t('vr.checkedAt')}</dt>
            <dd>{f.instant(props.issuedAt)}</dd>
          </div>
          <div>
            <dt>{t('field.contractNumber')}</dt>
            <dd class="contract-number">{props.contractNumber}</dd>
          </div>
          <div>
            <dt>{t('vr.version')}</dt>
            <dd>
              {props.no > 0 ? t('cert.version.summary', { no: props.no, kind: props.kind }) : props.kind}
              {` ／ seq ${props.seq}`}
            </dd>
          </div>
          <div>
            <dt>{t('vr.status')}</dt>
            <dd>{t(`cert.status.${props.status}`)}</dd>
          </div>
          <div>
            <dt>{t('vr.versionHash')}</dt>
            <dd class="hash">{props.versionHash}</dd>
          </div>
          <div>
            <dt>{t('vr.officer')}</dt>
            <dd lang="ja">{officer}</dd>
          </div>
          {props.findings ? (
            <>
              <div>
                <dt>{t('findings.vr.expect')}</dt>
                <dd lang="ja">{props.expect ? lines(describeExpect(props.expect)) : t('findings.vr.none')}</dd>
              </div>
              <div>
                <dt>{t('findings.vr.findings')}</dt>
                <dd lang="ja" class="receipt-findings">
                  {props.findings.length > 0
                    ? lines(props.findings.map((f) => `・${f.message}`))
                    : t('findings.vr.noFindings')}
                </dd>
              </div>
            </>
          ) : null}
        </dl>
        <p class="doc-actions">
          <a class="button-primary" href={`${files}/receipt.pdf`}>
            {t('vr.download.pdf')}
          </a>
          <a class="button-secondary" href={`${files}/receipt.jws`}>
            {t('vr.download.jws')}
          </a>
        </p>
        <p class="note">{t('vr.note')}</p>
        <p>
          <a href={base} class="back-link">
            {t('vr.back')}
          </a>
        </p>
      </section>
    </Layout>
  );
}
