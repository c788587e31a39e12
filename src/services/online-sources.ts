// Where the online results of a document check get their inputs: the status list (over HTTP for the command line,
// from this platform's own service for /verify-file) and DNS TXT records (node:dns, optionally at one named server).
import { Resolver } from 'node:dns/promises';
import type { ServiceContext } from './context.js';
import type { OnlineSources } from './document-results.js';
import { statusListCredential, statusListUrl } from './status-list.js';
import { isLoopbackHost } from './trusted-keys.js';

/** TXT lookups at `server` (host[:port], ESURETY_DNS_RESOLVER) or, unset, the system's resolvers; 5 s at most. */
export function txtResolver(server: string | undefined): NonNullable<OnlineSources['resolveTxt']> {
  const resolver = new Resolver({ timeout: 2_500, tries: 2 });
  if (server) resolver.setServers([server]);
  return (name) => resolver.resolveTxt(name);
}

/**
 * Fetches a status list over https (http only for a loopback host, with --allow-http-loopback); no redirects. The
 * list is signed, so the transport only matters for freshness: an old copy replayed could hide a later 取消.
 */
export function httpStatusFetcher(
  options: { allowHttpLoopback?: boolean } = {},
): NonNullable<OnlineSources['fetchStatusList']> {
  return async (target) => {
    const url = new URL(target);
    const loopback = url.protocol === 'http:' && isLoopbackHost(url.hostname) && options.allowHttpLoopback === true;
    if (url.protocol !== 'https:' && !loopback)
      throw new Error(`${url.protocol} の URL からは取得しません（https: に限ります）`);
    const res = await fetch(url, {
      signal: AbortSignal.timeout(10_000),
      headers: { accept: 'application/vc+jwt' },
      redirect: 'error',
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return (await res.text()).trim();
  };
}

/** /verify-file: a list of this platform is read from its own service (no request to itself); others are not fetched. */
export function platformStatusFetcher(ctx: ServiceContext): NonNullable<OnlineSources['fetchStatusList']> {
  return async (target) => {
    const match = /\/status-lists\/(\d{1,6})$/.exec(target);
    if (!match || target !== statusListUrl(ctx, Number(match[1]))) {
      throw new Error('このプラットフォーム以外のステータスリストは、この画面では取得しません');
    }
    return (await statusListCredential(ctx, Number(match[1]))).jwt;
  };
}
