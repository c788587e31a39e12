// Query-string helpers shared by the staff list screens (search filters and paging).

/** The page asked for, clamped to 1…100 000 (a garbage value opens the first page). */
export const pageNumber = (raw: string | undefined): number =>
  Math.max(1, Math.min(100_000, Number.parseInt(raw ?? '1', 10) || 1));

/** The filters of the current query, for the pager's links: without page, lang and empty fields. */
export const queryWithout = (q: Record<string, string>): string =>
  new URLSearchParams(Object.entries(q).filter(([k, v]) => k !== 'page' && k !== 'lang' && v !== '')).toString();
