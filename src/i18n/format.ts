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
}

const yenEn = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'JPY' });

export function formats(lang: Lang): Formats {
  const date = (d: string) => formatDate(d, lang);
  return {
    date,
    instant: (iso) => formatInstant(iso, lang),
    money: (amount) => (lang === 'ja' ? formatYen(amount) : yenEn.format(amount)),
    period: (p, separator) => `${date(p.from)} ${separator} ${date(p.to)}`,
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
