// Display helpers for the pages: the domain formats (era dates, JST instants, yen) in the page's language.
import type { FieldFormatters } from '../domain/field-rows.js';
import { formatDate, formatInstant, formatYen } from '../domain/format.js';
import { translator, type Lang } from './index.js';

export interface Formats {
  date(isoDate: string): string;
  instant(iso: string): string;
  /** `50,000,000円` in Japanese (DESIGN §3); `¥50,000,000` for English readers. */
  money(amount: number): string;
  period(p: { from: string; to: string }, separator: string): string;
  /** A time of day in JST: 「15時42分」, `15:42 JST` (for a pause of at most an hour). */
  clock(epochMs: number): string;
}

const jstClock = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Tokyo',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

const yenEn = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'JPY' });

export function formats(lang: Lang): Formats {
  const date = (d: string) => formatDate(d, lang);
  return {
    date,
    instant: (iso) => formatInstant(iso, lang),
    money: (amount) => (lang === 'ja' ? formatYen(amount) : yenEn.format(amount)),
    period: (p, separator) => `${date(p.from)} ${separator} ${date(p.to)}`,
    clock: (ms) => {
      const parts = Object.fromEntries(jstClock.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
      return lang === 'ja' ? `${Number(parts.hour)}時${parts.minute}分` : `${parts.hour}:${parts.minute} JST`;
    },
  };
}

/** The field registry's formatters in a language: pages, PDFs and mails write a certificate's rows with these. */
export function fieldFormatters(lang: Lang): FieldFormatters {
  const f = formats(lang);
  const t = translator(lang);
  return {
    yen: f.money,
    date: f.date,
    period: (p) => f.period(p, t('period.separator')),
    product: (p) => t(`product.${p}`),
  };
}
