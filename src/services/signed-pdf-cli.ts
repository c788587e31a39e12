// The as-issued PDFs' operator commands (`pdf:sign-earlier`, `pdf:restamp`): argument checks and terminal output
// around sign-earlier.ts and restamp-pdfs.ts.
import { DomainError } from '../errors.js';
import type { Actor, ServiceContext } from './context.js';
import { queueEarlierVersions } from './sign-earlier.js';

/** A date or instant given on the command line; a bare date is midnight JST (the issuer's day). */
export function parseCliInstant(option: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00+09:00` : value;
  const at = new Date(iso);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at.getTime()))
    throw new DomainError('bad_request', `${option} needs a date (YYYY-MM-DD) or an ISO 8601 instant, not "${value}"`);
  return at;
}

/** `pdf:sign-earlier [--contract <no>] [--since <date>]` */
export async function signEarlierCommand(
  ctx: ServiceContext,
  actor: Actor,
  options: { contract?: string | undefined; since?: string | undefined },
): Promise<number> {
  const queued = await queueEarlierVersions(ctx, actor, {
    contractNumber: options.contract,
    since: parseCliInstant('--since', options.since),
  });
  for (const q of queued) console.log(`${q.contractNumber}\tversions ${q.seqs.join(', ')}`);
  const total = queued.reduce((n, q) => n + q.seqs.length, 0);
  console.error(
    total === 0
      ? 'no earlier version without a signed PDF matched: nothing queued'
      : `${total} versions of ${queued.length} guarantees queued (audited); the running platform's signing worker signs them`,
  );
  return 0;
}
