// The documents panel under a certificate: the certificate PDF of the version shown, and the verification receipt
// (確認証跡) an officer can ask for, with an optional name and department. Screen only.
import type { Translate } from '../i18n/index.js';
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
      <div class="documents-grid">
        <div>
          <h3>{t('docs.certificate.title')}</h3>
          <p>{t('docs.certificate.lead', { no: props.no, kind: props.kind })}</p>
          <p class="doc-actions">
            <a class="button-secondary" href={pdf}>
              {t('docs.certificate.download')}
            </a>
          </p>
          <p class="note">{t('docs.certificate.note')}</p>
        </div>
        <div>
          <h3>{t('docs.receipt.title')}</h3>
          <p>{t('docs.receipt.lead', { no: props.no, kind: props.kind })}</p>
          <form method="post" action={`${base}/verification-receipts`}>
            <input type="hidden" name="seq" value={String(props.seq)} />
            <div class="field">
              <label for="vr-department">{t('docs.receipt.department')}</label>
              <input
                type="text"
                id="vr-department"
                name="department"
                class="doc-input"
                autocomplete="organization-title"
                maxlength={100}
              />
            </div>
            <div class="field">
              <label for="vr-name">{t('docs.receipt.name')}</label>
              <input type="text" id="vr-name" name="officerName" class="doc-input" autocomplete="name" maxlength={50} />
            </div>
            <p class="help">{t('docs.receipt.optional')}</p>
            <button type="submit" class="button-primary">
              {t('docs.receipt.submit')}
            </button>
          </form>
        </div>
      </div>
      <p class="note">
        {t('docs.verifyFile.lead')} <a href="/verify-file">{t('docs.verifyFile.link')}</a>
      </p>
    </section>
  );
}
