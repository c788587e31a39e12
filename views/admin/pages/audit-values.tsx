// The 監査ログ row in words: who (staff by e-mail, API tokens by label), what (the action's name, its code beside
// it for the filter), and the detail as labelled values — names for ids, the officers' No. for versions — with the
// stored JSON kept one click away.
import type { Product } from '../../../src/domain/certificate.js';
import { adminJa, type AdminKey, type AdminTranslate } from '../../../src/i18n/admin.js';
import type { Translate } from '../../../src/i18n/index.js';
import { OBLIGEE_KEYS, SEQ_KEYS, parseDetail, type AuditNames } from '../../../src/services/staff/audit-log.js';
import { versionName } from './version-review.js';

export interface AuditRow {
  actor_type: string;
  actor_id: string;
  action: string;
  contract_number: string | null;
  detail: string;
}

const isKey = (key: string): key is AdminKey => Object.hasOwn(adminJa, key);
const PRODUCTS = ['advance_payment', 'intermediate_advance_payment', 'contract'];
const EVENTS = [
  'issue',
  'change',
  'correction',
  'change_cancellation',
  'cancellation',
  'import',
  'obligee',
  'reissue_key',
];

export function AuditActor(props: { at: AdminTranslate; row: AuditRow; names: AuditNames }) {
  const { at, row, names } = props;
  const type = isKey(`actorType.${row.actor_type}`) ? at(`actorType.${row.actor_type}` as AdminKey) : row.actor_type;
  const name =
    row.actor_type === 'staff'
      ? names.staff[row.actor_id]
      : row.actor_type === 'api_token'
        ? names.tokens[row.actor_id]
        : undefined;
  return (
    <>
      {name ?? row.actor_id}
      <br />
      <span class="seq">{type}</span>
    </>
  );
}

export function AuditAction(props: { at: AdminTranslate; action: string }) {
  const key = `auditAction.${props.action}`;
  return isKey(key) ? (
    <>
      {props.at(key)}
      <br />
      <span class="seq">{props.action}</span>
    </>
  ) : (
    <>{props.action}</>
  );
}

/** One detail value in words; ids become the names they stand for. */
function value(
  props: { t: Translate; at: AdminTranslate; row: AuditRow; names: AuditNames },
  key: string,
  v: unknown,
): string {
  const { t, at, row, names } = props;
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return at(v ? 'audit.yes' : 'audit.no');
  if (typeof v === 'number' && SEQ_KEYS.has(key) && row.contract_number) {
    const no = names.numbers[row.contract_number]?.[v];
    return no === undefined ? String(v) : versionName(at, { no, seq: v });
  }
  if (typeof v === 'string') {
    if (OBLIGEE_KEYS.has(key) || (key === 'id' && row.action.startsWith('obligee.'))) {
      const name = names.obligees[v];
      return name ? `${name}（${v}）` : v;
    }
    if ((key === 'kind' || key === 'event') && EVENTS.includes(v)) return at(`event.${v}` as AdminKey);
    if (key === 'product' && PRODUCTS.includes(v)) return t(`product.${v as Product}`);
    return names.staff[v] ?? names.tokens[v] ?? v;
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join('、');
  return JSON.stringify(v);
}

export function AuditDetail(props: { t: Translate; at: AdminTranslate; row: AuditRow; names: AuditNames }) {
  const { at, row } = props;
  const detail = parseDetail(row.detail);
  const entries = detail ? Object.entries(detail) : [];
  return (
    <>
      {entries.length > 0 ? (
        <dl class="audit-values">
          {entries.map(([key, v]) => (
            <>
              <dt>{isKey(`auditKey.${key}`) ? at(`auditKey.${key}` as AdminKey) : key}</dt>
              <dd>
                {key === 'id' && row.action.startsWith('draft.') && typeof v === 'string' ? (
                  <a href={`/admin/drafts/${v}`}>{at('audit.openDraft')}</a>
                ) : (
                  value(props, key, v)
                )}
              </dd>
            </>
          ))}
        </dl>
      ) : null}
      {row.detail && row.detail !== '{}' ? (
        <details>
          <summary>{at('audit.raw')}</summary>
          <pre class="detail">{row.detail}</pre>
        </details>
      ) : null}
    </>
  );
}
