// Display formatting (DESIGN §3): Japanese era dates, JST instants, yen, and the JST calendar date.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { formatDate, formatInstant, formatYen, jstDate, jstDayBounds, toJstIso } from '../../src/domain/format.js';

const pad = (n: number) => String(n).padStart(2, '0');
const iso = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
const calendarDay = (min: string, max: string) =>
  fc.date({ min: new Date(`${min}T00:00:00Z`), max: new Date(`${max}T00:00:00Z`), noInvalidDate: true }).map(iso);
const instant = fc.date({
  min: new Date('1950-01-01T00:00:00Z'),
  max: new Date('2999-12-31T00:00:00Z'),
  noInvalidDate: true,
});
const tokyoDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Tokyo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

describe('formatDate', () => {
  it.each([
    ['2026-01-05', '令和8年1月5日'],
    ['2019-05-01', '令和元年5月1日'],
    ['2019-04-30', '平成31年4月30日'],
    ['2020-01-01', '令和2年1月1日'],
    ['1989-01-08', '平成元年1月8日'],
    ['1989-01-07', '昭和64年1月7日'],
    ['2026-12-31', '令和8年12月31日'],
  ])('shows %s as %s', (date, expected) => {
    expect(formatDate(date)).toBe(expected);
  });

  it('never shifts a calendar date by a time zone (calendar dates are not instants)', () => {
    // 2026-01-01 would become 令和7年12月31日 if the date were read as midnight UTC and shown west of Greenwich.
    expect(formatDate('2026-01-01')).toBe('令和8年1月1日');
  });

  it('shows English dates in day-month-year order', () => {
    expect(formatDate('2026-01-05', 'en')).toBe('5 January 2026');
  });

  it('renders every Reiwa date with the era year, month and day of the calendar date', () => {
    fc.assert(
      fc.property(calendarDay('2019-05-01', '2099-12-31'), (date) => {
        const [y, m, d] = date.split('-').map(Number) as [number, number, number];
        const year = y - 2018 === 1 ? '元' : String(y - 2018);
        expect(formatDate(date)).toBe(`令和${year}年${m}月${d}日`);
      }),
    );
  });

  it('renders every Heisei date with the era year, month and day of the calendar date', () => {
    fc.assert(
      fc.property(calendarDay('1989-01-08', '2019-04-30'), (date) => {
        const [y, m, d] = date.split('-').map(Number) as [number, number, number];
        const year = y - 1988 === 1 ? '元' : String(y - 1988);
        expect(formatDate(date)).toBe(`平成${year}年${m}月${d}日`);
      }),
    );
  });
});

describe('formatYen', () => {
  it.each([
    [50_000_000, '50,000,000円'],
    [1, '1円'],
    [999, '999円'],
    [1000, '1,000円'],
    [1_234_567, '1,234,567円'],
    [Number.MAX_SAFE_INTEGER, '9,007,199,254,740,991円'],
  ])('shows %d as %s', (amount, expected) => {
    expect(formatYen(amount)).toBe(expected);
  });

  it('groups the digits of any safe integer amount by three and loses none', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (amount) => {
        const shown = formatYen(amount);
        expect(shown).toMatch(/^\d{1,3}(,\d{3})*円$/);
        expect(shown.replace(/[,円]/g, '')).toBe(String(amount));
      }),
    );
  });
});

describe('formatInstant', () => {
  it('shows an instant in JST to the second', () => {
    expect(formatInstant('2026-01-04T15:30:00Z')).toBe('令和8年1月5日 0:30:00');
    expect(formatInstant('2026-01-05T09:30:00.000+09:00')).toBe('令和8年1月5日 9:30:00');
  });

  it('shows the same JST wall time for the same instant written in UTC or +09:00', () => {
    expect(formatInstant('2026-01-05T00:30:00.000+09:00')).toBe(formatInstant('2026-01-04T15:30:00Z'));
  });

  it('crosses the JST date line at 15:00 UTC', () => {
    expect(formatInstant('2026-03-31T14:59:59Z')).toBe('令和8年3月31日 23:59:59');
    expect(formatInstant('2026-03-31T15:00:00Z')).toBe('令和8年4月1日 0:00:00');
  });

  it('marks English instants as JST', () => {
    const en = formatInstant('2026-01-04T15:30:00Z', 'en');
    expect(en).toContain('5 January 2026');
    expect(en).toContain('00:30:00');
    expect(en).toMatch(/JST$/);
  });
});

describe('jstDayBounds', () => {
  it('is the span of instants that jstDate names as the same day: from its first millisecond to the next day', () => {
    expect(jstDayBounds(new Date('2027-04-30T14:59:59Z'))).toEqual({
      from: Date.parse('2027-04-29T15:00:00Z'),
      until: Date.parse('2027-04-30T15:00:00Z'),
    });
    fc.assert(
      fc.property(instant, (d) => {
        const { from, until } = jstDayBounds(d);
        expect(from <= d.getTime() && d.getTime() < until).toBe(true);
        expect(jstDate(new Date(from))).toBe(jstDate(d));
        expect(jstDate(new Date(until - 1))).toBe(jstDate(d));
        expect(jstDate(new Date(until))).not.toBe(jstDate(d));
      }),
    );
  });
});

describe('jstDate', () => {
  it('is the JST calendar date, which starts at 15:00 UTC the previous day', () => {
    expect(jstDate(new Date('2026-03-31T14:59:59.999Z'))).toBe('2026-03-31');
    expect(jstDate(new Date('2026-03-31T15:00:00Z'))).toBe('2026-04-01');
    expect(jstDate(new Date('2025-12-31T15:00:00Z'))).toBe('2026-01-01');
    expect(jstDate(new Date('2026-01-01T00:00:00+09:00'))).toBe('2026-01-01');
    expect(jstDate(new Date('2025-12-31T23:59:59+09:00'))).toBe('2025-12-31');
  });

  it('agrees with the Asia/Tokyo calendar for any instant', () => {
    fc.assert(
      fc.property(instant, (d) => {
        expect(jstDate(d)).toBe(tokyoDate.format(d));
      }),
    );
  });
});

describe('toJstIso', () => {
  it('writes an instant as JST wall time with the +09:00 offset', () => {
    expect(toJstIso(new Date('2026-01-05T00:30:00Z'))).toBe('2026-01-05T09:30:00.000+09:00');
    expect(toJstIso(new Date('2026-03-31T15:00:00.123Z'))).toBe('2026-04-01T00:00:00.123+09:00');
  });

  it('round-trips to the same instant, carries the JST date and always ends with +09:00', () => {
    fc.assert(
      fc.property(instant, (d) => {
        const s = toJstIso(d);
        expect(s).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+09:00$/);
        expect(new Date(s).getTime()).toBe(d.getTime());
        expect(s.slice(0, 10)).toBe(jstDate(d));
      }),
    );
  });
});
