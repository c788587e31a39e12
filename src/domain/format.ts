// Display formatting: Japanese era dates, JST instants and yen (DESIGN §3).

const eraDate = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', { dateStyle: 'long', timeZone: 'UTC' });
const eraInstant = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', {
  dateStyle: 'long',
  timeStyle: 'medium',
  timeZone: 'Asia/Tokyo',
});
const isoDateEn = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });
const isoInstantEn = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'long',
  timeStyle: 'medium',
  timeZone: 'Asia/Tokyo',
});
const yen = new Intl.NumberFormat('ja-JP');

export type Locale = 'ja' | 'en';

function utcDate(isoDate: string): Date {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d));
}

/** `2026-01-05` → `令和8年1月5日` (ja) or `5 January 2026` (en). */
export function formatDate(isoDate: string, locale: Locale = 'ja'): string {
  return (locale === 'ja' ? eraDate : isoDateEn).format(utcDate(isoDate));
}

/** An instant shown to the second in JST: `令和8年1月5日 9:30:00`. */
export function formatInstant(iso: string, locale: Locale = 'ja'): string {
  const d = new Date(iso);
  return locale === 'ja' ? eraInstant.format(d) : `${isoInstantEn.format(d)} JST`;
}

/** `50000000` → `50,000,000円`. */
export function formatYen(amount: number): string {
  return `${yen.format(amount)}円`;
}

/** Today's calendar date in JST as `YYYY-MM-DD`. */
export function jstDate(now: Date): string {
  return new Date(now.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
}

/** The JST calendar day that contains `now`, as epoch milliseconds [from, until): what jstDate(now) names. */
export function jstDayBounds(now: Date): { from: number; until: number } {
  const from = Math.floor((now.getTime() + 9 * 3600_000) / 86_400_000) * 86_400_000 - 9 * 3600_000;
  return { from, until: from + 86_400_000 };
}

/** True for a real calendar date written `YYYY-MM-DD` (not `2026-02-30`). */
export function isIsoDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && utcDate(value).toISOString().slice(0, 10) === value;
}

/**
 * The instant (UTC ISO-8601, as stored in `created_at`) at which a JST calendar day begins: `2026-04-01` →
 * `2026-03-31T15:00:00.000Z`. Japan has no daylight saving time, so every JST day is UTC+9 and 24 hours long.
 */
export function jstDayStart(isoDate: string): string {
  return new Date(utcDate(isoDate).getTime() - 9 * 3600_000).toISOString();
}

/** The instant at which the JST calendar day after `isoDate` begins (the exclusive end of an inclusive range). */
export function jstDayEnd(isoDate: string): string {
  return new Date(utcDate(isoDate).getTime() + 15 * 3600_000).toISOString();
}

/** An instant as ISO-8601 with the +09:00 offset, to the millisecond: `2026-01-05T09:30:00.000+09:00`. */
export function toJstIso(now: Date): string {
  return new Date(now.getTime() + 9 * 3600_000).toISOString().replace('Z', '+09:00');
}
