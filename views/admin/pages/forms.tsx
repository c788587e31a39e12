// The application (申込) form per product, shared by 新規 and 変更/訂正: labels as on the Net Desk 申込 screen,
// field-level messages, and the 保証金額の割合 helper (a small nonce'd script; the server shows it too).
import type { Product } from '../../../src/domain/certificate.js';
import type { Column, FlatFields } from '../../../src/services/staff/certificate-form.js';
import { COLUMN_LABEL } from '../../../src/services/staff/certificate-form.js';
import type { AdminPageProps } from '../layout.js';
import { Field } from '../layout.js';

export const RATIO_SCRIPT = `(function(){var c=document.getElementById('f-contractAmount'),g=document.getElementById('f-guaranteeAmount'),o=document.getElementById('ratio');if(!c||!g||!o)return;function n(v){v=(v||'').replace(/[,\\s円]/g,'').replace(/[０-９]/g,function(d){return String.fromCharCode(d.charCodeAt(0)-0xFEE0)});return /^\\d+$/.test(v)?Number(v):NaN}function u(){var a=n(c.value),b=n(g.value);o.textContent=(a>0&&b>=0)?(Math.round(b/a*1000)/10).toFixed(1)+'%':'—'}c.addEventListener('input',u);g.addEventListener('input',u);u();})();`;

export function ratioText(fields: FlatFields): string {
  const n = (v: string | undefined) => Number((v ?? '').normalize('NFKC').replace(/[,\s円]/g, ''));
  const a = n(fields.contractAmount);
  const b = n(fields.guaranteeAmount);
  return a > 0 && Number.isFinite(b) ? `${(Math.round((b / a) * 1000) / 10).toFixed(1)}%` : '—';
}

const GROUPS: {
  legend: 'draft.section.contractor' | 'draft.section.works' | 'draft.section.guarantee';
  columns: Column[];
}[] = [
  {
    legend: 'draft.section.contractor',
    columns: [
      'contractorName',
      'contractorAddress',
      'contractorRepresentative',
      'contractorEmail',
      'jvName',
      'jvMembers',
    ],
  },
  {
    legend: 'draft.section.works',
    columns: [
      'worksName',
      'worksNumber',
      'worksLocation',
      'contractDate',
      'tenderDate',
      'bidDate',
      'worksFrom',
      'worksTo',
    ],
  },
  {
    legend: 'draft.section.guarantee',
    columns: [
      'contractAmount',
      'guaranteeAmount',
      'depositBank',
      'relatedContractNumber',
      'guaranteeFrom',
      'guaranteeTo',
      'guaranteeDate',
    ],
  },
];

const REQUIRED = new Set<Column>([
  'contractorName',
  'worksName',
  'contractDate',
  'worksFrom',
  'worksTo',
  'contractAmount',
  'guaranteeAmount',
  'guaranteeFrom',
  'guaranteeTo',
  'guaranteeDate',
  'depositBank',
]);
const DATES = new Set<Column>([
  'contractDate',
  'tenderDate',
  'bidDate',
  'worksFrom',
  'worksTo',
  'guaranteeFrom',
  'guaranteeTo',
  'guaranteeDate',
]);

function labelFor(product: Product, column: Column): string {
  if (column === 'guaranteeAmount') {
    return product === 'contract'
      ? '契約保証金額'
      : product === 'advance_payment'
        ? '前払金保証金額'
        : '中間前払金保証金額';
  }
  if (column === 'contractAmount') return '請負金額（税込）';
  if (column === 'depositBank') return '預託金融機関';
  return COLUMN_LABEL[column];
}

function shown(product: Product, column: Column): boolean {
  if (column === 'depositBank') return product !== 'contract';
  if (column === 'relatedContractNumber') return product === 'intermediate_advance_payment';
  return true;
}

/** The certificate fields of one product, grouped as on the 申込 screen. */
export function CertificateFields(
  props: Pick<AdminPageProps, 'at'> & { product: Product; values: FlatFields; errors: Record<string, string[]> },
) {
  const { at, product, values, errors } = props;
  return (
    <>
      {GROUPS.map((g) => (
        <fieldset>
          <legend>{at(g.legend)}</legend>
          <div class="form-grid">
            {g.columns
              .filter((c) => shown(product, c))
              .map((c) => (
                <div>
                  <Field
                    name={c}
                    label={labelFor(product, c)}
                    value={values[c]}
                    errors={errors[c]}
                    type={DATES.has(c) ? 'date' : 'text'}
                    required={REQUIRED.has(c)}
                    requiredLabel={at('draft.required')}
                    inputmode={c.endsWith('Amount') ? 'numeric' : undefined}
                    help={
                      c === 'jvMembers'
                        ? '構成員を「|」または「、」で区切って入力'
                        : c.endsWith('Amount')
                          ? '円単位（例：20,000,000）'
                          : undefined
                    }
                  />
                  {c === 'guaranteeAmount' ? (
                    <p class="help">
                      <span id="ratio" class="ratio" aria-live="polite">
                        {ratioText(values)}
                      </span>
                      {at('draft.ratio', { label: labelFor(product, c) })}
                    </p>
                  ) : null}
                </div>
              ))}
          </div>
        </fieldset>
      ))}
    </>
  );
}
