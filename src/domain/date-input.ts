// Dates as Japanese offices write them, read into ISO `YYYY-MM-DD`: 和暦 (令和8年4月1日, 令和元年5月1日, R8.4.1,
// Ｒ８／４／１), slashes and dots (2026/4/1, 2026.4.1), 2026年4月1日 and ISO itself. Excel saves a date cell in the
// format it shows, so a clerk's CSV holds whichever of these the sheet uses.

/** The eras of the Japanese calendar a guarantee may name, with their first day (Gregorian, ISO). */
const ERAS = [
  { names: ['令和', 'R'], start: '2019-05-01' },
  { names: ['平成', 'H'], start: '1989-01-08' },
  { names: ['昭和', 'S'], start: '1926-12-25' },
] as const;

const pad = (n: number) => String(n).padStart(2, '0');

/** A real calendar date as ISO, or null (2026-02-30 is not one). */
function isoOf(year: number, month: number, day: number): string | null {
  const t = new Date(Date.UTC(year, month - 1, day));
  if (year < 1900 || year > 2999 || t.getUTCMonth() !== month - 1 || t.getUTCDate() !== day) return null;
  return `${year}-${pad(month)}-${pad(day)}`;
}

/**
 * The ISO date a typed or exported date means, or null when it is none of the accepted forms, not a real date, or
 * outside its era (平成32年 does not exist: that day is 令和2年).
 */
export function parseDateInput(input: string): string | null {
  const s = input.normalize('NFKC').replace(/\s+/g, '');
  const western = /^(\d{4})(?:[-/.]|年)(\d{1,2})(?:[-/.]|月)(\d{1,2})日?$/.exec(s);
  if (western) return isoOf(Number(western[1]), Number(western[2]), Number(western[3]));
  const era = /^(令和|平成|昭和|[RHSrhs])(元|\d{1,2})(?:[-/.]|年)(\d{1,2})(?:[-/.]|月)(\d{1,2})日?$/.exec(s);
  if (!era) return null;
  const def = ERAS.find((e) => (e.names as readonly string[]).includes(era[1]!.toUpperCase()));
  if (!def) return null;
  const eraYear = era[2] === '元' ? 1 : Number(era[2]);
  const iso = isoOf(Number(def.start.slice(0, 4)) + eraYear - 1, Number(era[3]), Number(era[4]));
  if (iso === null || eraYear < 1 || iso < def.start) return null;
  const next = ERAS[ERAS.indexOf(def) - 1];
  return next && iso >= next.start ? null : iso;
}
