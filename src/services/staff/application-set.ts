// One 申込 for the 前払金保証 and the 契約保証 of the same works, as Net Desk takes it: the works, the contractor and the
// 請負金額 typed once, each guarantee's own section (amount, period …) under its product's prefix
// (`advance_payment.guaranteeAmount`). Flat form fields in, one publication body per guarantee out, and every issue
// of either body mapped back to the input that caused it.
import type { AcknowledgedWarning } from '../../domain/acknowledgement.js';
import type { Product } from '../../domain/certificate.js';
import { appliesTo } from '../../domain/fields.js';
import type { Finding } from '../../domain/plausibility.js';
import { DomainError, type FieldIssue } from '../../errors.js';
import { translator } from '../../i18n/index.js';
import type { ServiceContext } from '../context.js';
import { COLUMN_DEFS, columnOf, flatten, toPublishBody, type Column, type FlatFields } from './certificate-form.js';
import { checkIssueBody } from './drafts.js';

/** The guarantees of a combined application, in the order they are entered and published. */
export const SET_PRODUCTS = ['advance_payment', 'contract'] as const satisfies readonly Product[];
export type SetProduct = (typeof SET_PRODUCTS)[number];

/** Typed once for both: who, which works, and the contract amount both guarantees are measured against. */
export const SHARED_COLUMNS: readonly Column[] = Object.freeze([
  'obligeeId',
  ...COLUMN_DEFS.filter(
    (c) => c.field.form === 'contractor' || c.field.form === 'works' || c.name === 'contractAmount',
  ).map((c) => c.name),
]);
const SHARED = new Set<string>(SHARED_COLUMNS);

/** The columns of one guarantee's own section. */
export const guaranteeColumns = (product: SetProduct): Column[] =>
  COLUMN_DEFS.filter((c) => c.field.form === 'guarantee' && !SHARED.has(c.name) && appliesTo(c.field, product)).map(
    (c) => c.name,
  );

/** The form input of a guarantee's own column: `contract.guaranteeAmount`. */
export const setInput = (product: SetProduct, column: Column) => `${product}.${column}`;

/** The combined form's fields (shared and prefixed), as posted. */
export type SetFields = Record<string, string>;

/** The publication body of each guarantee, in SET_PRODUCTS order. */
export function toSetBodies(fields: SetFields): Record<string, unknown>[] {
  return SET_PRODUCTS.map((product) => {
    const flat: FlatFields = { product };
    for (const c of SHARED_COLUMNS) if (fields[c] !== undefined) flat[c] = fields[c];
    for (const c of guaranteeColumns(product)) {
      const v = fields[setInput(product, c)];
      if (v !== undefined) flat[c] = v;
    }
    return toPublishBody(flat);
  });
}

/** The combined form's fields of stored bodies (to fill the form again for an edit). */
export function flattenSet(bodies: readonly Record<string, unknown>[]): SetFields {
  const out: SetFields = {};
  SET_PRODUCTS.forEach((product, i) => {
    const flat = flatten(bodies[i] ?? {});
    if (i === 0) for (const c of SHARED_COLUMNS) if (flat[c] !== undefined) out[c] = flat[c];
    for (const c of guaranteeColumns(product)) if (flat[c] !== undefined) out[setInput(product, c)] = flat[c];
  });
  return out;
}

/** Only the combined form's own inputs (nothing else a browser may send is kept in an application). */
export function setFieldsOf(form: Record<string, string>): SetFields {
  const out: SetFields = {};
  for (const c of SHARED_COLUMNS) if (form[c] !== undefined) out[c] = form[c];
  for (const p of SET_PRODUCTS)
    for (const c of guaranteeColumns(p)) {
      const name = setInput(p, c);
      if (form[name] !== undefined) out[name] = form[name];
    }
  return out;
}

const ja = translator('ja');

/** An issue of one guarantee's body, keyed by the input that holds the value (shared inputs once). */
function inputOf(product: SetProduct, path: string): string {
  const column = columnOf(path);
  if (!column) return '_';
  return SHARED.has(column) ? column : setInput(product, column);
}

/** A plausibility warning of one guarantee of a combined application: `product` names the guarantee. */
export type SetWarning = Finding & { product: SetProduct };

/** A guarantee's warning as the form answers it: at its input, naming the guarantee (前払金保証: …). */
export function setWarningIssue(w: AcknowledgedWarning): FieldIssue {
  const product = SET_PRODUCTS.find((p) => p === w.product) ?? SET_PRODUCTS[0];
  return { path: inputOf(product, w.field), message: `${ja(`product.${product}`)}: ${w.message}` };
}

/**
 * Checks both guarantees the way approval will; issues are keyed by form input (`contract.guaranteeAmount`), and a
 * message about the whole guarantee names it.
 * @returns each guarantee's plausibility warnings (the clerk acknowledges them with one reason)
 * @throws DomainError validation_failed (every issue of both, at once; an obligee's `enforce` rule among them)
 */
export async function checkIssueSet(
  ctx: ServiceContext,
  bodies: readonly Record<string, unknown>[],
): Promise<SetWarning[]> {
  const issues: FieldIssue[] = [];
  const warnings: SetWarning[] = [];
  const seen = new Set<string>();
  for (const [i, product] of SET_PRODUCTS.entries()) {
    try {
      for (const w of await checkIssueBody(ctx, bodies[i])) warnings.push({ ...w, product });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const found = error.issues?.length ? error.issues : [{ path: '_', message: error.message }];
      for (const issue of found) {
        const path = issue.path === '_' ? '_' : inputOf(product, issue.path);
        const message = path === '_' ? `${ja(`product.${product}`)}: ${issue.message}` : issue.message;
        if (seen.has(`${path}\n${message}`)) continue;
        seen.add(`${path}\n${message}`);
        issues.push({ path, message });
      }
    }
  }
  if (issues.length > 0) throw new DomainError('validation_failed', '入力内容に誤りがあります', { issues });
  return warnings;
}

/** Issues keyed by input, for the combined form. */
export function issuesByInput(issues: readonly FieldIssue[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of issues) (out[issue.path] ??= []).push(issue.message);
  return out;
}
