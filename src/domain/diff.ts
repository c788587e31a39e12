// What changed between two certificates (the staff portal's 変更内容 tables, and the officer's 前回確認からの変更 with
// labels and formatted values), and the JSON merge patch a change form sends. Pure; the caller supplies the language.
import { IMMUTABLE_FIELDS, type Certificate } from './certificate.js';
import { formatValue, type FieldFormatters, type RowValue } from './field-rows.js';
import { FIELDS, fieldAt, labelKeyOf, valueAt, type Field, type FieldLabelKey } from './fields.js';

export interface FieldChange {
  /** Dotted path of the leaf: `guaranteeAmount`, `works.period.to`, `jointVenture.members`. */
  path: string;
  before: unknown;
  after: unknown;
}

/** A certificate's leaves in its own key order (as signed): a period as its two ends, a list joined with 、. */
function leaves(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(value) || fieldAt(prefix)?.format === 'list') {
    out.set(prefix, (value as unknown[]).join('、'));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, value);
  return out;
}

/**
 * Every leaf that differs between two certificates, before → after, in the earlier certificate's order (leaves only
 * the later one has come last); missing on one side = undefined. With no `before`, every leaf of `after`.
 */
export function diffCertificates(before: Certificate | null, after: Certificate): FieldChange[] {
  const a = before ? leaves(before) : new Map<string, unknown>();
  const b = leaves(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])];
  return paths.filter((p) => a.get(p) !== b.get(p)).map((p) => ({ path: p, before: a.get(p), after: b.get(p) }));
}

/** Top-level keys a change never carries: fields no version may change (§3), and inputs that are never signed. */
const NEVER_PATCHED: ReadonlySet<string> = new Set([
  ...IMMUTABLE_FIELDS,
  ...FIELDS.filter((f: Field) => f.requestOnly).map((f) => f.path.split('.')[0] as string),
]);

/**
 * A JSON merge patch (RFC 7396) holding only what differs between two publication bodies: nested objects are
 * patched member by member, a cleared optional field becomes null (removed), lists are replaced whole; immutable
 * fields and request-only inputs (obligeeId, contractorEmail) are left out.
 */
export function changesPatch(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!NEVER_PATCHED.has(key)) {
      const change = memberPatch(own(before, key), own(after, key));
      if (change !== undefined) put(patch, key, change);
    }
  }
  return patch;
}

/** The patch of one member, or undefined when it did not change. */
function memberPatch(a: unknown, b: unknown): unknown {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (b === undefined) return null;
  if (isObject(a) && isObject(b)) {
    const inner: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const change = memberPatch(own(a, key), own(b, key));
      if (change !== undefined) put(inner, key, change);
    }
    return Object.keys(inner).length > 0 ? inner : undefined;
  }
  return b;
}

// Own members only, and defineProperty rather than assignment: a member named "__proto__" is an ordinary member
// (RFC 7396, as in mergePatch), never the prototype.
const own = (source: Record<string, unknown>, key: string) => (Object.hasOwn(source, key) ? source[key] : undefined);
const put = (target: Record<string, unknown>, key: string, value: unknown) =>
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** One field that differs between two certificates, labelled and written out for a reader. */
export interface LabelledChange {
  field: Field;
  label: FieldLabelKey;
  /** undefined: the field had (or has) no value. */
  before: RowValue | undefined;
  after: RowValue | undefined;
}

/**
 * What changed between the version a reader last saw and another, field by field over the registry (a period or a
 * list is one field), in the paper certificate's order, each with its label key and both values formatted; fields
 * without a label of their own (the envelope's parts) are left out.
 */
export function labelledChanges(before: Certificate, after: Certificate, fmt: FieldFormatters): LabelledChange[] {
  const placed = FIELDS.filter((f: Field) => f.certificate !== undefined && f.requestOnly !== true);
  const rank = (f: Field) =>
    SECTION_RANK.indexOf(f.certificate?.section ?? 'works') * 1000 + (f.certificate?.order ?? 0);
  return placed
    .filter((f) => JSON.stringify(valueAt(before, f.path)) !== JSON.stringify(valueAt(after, f.path)))
    .sort((a, b) => rank(a) - rank(b))
    .flatMap((f): LabelledChange[] => {
      const label = labelKeyOf(f, after.product);
      if (label === null) return [];
      return [
        {
          field: f,
          label,
          before: formatValue(f, valueAt(before, f.path), fmt),
          after: formatValue(f, valueAt(after, f.path), fmt),
        },
      ];
    });
}

const SECTION_RANK = ['head', 'guarantee', 'parties', 'works'] as const;
