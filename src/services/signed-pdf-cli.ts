// The as-issued PDFs' operator commands (`pdf:sign-earlier`, `pdf:restamp`): argument checks and terminal output
// around sign-earlier.ts and restamp-pdfs.ts.
import { DomainError } from '../errors.js';
import type { Actor, ServiceContext } from './context.js';
import { restampPdfs } from './restamp-pdfs.js';
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

const YEAR_MS = 365 * 86_400_000;

/** `pdf:restamp [--before <date>] [--all]`: exit 1 when any PDF that needed a re-stamp could not get one. */
export async function restampCommand(
  ctx: ServiceContext,
  actor: Actor,
  options: { before?: string | undefined; all?: boolean | undefined },
): Promise<number> {
  // Run yearly: by default whatever would expire before the next run (a year and a month from now) is re-stamped.
  const before =
    parseCliInstant('--before', options.before) ?? new Date(ctx.clock().getTime() + YEAR_MS + 31 * 86_400_000);
  const totals = await restampPdfs(ctx, actor, { before, all: options.all === true }, (o) => {
    const was = o.expiredAt ?? 'no time-stamp';
    if (o.result === 'restamped')
      console.log(`${o.contractNumber}\tseq ${o.seq}\trestamped\t${was} -> ${o.newExpiry ?? '?'}`);
    else if (o.result === 'changed') console.log(`${o.contractNumber}\tseq ${o.seq}\tskipped (replaced meanwhile)`);
    else console.log(`${o.contractNumber}\tseq ${o.seq}\tFAILED\t${o.error ?? ''}`);
  });
  console.error(
    `${totals.looked} signed PDFs looked at, ${totals.due} ${options.all ? 'selected (--all)' : `with a time-stamp expiring before ${before.toISOString()}`}: ` +
      `${totals.restamped} re-stamped (audited), ${totals.failed} failed`,
  );
  return totals.failed === 0 ? 0 : 1;
}
