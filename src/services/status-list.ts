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
import { findStatusIndex, statusIndexesUsed, statusSources } from '../repositories/status-entries.js';
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
// One signed list per (list, revision): statuses change only with a new version (which takes a new index and so
// moves status_head) or with the JST date (expiry), so both together name the content.
const cache = new WeakMap<ServiceContext, Map<number, Served>>();

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
  const revision = `${list}:${used}:${today}:${ctx.keyring.activeKid}`;
  const etag = `W/"${createHash('sha256').update(revision).digest('base64url').slice(0, 27)}"`;
  const perList = cache.get(ctx) ?? new Map<number, Served>();
  cache.set(ctx, perList);
  const hit = perList.get(list);
  if (hit?.etag === etag) return hit;

  const bits = emptyBitstring();
  const from = list * LIST_ENTRIES;
  const rows = await statusSources(ctx.db, from, from + LIST_ENTRIES);
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
  const url = statusListUrl(ctx, list);
  const credential = {
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
  const served = { jwt: await signJws(ctx.keyring, STATUS_LIST_TYP, credential), etag };
  perList.set(list, served);
  return served;
}
