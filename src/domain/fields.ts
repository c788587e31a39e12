// The certificate-field registry (DESIGN §8): every field a guarantee carries, defined once — path, catalog label,
// products, formatter, and where it appears. The certificate page and PDF, the notice and receipt, the CSV columns
// and the staff form, diff labels and mail summaries are all derived from this list, so a new field is its zod leaf
// (certificate.ts), one entry here, its labels in the ja/en catalogs, and a test. The zod schemas (certificate.ts,
// requests.ts) stay the source of the types: each entry finds its piece of them by path, tsc checks below that every
// certificate leaf has an entry, and test/domain/fields.test.ts checks both directions against the schema itself.
import type { z } from 'zod';
import { ADVANCE_PRODUCTS, certificateSchema, type Certificate, type Product } from './certificate.js';
import { publishRequestSchema } from './requests.js';

/** How a value is written out. The domain picks the rule; the page or document supplies the language. */
export type FieldFormat =
  /** Published wording (names, places): shown as entered, and marked Japanese on an English page. */
  | 'text'
  /** Several texts, one a line (JV members). */
  | 'list'
  /** Several percentages (a JV's shares): 60%、40%. */
  | 'percents'
  /** A number or id: shown as entered, in any language. */
  | 'identifier'
  | 'yen'
  /** A calendar date: 令和8年1月5日. */
  | 'date'
  /** `{ from, to }`, two dates with the catalog's separator; two CSV columns and two form inputs. */
  | 'period'
  /** The product code, shown by its catalog name (前払金保証 …). */
  | 'product';

/** The blocks of the paper certificate (page and PDF): numbers at the top, then what, who and which works. */
export type CertificateSection = 'head' | 'guarantee' | 'parties' | 'works';

/** The fieldsets of the staff 申込 form (the Net Desk screen's order). */
export type FormSection = 'contractor' | 'works' | 'guarantee';

/**
 * Mail summaries are built from parts: `identity` says which guarantee, `party` names the contractor (for readers
 * other than the contractor), `terms` are amount and period, `works` the works period (for the expiry reminder).
 */
export type MailPart = 'identity' | 'party' | 'terms' | 'works';

/** Where a field sits in one document's list of rows; rows are sorted by `order` and empty values left out. */
export interface Placement {
  readonly order: number;
  /**
   * Shown there instead of the plain value: `withTitle` is the obligee as 三島市（三島市長）, `party` the contracting
   * party (the JV when there is one, else the contractor), `membersWithShares` each JV member with its share.
   */
  readonly shows?: 'withTitle' | 'party' | 'membersWithShares';
  /** Left out when this other field has a value (the notice lists the JV and its members instead). */
  readonly omitWith?: string;
}

export interface CertificatePlacement {
  readonly section: CertificateSection;
  readonly order: number;
  readonly shows?: Placement['shows'];
  /** Set larger, as a paper certificate sets what is guaranteed. */
  readonly strong?: boolean;
}

export interface MailPlacement extends Placement {
  readonly part: MailPart;
}

/** One field. Data only: everything that shows a field reads these properties. */
export interface FieldDef {
  /** Dotted path in the certificate JSON (or in the publication request, for `requestOnly` inputs). */
  readonly path: string;
  /** An input of the publication request that is never part of the signed certificate. */
  readonly requestOnly?: boolean;
  /**
   * Copied into every version by the platform (issuer from configuration, obligee from the obligee registry) and
   * never changed by one: diffs name these by their path.
   */
  readonly envelope?: boolean;
  /** Catalog key of the label (src/i18n); null for parts of the issuer or obligee block that have no row. */
  readonly label: string | null;
  /** A different label for some products (中間前払金額 for the intermediate advance). */
  readonly labelFor?: { readonly [P in Product]?: string };
  readonly format: FieldFormat;
  /** Only these products carry the field; `required`: each of them must (cross-field rules in certificate.ts). */
  readonly products?: { readonly only: readonly Product[]; readonly required: boolean };
  /** CSV column (also the staff form's input name): one name, or one per end of a period. */
  readonly csv?: string | { readonly from: string; readonly to: string };
  /** The fieldset of the staff form; without it the field is not typed in there. */
  readonly form?: FormSection;
  readonly certificate?: CertificatePlacement;
  /** 「認証キー」のお知らせ: the 保証の内容 table. */
  readonly notice?: Placement;
  /** The signed content as the 確認証跡 lists it. */
  readonly receipt?: Placement;
  readonly mail?: MailPlacement;
}

const INTERMEDIATE: readonly Product[] = ['intermediate_advance_payment'];

/**
 * Every field, in the order a guarantee is entered (the CSV columns and the staff form follow it). Each surface
 * sorts by its own `order`, so reordering this list changes only the CSV and form order.
 */
export const FIELDS = deepFreeze([
  {
    path: 'product',
    label: 'field.product',
    format: 'product',
    csv: 'product',
    notice: { order: 10 },
    receipt: { order: 20 },
    mail: { part: 'identity', order: 20 },
  },
  { path: 'obligeeId', requestOnly: true, label: 'field.obligee', format: 'identifier', csv: 'obligeeId' },
  {
    path: 'contractNumber',
    label: 'field.contractNumber',
    format: 'identifier',
    csv: 'contractNumber',
    certificate: { section: 'head', order: 10 },
    receipt: { order: 10 },
    mail: { part: 'identity', order: 10 },
  },
  {
    path: 'contractor.name',
    label: 'field.contractor',
    format: 'text',
    csv: 'contractorName',
    form: 'contractor',
    certificate: { section: 'parties', order: 20 },
    notice: { order: 40, omitWith: 'jointVenture.name' },
    receipt: { order: 40, shows: 'party' },
    mail: { part: 'party', order: 50, shows: 'party' },
  },
  {
    path: 'contractor.address',
    label: 'field.contractorAddress',
    format: 'text',
    csv: 'contractorAddress',
    form: 'contractor',
    certificate: { section: 'parties', order: 30 },
  },
  {
    path: 'contractor.representative',
    label: 'field.contractorRepresentative',
    format: 'text',
    csv: 'contractorRepresentative',
    form: 'contractor',
    certificate: { section: 'parties', order: 40 },
  },
  {
    path: 'contractorEmail',
    requestOnly: true,
    label: 'field.contractorEmail',
    format: 'text',
    csv: 'contractorEmail',
    form: 'contractor',
  },
  {
    path: 'jointVenture.name',
    label: 'field.jointVenture',
    format: 'text',
    csv: 'jvName',
    form: 'contractor',
    certificate: { section: 'parties', order: 50 },
    notice: { order: 50 },
  },
  {
    path: 'jointVenture.members',
    label: 'field.jointVentureMembers',
    format: 'list',
    csv: 'jvMembers',
    form: 'contractor',
    certificate: { section: 'parties', order: 60, shows: 'membersWithShares' },
    notice: { order: 60, shows: 'membersWithShares' },
  },
  {
    // Shown with the members (富士見建設株式会社（60%）), not as a row of its own.
    path: 'jointVenture.shares',
    label: 'field.jointVentureShares',
    format: 'percents',
    csv: 'jvShares',
    form: 'contractor',
  },
  {
    path: 'jointVenture.representative',
    label: 'field.jointVentureRepresentative',
    format: 'text',
    csv: 'jvRepresentative',
    form: 'contractor',
    certificate: { section: 'parties', order: 55 },
    notice: { order: 55 },
  },
  {
    path: 'contractorContact.department',
    requestOnly: true,
    label: 'field.contactDepartment',
    format: 'text',
    csv: 'contactDepartment',
    form: 'contractor',
  },
  {
    path: 'contractorContact.name',
    requestOnly: true,
    label: 'field.contactName',
    format: 'text',
    csv: 'contactName',
    form: 'contractor',
  },
  {
    path: 'contractorContact.phone',
    requestOnly: true,
    label: 'field.contactPhone',
    format: 'identifier',
    csv: 'contactPhone',
    form: 'contractor',
  },
  {
    path: 'works.name',
    label: 'field.worksName',
    format: 'text',
    csv: 'worksName',
    form: 'works',
    certificate: { section: 'works', order: 10 },
    notice: { order: 30 },
    receipt: { order: 50 },
    mail: { part: 'identity', order: 30 },
  },
  {
    path: 'works.number',
    label: 'field.worksNumber',
    format: 'text',
    csv: 'worksNumber',
    form: 'works',
    certificate: { section: 'works', order: 20 },
    notice: { order: 35 },
  },
  {
    path: 'works.location',
    label: 'field.worksLocation',
    format: 'text',
    csv: 'worksLocation',
    form: 'works',
    certificate: { section: 'works', order: 30 },
  },
  {
    path: 'works.contractDate',
    label: 'field.contractDate',
    format: 'date',
    csv: 'contractDate',
    form: 'works',
    certificate: { section: 'works', order: 60 },
  },
  {
    path: 'works.tenderDate',
    label: 'field.tenderDate',
    format: 'date',
    csv: 'tenderDate',
    form: 'works',
    certificate: { section: 'works', order: 70 },
  },
  {
    path: 'works.bidDate',
    label: 'field.bidDate',
    format: 'date',
    csv: 'bidDate',
    form: 'works',
    certificate: { section: 'works', order: 80 },
  },
  {
    path: 'works.period',
    label: 'field.worksPeriod',
    format: 'period',
    csv: { from: 'worksFrom', to: 'worksTo' },
    form: 'works',
    certificate: { section: 'works', order: 40 },
    mail: { part: 'works', order: 80 },
  },
  {
    path: 'contractAmount',
    label: 'field.contractAmount',
    format: 'yen',
    csv: 'contractAmount',
    form: 'guarantee',
    certificate: { section: 'works', order: 50 },
  },
  {
    path: 'currentYearAmount',
    label: 'field.currentYearAmount',
    format: 'yen',
    csv: 'currentYearAmount',
    form: 'guarantee',
    certificate: { section: 'works', order: 55 },
  },
  {
    path: 'guaranteeAmount',
    label: 'field.guaranteeAmount',
    format: 'yen',
    csv: 'guaranteeAmount',
    form: 'guarantee',
    certificate: { section: 'guarantee', order: 10, strong: true },
    notice: { order: 70 },
    receipt: { order: 60 },
    mail: { part: 'terms', order: 60 },
  },
  {
    // Not on the staff form: it equals the guarantee amount (certificate-form.ts fills it in).
    path: 'advanceAmount',
    label: 'field.advanceAmount',
    labelFor: { intermediate_advance_payment: 'field.intermediateAdvanceAmount' },
    format: 'yen',
    products: { only: ADVANCE_PRODUCTS, required: true },
    csv: 'advanceAmount',
    certificate: { section: 'guarantee', order: 30 },
  },
  {
    path: 'depositBank',
    label: 'field.depositBank',
    format: 'text',
    products: { only: ADVANCE_PRODUCTS, required: true },
    csv: 'depositBank',
    form: 'guarantee',
    certificate: { section: 'guarantee', order: 40 },
  },
  {
    path: 'relatedContractNumber',
    label: 'field.relatedContractNumber',
    format: 'identifier',
    products: { only: INTERMEDIATE, required: false },
    csv: 'relatedContractNumber',
    form: 'guarantee',
    certificate: { section: 'guarantee', order: 50 },
  },
  {
    path: 'guaranteePeriod',
    label: 'field.guaranteePeriod',
    format: 'period',
    csv: { from: 'guaranteeFrom', to: 'guaranteeTo' },
    form: 'guarantee',
    certificate: { section: 'guarantee', order: 20, strong: true },
    receipt: { order: 70 },
    mail: { part: 'terms', order: 70 },
  },
  {
    path: 'guaranteeDate',
    label: 'field.guaranteeDate',
    format: 'date',
    csv: 'guaranteeDate',
    form: 'guarantee',
    certificate: { section: 'head', order: 20 },
  },
  // The issuer and obligee blocks: drawn by the layouts (addressee 殿, issuer name and office), not as rows.
  { path: 'issuer.name', envelope: true, label: 'field.issuer', format: 'text' },
  { path: 'issuer.office', envelope: true, label: null, format: 'text' },
  { path: 'issuer.representative', envelope: true, label: null, format: 'text' },
  { path: 'obligee.id', envelope: true, label: null, format: 'identifier' },
  {
    path: 'obligee.name',
    envelope: true,
    label: 'field.obligee',
    format: 'text',
    certificate: { section: 'parties', order: 10 },
    notice: { order: 20, shows: 'withTitle' },
    receipt: { order: 30, shows: 'withTitle' },
    mail: { part: 'identity', order: 40 },
  },
  { path: 'obligee.title', envelope: true, label: null, format: 'text' },
] as const satisfies readonly FieldDef[]);

/** An entry: its literal values (label keys, paths, column names) with every FieldDef property readable. */
export type Field = FieldDef & (typeof FIELDS)[number];
/** Every catalog key a field label may use; pages and documents pass it to their translator, which checks it. */
export type FieldLabelKey = NonNullable<Field['label']> | ProductLabels<(typeof FIELDS)[number]>;
type ProductLabels<F> = F extends { readonly labelFor: infer L } ? L[keyof L] : never;

// ---- Compile-time coverage: a certificate leaf without an entry (or an entry without a leaf) fails tsc. ----

type Period = { from: string; to: string };
type LeafPaths<T, P extends string = ''> = {
  [K in keyof T & string]-?: NonNullable<T[K]> extends Period | readonly unknown[] | string | number
    ? `${P}${K}`
    : LeafPaths<NonNullable<T[K]>, `${P}${K}.`>;
}[keyof T & string];
/** The path of every leaf of a certificate (a period and a list count as one leaf). */
export type CertificatePath = LeafPaths<Certificate>;
type RegisteredPath = Exclude<(typeof FIELDS)[number], { requestOnly: true }>['path'];
type Unregistered = Exclude<CertificatePath, RegisteredPath>;
type NotInSchema = Exclude<RegisteredPath, CertificatePath>;
// Read the error as: "Type 'true' is not assignable to <the path that lacks an entry>".
const _everyLeafRegistered: [Unregistered] extends [never] ? true : Unregistered = true;
const _everyEntryALeaf: [NotInSchema] extends [never] ? true : NotInSchema = true;
void _everyLeafRegistered;
void _everyEntryALeaf;

// ---- Lookups ----

const BY_PATH: ReadonlyMap<string, Field> = new Map(FIELDS.map((f: Field) => [f.path, f]));

/** The entry of a path, or undefined. */
export function fieldAt(path: string): Field | undefined {
  return BY_PATH.get(path);
}

/** The catalog key of a field's label for a product (null when the field has no row of its own). */
export function labelKeyOf(field: Field, product?: Product): FieldLabelKey | null {
  return ((product && field.labelFor?.[product]) as FieldLabelKey | undefined) ?? field.label;
}

/** The value at a dotted path of a certificate or request body (undefined where any part is missing). */
export function valueAt(source: unknown, path: string): unknown {
  let node = source;
  for (const part of path.split('.')) {
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  }
  return node;
}

/** Whether a product carries the field at all. */
export function appliesTo(field: Field, product: Product): boolean {
  const products = field.products;
  return !products || products.only.includes(product);
}

type ZodNode = z.ZodType & { def: { type: string; innerType?: ZodNode; shape?: Record<string, ZodNode> } };

/**
 * The zod schema piece of a field (from certificateSchema, or publishRequestSchema for request-only inputs), and
 * whether it is optional anywhere along its path.
 * @throws Error when the path is not in the schema (test/domain/fields.test.ts runs this for every entry)
 */
export function schemaOf(field: Field): { schema: z.ZodType; optional: boolean } {
  let node = (field.requestOnly === true ? publishRequestSchema : certificateSchema) as unknown as ZodNode;
  let optional = false;
  for (const part of field.path.split('.')) {
    while (node.def.type === 'optional') {
      optional = true;
      node = node.def.innerType as ZodNode;
    }
    const next = node.def.type === 'object' ? node.def.shape?.[part] : undefined;
    if (!next) throw new Error(`${field.path}: not in the schema`);
    node = next;
  }
  if (node.def.type === 'optional') optional = true;
  return { schema: node, optional };
}

/** Whether every guarantee of that product must have the field (the staff form marks it 必須). */
export function isRequired(field: Field, product?: Product): boolean {
  const products = field.products;
  if (products) return products.required && (product === undefined || products.only.includes(product));
  return !schemaOf(field).optional;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
