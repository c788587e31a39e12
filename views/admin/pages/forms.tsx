// The application (申込) form per product, shared by 新規 and 変更/訂正: labels as on the Net Desk 申込 screen,
// field-level messages, and the 保証金額の割合 helper (a small nonce'd script; the server shows it too).
import type { Product } from '../../../src/domain/certificate.js';
import { COLUMNS, columnOf, type Column, type FlatFields } from '../../../src/services/staff/certificate-form.js';
import type { AdminTranslate } from '../i18n.js';
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

/** A field's label on the 申込 screen (the Net Desk names the guarantee amount after the product). */
function labelFor(at: AdminTranslate, product: Product, column: Column): string {
  if (column === 'guaranteeAmount') return at(`form.guaranteeAmount.${product}`);
  if (column === 'contractAmount') return at('form.contractAmount');
  return at(`column.${column}`);
}

/** A certificate path as a reader names it: 保証金額（guaranteeAmount）; issuer and obligee paths stay as they are. */
export function fieldName(at: AdminTranslate, path: string): string {
  const named = (column: Column) => `${at(`column.${column}`)}${at('fmt.paren', { text: path })}`;
  // A form or CSV column (obligeeId, jvMembers …) is named as it is.
  if ((COLUMNS as readonly string[]).includes(path)) return named(path as Column);
  const column = columnOf(path);
  return column && !path.startsWith('obligee') && !path.startsWith('issuer') ? named(column) : path;
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
                    label={labelFor(at, product, c)}
                    value={values[c]}
                    errors={errors[c]}
                    type={DATES.has(c) ? 'date' : 'text'}
                    required={REQUIRED.has(c)}
                    requiredLabel={at('draft.required')}
                    inputmode={c.endsWith('Amount') ? 'numeric' : undefined}
                    help={
                      c === 'jvMembers'
                        ? at('draft.help.jvMembers')
                        : c.endsWith('Amount')
                          ? at('draft.help.amount')
                          : undefined
                    }
                  />
                  {c === 'guaranteeAmount' ? (
                    <p class="help">
                      <span id="ratio" class="ratio" aria-live="polite">
                        {ratioText(values)}
                      </span>
                      {at('draft.ratio', { label: labelFor(at, product, c) })}
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
