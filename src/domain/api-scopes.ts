// Issuer API token scopes: what a token may do. Pure data — the issuer API's routes name the scope they need
// (routes/api-routes.ts, as OpenAPI bearer scopes), and the token services decide who may create which.

export const API_SCOPES = ['read', 'publish', 'keys', 'obligees', 'outbox'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/**
 * Scopes that do what the staff portal only does with a second person (publishing, key display and reissue,
 * obligee rules): a token holding one is made by one administrator and works only once a different administrator
 * has approved it, so that no single account gets past four-eyes by way of the API.
 */
export const FOUR_EYES_SCOPES: readonly ApiScope[] = ['publish', 'keys', 'obligees'];

/**
 * Stored form of "every scope": the command line's break-glass tokens (`token:create`) and every token made before
 * scopes existed, so integrators' tokens keep working — and keep working for scopes added later.
 */
export const ALL_SCOPES = '*';

export const isApiScope = (s: string): s is ApiScope => (API_SCOPES as readonly string[]).includes(s);

/** The scopes a stored value grants (space-separated, as OAuth writes them; `*` = all). Unknown words grant nothing. */
export function grantedScopes(stored: string): readonly ApiScope[] {
  if (stored === ALL_SCOPES) return API_SCOPES;
  return API_SCOPES.filter((s) => stored.split(' ').includes(s));
}

/** Stored form of a scope list: canonical order, no duplicates. */
export const storedScopes = (scopes: readonly ApiScope[]): string =>
  API_SCOPES.filter((s) => scopes.includes(s)).join(' ');

export const needsSecondAdmin = (scopes: readonly ApiScope[]): boolean =>
  scopes.some((s) => FOUR_EYES_SCOPES.includes(s));
