// The documents panel under a certificate: the certificate PDF of the version shown and where to check a saved file.
// The verification receipt (確認証跡) is asked for in the officer's records panel (officer-records.tsx), which shares
// one 確認者 with the receipt confirmation. Screen only.
import type { Translate } from '../../src/i18n/index.js';
import { DocumentsStyle } from './documents-styles.js';

export interface DocumentsPanelProps {
  t: Translate;
  contractNumber: string;
  /** The version on screen, its No. and label as the history table shows them. */
  seq: number;
  isCurrent: boolean;
  no: number;
  kind: string;
  nonce?: string | undefined;
}

export function DocumentsPanel(props: DocumentsPanelProps) {
  const { t } = props;
  const base = `/certificates/${props.contractNumber}`;
  const pdf = props.isCurrent ? `${base}/certificate.pdf` : `${base}/versions/${props.seq}/certificate.pdf`;
  return (
    <section class="panel documents no-print" aria-labelledby="documents-heading" id="documents">
      <DocumentsStyle nonce={props.nonce} />
      <h2 id="documents-heading">{t('docs.heading')}</h2>
      <h3>{t('docs.certificate.title')}</h3>
      <p>{t('docs.certificate.lead', { no: props.no, kind: props.kind })}</p>
      <p class="doc-actions">
        <a class="button-secondary" href={pdf}>
          {t('docs.certificate.download')}
        </a>
      </p>
      <p class="note">{t('docs.certificate.note')}</p>
      <p class="note">
        {t('docs.verifyFile.lead')} <a href="/verify-file">{t('docs.verifyFile.link')}</a>
      </p>
    </section>
  );
}
