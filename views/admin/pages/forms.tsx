// The application (申込) form per product, shared by 新規 and 変更/訂正: fieldsets and inputs from the field registry,
// labels from the catalogs (as on the Net Desk 申込 screen), field-level messages, and the 保証金額の割合 helper (a
// small nonce'd script; the server shows it too).
import type { Product } from '../../../src/domain/certificate.js';
import { appliesTo, isRequired, type FormSection } from '../../../src/domain/fields.js';
import {
  COLUMN_DEFS,
  COLUMNS,
  columnLabel,
  columnOf,
  type Column,
  type FlatFields,
} from '../../../src/services/staff/certificate-form.js';
import type { Translate } from '../../../src/i18n/index.js';
import type { AdminKey, AdminTranslate } from '../../../src/i18n/admin.js';
import type { AdminPageProps } from '../layout.js';
import { Field } from '../layout.js';

export const RATIO_SCRIPT = `(function(){var c=document.getElementById('f-contractAmount'),g=document.getElementById('f-guaranteeAmount'),o=document.getElementById('ratio');if(!c||!g||!o)return;function n(v){v=(v||'').replace(/[,\\s円]/g,'').replace(/[０-９]/g,function(d){return String.fromCharCode(d.charCodeAt(0)-0xFEE0)});return /^\\d+$/.test(v)?Number(v):NaN}function u(){var a=n(c.value),b=n(g.value);o.textContent=(a>0&&b>=0)?(Math.round(b/a*1000)/10).toFixed(1)+'%':'—'}c.addEventListener('input',u);g.addEventListener('input',u);u();})();`;

export function ratioText(fields: FlatFields): string {
  const n = (v: string | undefined) => Number((v ?? '').normalize('NFKC').replace(/[,\s円]/g, ''));
  const a = n(fields.contractAmount);
  const b = n(fields.guaranteeAmount);
  return a > 0 && Number.isFinite(b) ? `${(Math.round((b / a) * 1000) / 10).toFixed(1)}%` : '—';
}

const SECTIONS: readonly { section: FormSection; legend: AdminKey }[] = [
  { section: 'contractor', legend: 'draft.section.contractor' },
  { section: 'works', legend: 'draft.section.works' },
  { section: 'guarantee', legend: 'draft.section.guarantee' },
];

/** A field's label on the 申込 screen (the Net Desk names the guarantee amount after the product). */
export function labelFor(t: Translate, at: AdminTranslate, product: Product, column: Column): string {
  if (column === 'guaranteeAmount') return at(`form.guaranteeAmount.${product}`);
  if (column === 'contractAmount') return at('form.contractAmount');
  return columnLabel(t, column);
}

/** A certificate path as a reader names it: 保証金額（guaranteeAmount）; issuer and obligee paths stay as they are. */
export function fieldName(t: Translate, at: AdminTranslate, path: string): string {
  // A form or CSV column (obligeeId, jvMembers …) is named as it is; a certificate path by the column it fills.
  const column = (COLUMNS as readonly string[]).includes(path) ? (path as Column) : columnOf(path);
  return column ? `${columnLabel(t, column)}${at('fmt.paren', { text: path })}` : path;
}

/** The certificate fields of one product, grouped as on the 申込 screen. */
export function CertificateFields(
  props: Pick<AdminPageProps, 't' | 'at'> & {
    product: Product;
    values: FlatFields;
    errors: Record<string, string[]>;
    /**
     * A 変更 / 訂正: only what a version can change. Request-only inputs (the contractor's e-mail and contact) are kept
     * beside the guarantee, not in its versions, so an input for them here would be silently ignored.
     */
    certificateOnly?: boolean | undefined;
  },
) {
  const { t, at, product, values, errors } = props;
  const shown = (field: (typeof COLUMN_DEFS)[number]['field']) =>
    appliesTo(field, product) && !(props.certificateOnly && field.requestOnly);
  return (
    <>
      {SECTIONS.map(({ section, legend }) => (
        <fieldset>
          <legend>{at(legend)}</legend>
          <div class="form-grid">
            {COLUMN_DEFS.filter(({ field }) => field.form === section && shown(field)).map(({ name: c, field }) => (
              <div>
                <Field
                  name={c}
                  label={labelFor(t, at, product, c)}
                  value={values[c]}
                  errors={errors[c]}
                  type={field.format === 'date' || field.format === 'period' ? 'date' : 'text'}
                  required={isRequired(field, product)}
                  requiredLabel={at('draft.required')}
                  inputmode={field.format === 'yen' ? 'numeric' : undefined}
                  help={
                    field.format === 'list'
                      ? at('draft.help.jvMembers')
                      : field.format === 'percents'
                        ? at('draft.help.jvShares')
                        : field.format === 'yen'
                          ? at('draft.help.amount')
                          : undefined
                  }
                />
                {c === 'guaranteeAmount' ? (
                  <p class="help">
                    <span id="ratio" class="ratio" aria-live="polite">
                      {ratioText(values)}
                    </span>
                    {at('draft.ratio', { label: labelFor(t, at, product, c) })}
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
