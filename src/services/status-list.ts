// Use case: the public status list of DESIGN §13 — a W3C BitstringStatusListCredential (statusPurpose `message`,
// statusSize 2) secured as a VC-JOSE-COSE JWT (typ vc+jwt, ES256 by the version keyring's active key, so its kid is
// in /.well-known/jwks.json), and the BitstringStatusListEntry each as-issued PDF carries.
import { createHash } from 'node:crypto';
import { jstDate } from '../domain/format.js';
import type { VersionEvent } from '../domain/history.js';
import {
  LIST_ENTRIES,
  STATUS_CODES,
  STATUS_MESSAGES,
  STATUS_SIZE,
  emptyBitstring,
  listOf,
  setEntry,
  versionStatuses,
} from '../domain/status-list.js';
import { DomainError } from '../errors.js';
import type { StatusEntry } from '../pdf/model.js';
import {
  changedStatusSources,
  findStatusIndex,
  statusIndexesUsed,
  statusSources,
  type StatusSourceRow,
} from '../repositories/status-entries.js';
import { STATUS_LIST_TYP, encodeList } from '../signing/status-list.js';
import { signJws } from '../signing/versions.js';
import type { ServiceContext } from './context.js';

export const STATUS_LIST_MEDIA_TYPE = 'application/vc+jwt';
/** Seconds a proxy or verifier may keep a list: a 取消 shows everywhere within this time. */
export const STATUS_LIST_MAX_AGE = 300;

export const statusListUrl = (ctx: ServiceContext, list: number) => `${ctx.config.publicUrl}/status-lists/${list}`;

/** The entry a version's as-issued PDF names, or null for a version that has none (never the case once migrated). */
export async function statusEntryOf(
  ctx: ServiceContext,
  contractNumber: string,
  seq: number,
): Promise<StatusEntry | null> {
  const index = await findStatusIndex(ctx.db, contractNumber, seq);
  if (index === null) return null;
  const { list, position } = listOf(index);
  const url = statusListUrl(ctx, list);
  return {
    id: `${url}#${position}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: 'message',
    statusListIndex: String(position),
    statusSize: STATUS_SIZE,
    statusListCredential: url,
    statusMessage: [...STATUS_MESSAGES],
  };
}

interface Served {
  jwt: string;
  etag: string;
}

/** A built list: its bits as of `size` indexes handed out and the JST day, and the signed answer. */
interface Built {
  bits: Uint8Array;
  size: number;
  today: string;
  kid: string;
  served: Served;
}
// Statuses change only with a new version (which takes a new index and so moves status_head) or with the JST date
// (expiry). A list is rebuilt in full once a day (or after a key rotation); in between only the guarantees that took
// indexes since the last build are derived again — a full list of 131,072 entries takes seconds, a change a query.
const cache = new WeakMap<ServiceContext, Map<number, Built>>();

/**
 * The signed list `list` as served at /status-lists/{list}, with a weak ETag naming its content.
 * @throws DomainError not_found for a list no index was handed out in yet
 */
export async function statusListCredential(ctx: ServiceContext, list: number): Promise<Served> {
  const used = await statusIndexesUsed(ctx.db);
  if (!Number.isSafeInteger(list) || list < 0 || list * LIST_ENTRIES >= Math.max(used, 1)) {
    throw new DomainError('not_found', 'この番号のステータスリストはありません');
  }
  const now = ctx.clock();
  const today = jstDate(now);
  const kid = ctx.keyring.activeKid;
  const perList = cache.get(ctx) ?? new Map<number, Built>();
  cache.set(ctx, perList);
  const hit = perList.get(list);
  const fresh = hit?.today === today && hit.kid === kid;
  if (fresh && hit.size === used) return hit.served;

  const from = list * LIST_ENTRIES;
  const bits = fresh ? hit.bits.slice() : emptyBitstring();
  const rows = fresh
    ? await changedStatusSources(ctx.db, hit.size, used)
    : await statusSources(ctx.db, from, from + LIST_ENTRIES);
  applyStatuses(bits, from, rows, today);
  const revision = `${list}:${used}:${today}:${kid}`;
  const etag = `W/"${createHash('sha256').update(revision).digest('base64url').slice(0, 27)}"`;
  const served = { jwt: await signJws(ctx.keyring, STATUS_LIST_TYP, credentialOf(ctx, list, now, bits)), etag };
  perList.set(list, { bits, size: used, today, kid, served });
  return served;
}

/** Sets the entries in [from, from + LIST_ENTRIES) of every guarantee in `rows` (grouped by guarantee, seq order). */
function applyStatuses(bits: Uint8Array, from: number, rows: readonly StatusSourceRow[], today: string): void {
  for (let i = 0; i < rows.length;) {
    let j = i;
    while (j < rows.length && rows[j]!.contract_number === rows[i]!.contract_number) j++;
    const group = rows.slice(i, j);
    const statuses = versionStatuses(
      group.map((r) => ({ seq: r.seq, event: r.event as VersionEvent, target: r.target })),
      group[0]!.guarantee_end,
      today,
    );
    for (const r of group) {
      if (r.status_index === null || r.status_index < from || r.status_index >= from + LIST_ENTRIES) continue;
      setEntry(bits, r.status_index - from, STATUS_CODES[statuses.get(r.seq) ?? 'current']);
    }
    i = j;
  }
}

function credentialOf(ctx: ServiceContext, list: number, now: Date, bits: Uint8Array) {
  const url = statusListUrl(ctx, list);
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: ctx.config.publicUrl,
    validFrom: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    credentialSubject: {
      id: `${url}#list`,
      type: 'BitstringStatusList',
      statusPurpose: 'message',
      statusSize: STATUS_SIZE,
      statusMessages: STATUS_MESSAGES,
      encodedList: encodeList(bits),
      ttl: STATUS_LIST_MAX_AGE * 1000,
    },
  };
}
