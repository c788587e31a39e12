// The rows each document lists for a certificate, derived from the field registry: which fields, in which order,
// under which label key, with which value. Pure: the caller supplies the formatters of its language and resolves
// the label keys in its catalog.
import type { Certificate, Product } from './certificate.js';
import {
  FIELDS,
  labelKeyOf,
  valueAt,
  type CertificateSection,
  type Field,
  type FieldLabelKey,
  type MailPart,
  type Placement,
} from './fields.js';

/** How values are written in one language (src/i18n/format.ts builds them). */
export interface FieldFormatters {
  yen(amount: number): string;
  date(isoDate: string): string;
  period(p: { from: string; to: string }): string;
  product(product: Product): string;
}

export type RowValue = string | string[];

export interface FieldRow {
  field: Field;
  label: FieldLabelKey;
  value: RowValue;
  strong: boolean;
  /** Published wording (names, places): it stays Japanese on an English page. */
  data: boolean;
}

/** A value written out by its field's format; undefined when there is nothing to show (the row is left out). */
export function formatValue(field: Field, value: unknown, fmt: FieldFormatters): RowValue | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  switch (field.format) {
    case 'yen':
      return fmt.yen(value as number);
    case 'date':
      return fmt.date(value as string);
    case 'period':
      return fmt.period(value as { from: string; to: string });
    case 'product':
      return fmt.product(value as Product);
    case 'list': {
      const items = (value as unknown[]).map(String);
      return items.length > 0 ? items : undefined;
    }
    case 'percents': {
      const items = (value as unknown[]).map((n) => `${String(n)}%`);
      return items.length > 0 ? items : undefined;
    }
    case 'text':
    case 'identifier':
      return String(value);
  }
}

function shown(c: Certificate, field: Field, placement: Placement): unknown {
  switch (placement.shows) {
    case 'withTitle':
      return c.obligee.title ? `${c.obligee.name}（${c.obligee.title}）` : c.obligee.name;
    case 'party':
      return c.jointVenture?.name ?? c.contractor.name;
    case 'membersWithShares': {
      const shares = c.jointVenture?.shares;
      return c.jointVenture?.members.map((m, i) => (shares?.[i] !== undefined ? `${m}（${shares[i]}%）` : m));
    }
    case undefined:
      return valueAt(c, field.path);
  }
}

function row(c: Certificate, field: Field, placement: Placement, fmt: FieldFormatters, strong = false): FieldRow[] {
  if (placement.omitWith !== undefined && valueAt(c, placement.omitWith) !== undefined) return [];
  const value = formatValue(field, shown(c, field, placement), fmt);
  const label = labelKeyOf(field, c.product);
  if (value === undefined || label === null) return [];
  return [{ field, label, value, strong, data: field.format === 'text' || field.format === 'list' }];
}

const byOrder = <P extends { order: number }>(list: [Field, P][]) => list.sort((a, b) => a[1].order - b[1].order);

/** The rows of one list surface (notice 保証の内容, receipt), in their order, empty values left out. */
export function rowsFor(surface: 'notice' | 'receipt', c: Certificate, fmt: FieldFormatters): FieldRow[] {
  const placed = FIELDS.flatMap((f: Field): [Field, Placement][] => {
    const p = f[surface];
    return p ? [[f, p]] : [];
  });
  return byOrder(placed).flatMap(([f, p]) => row(c, f, p, fmt));
}

/** The summary rows of a mail, made of the parts it asks for (in the fields' order, not the parts'). */
export function mailRows(c: Certificate, parts: readonly MailPart[], fmt: FieldFormatters): FieldRow[] {
  const placed = FIELDS.flatMap((f: Field): [Field, Placement][] =>
    f.mail && parts.includes(f.mail.part) ? [[f, f.mail]] : [],
  );
  return byOrder(placed).flatMap(([f, p]) => row(c, f, p, fmt));
}

const SECTIONS: readonly Exclude<CertificateSection, 'head'>[] = ['guarantee', 'parties', 'works'];

/**
 * The paper certificate (page and PDF): `head` is the numbers at the top right, `sections` the blocks of the field
 * table — what is guaranteed, then who, then which works — each in its order, empty rows left out.
 */
export function certificateRows(c: Certificate, fmt: FieldFormatters): { head: FieldRow[]; sections: FieldRow[][] } {
  const of = (section: CertificateSection) =>
    byOrder(
      FIELDS.flatMap((f: Field): [Field, { order: number; strong?: boolean; shows?: Placement['shows'] }][] =>
        f.certificate?.section === section ? [[f, f.certificate]] : [],
      ),
    ).flatMap(([f, p]) =>
      row(c, f, { order: p.order, ...(p.shows ? { shows: p.shows } : {}) }, fmt, p.strong === true),
    );
  return { head: of('head'), sections: SECTIONS.map(of) };
}
