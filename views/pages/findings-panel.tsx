// Under the certificate: the officer's own contract figures (all optional) and the findings of DESIGN §11 in plain
// Japanese, with the export of this session's verified certificates. A GET form: the figures are not secrets, and
// the page they produce can be reloaded and printed. Screen only; the findings also mark the certificate rows.
import type { ExpectInput } from '../../src/domain/expect-input.js';
import type { ExpectField, Finding } from '../../src/domain/findings.js';
import type { Translate } from '../../src/i18n/index.js';

export interface FindingsPanelProps {
  t: Translate;
  /** Where the form goes back to: the page it is on. */
  action: string;
  input: ExpectInput;
  findings: Finding[];
  /** How many certificates this browser may still open (the export lists them). */
  opened: number;
  nonce?: string | undefined;
}

const css = `
.findings .field-grid { display:grid; grid-template-columns:repeat(auto-fill,minmax(14rem,1fr)); gap:.4rem 1.25rem; }
.findings .field { margin:.3rem 0; }
.findings .field input { width:100%; max-width:18rem; }
.findings .finding-list { margin:.5rem 0 1rem; padding:0; list-style:none; }
.findings .finding-list li { margin:.35rem 0; padding:.55rem .8rem; border-left:6px solid var(--bad); background:#fdeaea; }
.findings .finding-ok { padding:.55rem .8rem; border-left:6px solid var(--ok); background:#e9f6ee; }
.findings .field-error { color:var(--bad); font-weight:bold; margin:.15rem 0 0; }
.fields tr.has-finding th, .fields tr.has-finding td { background:#fdeaea; }
.fields .finding-note { display:block; margin-top:.2rem; color:var(--bad); font-size:.9rem; font-weight:bold; }
`;

export function FindingsStyle(props: { nonce?: string | undefined }) {
  return <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: css }} />;
}

/** The five members an officer types on the page, in the order of a 契約書 (the API also takes guaranteeAmount). */
const FORM_FIELDS: readonly {
  field: Exclude<ExpectField, 'guaranteeAmount'>;
  type: 'text' | 'date';
  amount?: boolean;
}[] = [
  { field: 'contractAmount', type: 'text', amount: true },
  { field: 'worksPeriodTo', type: 'date' },
  { field: 'contractDate', type: 'date' },
  { field: 'worksNumber', type: 'text' },
  { field: 'advanceAmount', type: 'text', amount: true },
];

export function FindingsPanel(props: FindingsPanelProps) {
  const { t, input, findings } = props;
  const given = Object.keys(input.values).length > 0;
  const hasErrors = Object.keys(input.errors).length > 0;
  return (
    <section class="panel findings no-print" aria-labelledby="findings-heading" id="findings">
      <FindingsStyle nonce={props.nonce} />
      <h2 id="findings-heading">{t('findings.heading')}</h2>
      <div id="findings-result" role="status">
        {findings.length > 0 ? (
          <>
            <p>
              <strong>{t('findings.count', { count: findings.length })}</strong>
            </p>
            <ul class="finding-list">
              {findings.map((f) => (
                <li lang="ja" data-code={f.code}>
                  {f.message}
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p class="finding-ok">{t(given && !hasErrors ? 'findings.none' : 'findings.noneCertificate')}</p>
        )}
      </div>
      <p>{t('findings.lead')}</p>
      <form method="get" action={`${props.action}#findings`}>
        <div class="field-grid">
          {FORM_FIELDS.map(({ field, type, amount }) => {
            const error = input.errors[field];
            const help = amount ? `findings-${field}-help` : undefined;
            const described = [help, error ? `findings-${field}-error` : undefined].filter(Boolean).join(' ');
            return (
              <div class="field">
                <label for={`findings-${field}`}>{t(`findings.${field}`)}</label>
                <input
                  type={type}
                  id={`findings-${field}`}
                  name={field}
                  class="input-text"
                  inputmode={amount ? 'numeric' : undefined}
                  maxlength={type === 'text' ? 100 : undefined}
                  value={input.values[field] ?? ''}
                  aria-invalid={error ? 'true' : undefined}
                  aria-describedby={described || undefined}
                />
                {help ? (
                  <p class="help" id={help}>
                    {t('findings.amountHelp')}
                  </p>
                ) : null}
                {error ? (
                  <p class="field-error" id={`findings-${field}-error`} lang="ja">
                    {error}
                  </p>
                ) : null}
              </div>
            );
          })}
        </div>
        <p class="doc-actions">
          <button type="submit" class="button-primary">
            {t('findings.submit')}
          </button>
          {given ? (
            <a href={`${props.action}#findings`} class="back-link">
              {t('findings.clear')}
            </a>
          ) : null}
        </p>
      </form>
      <p class="note">{t('findings.receiptNote')}</p>
      <p class="note">
        {t('export.lead', { count: props.opened })} <a href="/export/certificates.csv">{t('export.utf8')}</a>
        {' ／ '}
        <a href="/export/certificates.csv?encoding=shift_jis">{t('export.sjis')}</a>
        {' ／ '}
        <a href="/bulk">{t('export.bulk')}</a>
      </p>
    </section>
  );
}

/** The findings on one certificate row, by field-registry path (findingPaths), for the row's note. */
export function RowFindings(props: { t: Translate; findings: Finding[] | undefined }) {
  if (!props.findings || props.findings.length === 0) return null;
  return (
    <span class="finding-note" lang="ja">
      {`${props.t('findings.rowNote')}: ${props.findings.map((f) => f.message).join(' ')}`}
    </span>
  );
}
