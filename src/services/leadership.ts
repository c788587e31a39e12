// One instance at a time runs each housekeeping job (reminders and purges, draft recovery) instead of every instance
// doing all of them. The jobs stay safe to run twice (each claims what it changes), so a lease that runs out under a
// slow run costs work, never correctness.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { releaseJobLease, takeJobLease } from '../repositories/job-leases.js';
import type { ServiceContext } from './context.js';

export type HousekeepingJob =
  'mail-housekeeping' | 'draft-recovery' | 'pdf-signing' | 'log-checkpoint' | 'log-witness' | 'log-timestamp';

/** Names this process in leases (host, pid and a random part: two instances on one host never share a name). */
export function instanceName(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * Runs `run` when this instance leads `job`, taking or renewing the lease for `leaseMs` first. A leader renews at
 * every run, so `leaseMs` must exceed the job's interval (three intervals lets one run be missed); another instance
 * takes over once it runs out.
 * @returns the job's result, or null when another instance leads
 */
export async function runAsLeader<T>(
  ctx: Pick<ServiceContext, 'db' | 'clock'>,
  job: HousekeepingJob,
  holder: string,
  leaseMs: number,
  run: () => Promise<T>,
): Promise<T | null> {
  const now = ctx.clock();
  const until = new Date(now.getTime() + leaseMs).toISOString();
  if (!(await takeJobLease(ctx.db, job, holder, now.toISOString(), until))) return null;
  return run();
}

export function resignLeadership(ctx: Pick<ServiceContext, 'db' | 'clock'>, job: HousekeepingJob, holder: string) {
  return releaseJobLease(ctx.db, job, holder, ctx.clock().toISOString());
}
