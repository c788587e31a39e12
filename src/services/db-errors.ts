// Recognises database errors from either driver: unique-constraint violations, and the faults of the database itself
// (unreachable, disk full, read-only, I/O) that DESIGN §5 answers with 503 `unavailable` + Retry-After.

export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/**
 * What is wrong with the database, for the log (the answer never names it): `unreachable` (connection refused, lost,
 * terminated by an administrator, a restart or failover in progress), `disk_full`, `read_only` (a standby after a
 * failover, a file system remounted read-only), `io_error`, `busy` (a lock held beyond busy_timeout).
 */
export type DatabaseFaultKind = 'unreachable' | 'disk_full' | 'read_only' | 'io_error' | 'busy';

export interface DatabaseFault {
  kind: DatabaseFaultKind;
  /** The driver's code (SQLITE_FULL, ENOSPC, 53100, ECONNREFUSED …) or message: names the cause in the log. */
  cause: string;
}

/** Seconds a client is asked to wait before retrying while the database is unavailable. */
export const UNAVAILABLE_RETRY_AFTER = 5;

// PostgreSQL SQLSTATEs (Appendix A of its manual) by what they mean for us.
const PG_CODES: Readonly<Record<string, DatabaseFaultKind>> = {
  '53100': 'disk_full',
  '58030': 'io_error',
  '25006': 'read_only', // read_only_sql_transaction: connected to a standby
  '57P01': 'unreachable', // admin_shutdown (also pg_terminate_backend)
  '57P02': 'unreachable', // crash_shutdown
  '57P03': 'unreachable', // cannot_connect_now (starting up, in recovery)
  '53300': 'unreachable', // too_many_connections
};
const NODE_CODES: Readonly<Record<string, DatabaseFaultKind>> = {
  ENOSPC: 'disk_full',
  EDQUOT: 'disk_full',
  EROFS: 'read_only',
  EIO: 'io_error',
  ECONNREFUSED: 'unreachable',
  ECONNRESET: 'unreachable',
  ETIMEDOUT: 'unreachable',
  EPIPE: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
};
// node-postgres reports a lost connection by message only (no code).
const PG_MESSAGES = [
  /^Connection terminated/,
  /not queryable/,
  /^timeout exceeded when trying to connect/,
  /^Connection terminated due to connection timeout/,
];

/** The database fault behind an error (its `cause` chain included), or null for any other error. */
export function databaseFault(error: unknown): DatabaseFault | null {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const fault = faultOf(e as { code?: unknown; message?: unknown });
    if (fault) return fault;
  }
  return null;
}

function faultOf(e: { code?: unknown; message?: unknown }): DatabaseFault | null {
  const code = typeof e.code === 'string' ? e.code : '';
  if (code.startsWith('SQLITE_')) {
    if (code === 'SQLITE_FULL') return { kind: 'disk_full', cause: code };
    if (code.startsWith('SQLITE_IOERR'))
      return { kind: code === 'SQLITE_IOERR_NOSPC' ? 'disk_full' : 'io_error', cause: code };
    if (code.startsWith('SQLITE_READONLY')) return { kind: 'read_only', cause: code };
    if (code.startsWith('SQLITE_BUSY')) return { kind: 'busy', cause: code };
    if (code.startsWith('SQLITE_CANTOPEN')) return { kind: 'io_error', cause: code };
    return null;
  }
  const kind = PG_CODES[code] ?? NODE_CODES[code] ?? (code.startsWith('08') ? 'unreachable' : undefined);
  if (kind) return { kind, cause: code };
  const message = typeof e.message === 'string' ? e.message : '';
  if (!code && PG_MESSAGES.some((re) => re.test(message))) return { kind: 'unreachable', cause: message };
  return null;
}

/** True for the faults where reads may still work but writes do not (a wrong key can still be answered). */
export function isWriteFault(fault: DatabaseFault | null): fault is DatabaseFault {
  return fault !== null && fault.kind !== 'unreachable';
}
