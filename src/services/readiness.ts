// Use case: the readiness probe (GET /readyz). Ready means the database answers, every migration this code knows has
// run, a write commits and the start-up corruption checks found nothing; a load balancer stops sending traffic to an
// instance that is not ready.
import { sql } from 'kysely';
import { migrationsCurrent, writeTransaction } from '../../db/connection.js';
import { probeWrite } from '../repositories/meta.js';
import type { ServiceContext } from './context.js';
import { databaseFault } from './db-errors.js';

export interface Readiness {
  ready: boolean;
  checks: {
    database: 'ok' | 'unreachable';
    migrations: 'current' | 'pending' | 'unknown';
    /** A full disk, a read-only standby after a failover: reads work, every publication fails. */
    writes: 'ok' | 'failing' | 'unknown';
    /** Decided once at start (services/startup-integrity.ts): a restart after the repair clears it. */
    integrity: 'ok' | 'corrupt';
  };
}

const TIMEOUT_MS = 2000;

/** Never throws: a failing check is part of the answer; the cause of a failing write is logged. */
export async function readiness(ctx: ServiceContext): Promise<Readiness> {
  const checks: Readiness['checks'] = {
    database: 'unreachable',
    migrations: 'unknown',
    writes: 'unknown',
    integrity: (ctx.startupFindings?.length ?? 0) === 0 ? 'ok' : 'corrupt',
  };
  try {
    await withTimeout(sql`select 1`.execute(ctx.db));
    checks.database = 'ok';
    checks.migrations = (await withTimeout(migrationsCurrent(ctx.db))) ? 'current' : 'pending';
    // Not durable: the probe leaves nothing behind, so it need not wait for a disk flush.
    checks.writes = 'failing';
    await withTimeout(writeTransaction(ctx.db, probeWrite, { durable: false }));
    checks.writes = 'ok';
  } catch (error) {
    if (checks.writes === 'failing') {
      const fault = databaseFault(error);
      ctx.logger.warn(
        { err: error, ...(fault ? { fault: fault.kind, cause: fault.cause } : {}) },
        `not ready: writes fail${fault ? ` (${fault.kind.replace('_', ' ')}: ${fault.cause})` : ''}`,
      );
    }
  }
  const ready =
    checks.database === 'ok' && checks.migrations === 'current' && checks.writes === 'ok' && checks.integrity === 'ok';
  return { ready, checks };
}

// A database that hangs (a dead PostgreSQL host) must make the probe fail, not wait for the TCP timeout.
function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
