// The watch feed's pure rules (DESIGN §11): the opaque cursor, the query of a feed page, and an event's status.
import { z } from 'zod';
import { jstDate } from './format.js';
import { EVENTS, type Status } from './history.js';

/** What a feed event reports: a published version's event, or a status change without a version. */
export const WATCH_EVENTS = [...EVENTS, 'expired', 'key_reissued'] as const;
export type WatchEventKind = (typeof WATCH_EVENTS)[number];

const CURSOR_PREFIX = 'wf1:';

/**
 * The cursor of the event with feed id `id` (0 = before the first event). Opaque to clients: base64url of a
 * versioned text, so its form can change later without breaking a stored cursor that still decodes.
 */
export const encodeCursor = (id: number): string => Buffer.from(`${CURSOR_PREFIX}${id}`).toString('base64url');

/** The feed id a cursor stands for, or null when it is not one of ours. */
export function decodeCursor(cursor: string): number | null {
  if (cursor.length === 0 || cursor.length > 40 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(CURSOR_PREFIX)) return null;
  const digits = text.slice(CURSOR_PREFIX.length);
  if (!/^(0|[1-9]\d{0,15})$/.test(digits)) return null;
  const id = Number(digits);
  // Only the canonical spelling: two cursors for one position would be one page under two names.
  return Number.isSafeInteger(id) && encodeCursor(id) === cursor ? id : null;
}

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

/** `?after=&limit=` of GET /watch/events. */
export const feedQuerySchema = z.object({
  after: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return 0;
      const id = decodeCursor(s);
      if (id === null) {
        ctx.addIssue({ code: 'custom', message: 'after はこのAPIが返したカーソルを指定してください' });
        return z.NEVER;
      }
      return id;
    }),
  limit: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return DEFAULT_PAGE;
      const n = /^\d{1,4}$/.test(s) ? Number(s) : NaN;
      if (!(n >= 1 && n <= MAX_PAGE)) {
        ctx.addIssue({ code: 'custom', message: `limit は1〜${MAX_PAGE}の整数で指定してください` });
        return z.NEVER;
      }
      return n;
    }),
});

/** A certificate's status at `now` from its cancellation and guarantee end date (as statusOf, from the facts alone). */
export function statusAt(cancelled: boolean, guaranteeEnd: string, now: Date): Status {
  if (cancelled) return 'cancelled';
  return jstDate(now) > guaranteeEnd ? 'expired' : 'active';
}
