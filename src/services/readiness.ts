// Use case: the readiness probe (GET /readyz). Ready means the database answers, every migration this code knows
// has run and the start-up corruption checks found nothing; a load balancer stops sending traffic to an instance
// that is not ready.
import { sql } from 'kysely';
import { migrationsCurrent } from '../../db/connection.js';
import type { ServiceContext } from './context.js';

export interface Readiness {
  ready: boolean;
  checks: {
    database: 'ok' | 'unreachable';
    migrations: 'current' | 'pending' | 'unknown';
    /** Decided once at start (services/startup-integrity.ts): a restart after the repair clears it. */
    integrity: 'ok' | 'corrupt';
  };
}

const TIMEOUT_MS = 2000;

/** Never throws: a failing check is part of the answer. */
export async function readiness(ctx: ServiceContext): Promise<Readiness> {
  const checks: Readiness['checks'] = {
    database: 'unreachable',
    migrations: 'unknown',
    integrity: (ctx.startupFindings?.length ?? 0) === 0 ? 'ok' : 'corrupt',
  };
  try {
    await withTimeout(sql`select 1`.execute(ctx.db));
    checks.database = 'ok';
    checks.migrations = (await withTimeout(migrationsCurrent(ctx.db))) ? 'current' : 'pending';
  } catch {
    // reported through the checks
  }
  return {
    ready: checks.database === 'ok' && checks.migrations === 'current' && checks.integrity === 'ok',
    checks,
  };
}

// A database that hangs (a dead PostgreSQL host) must make the probe fail, not wait for the TCP timeout.
function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
