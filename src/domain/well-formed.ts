// Finds text that is not well-formed Unicode (a lone UTF-16 surrogate) in a JSON value. Such text cannot be stored
// as UTF-8: SQLite and PostgreSQL keep U+FFFD instead, so the lookup columns never match what was signed again.

// In a /u pattern a surrogate pair is one code point, so \p{Cs} matches only a surrogate standing alone.
const LONE_SURROGATE = /\p{Cs}/u;

/** The JSON paths (`works.name`, `items[2]`) of every string in `value` that holds a lone surrogate. */
export function illFormedTextPaths(value: unknown, path = ''): string[] {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? [path || '(value)'] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => illFormedTextPaths(item, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => illFormedTextPaths(item, path ? `${path}.${key}` : key));
  }
  return [];
}
