// The one classification of database faults (DESIGN §5: 503 unavailable, the cause named in the log): the codes of
// both drivers and of Node's sockets and file system, the messages node-postgres gives a lost connection, and causes.
import { describe, expect, it } from 'vitest';
import { databaseFault, isWriteFault } from '../../src/services/db-errors.js';

const err = (code: string | undefined, message = 'x') => Object.assign(new Error(message), code ? { code } : {});

describe('databaseFault', () => {
  it.each([
    ['SQLITE_FULL', 'disk_full'],
    ['SQLITE_IOERR_NOSPC', 'disk_full'],
    ['SQLITE_IOERR_WRITE', 'io_error'],
    ['SQLITE_READONLY', 'read_only'],
    ['SQLITE_BUSY', 'busy'],
    ['ENOSPC', 'disk_full'],
    ['EROFS', 'read_only'],
    ['53100', 'disk_full'],
    ['58030', 'io_error'],
    ['25006', 'read_only'],
    ['57P01', 'unreachable'],
    ['57P03', 'unreachable'],
    ['08006', 'unreachable'],
    ['ECONNREFUSED', 'unreachable'],
    ['ECONNRESET', 'unreachable'],
  ])('names %s as %s', (code, kind) => {
    expect(databaseFault(err(code))).toEqual({ kind, cause: code });
  });

  it('recognises a connection node-postgres lost (message only, no code)', () => {
    expect(databaseFault(err(undefined, 'Connection terminated unexpectedly'))?.kind).toBe('unreachable');
    expect(databaseFault(err(undefined, 'timeout exceeded when trying to connect'))?.kind).toBe('unreachable');
  });

  it('follows the cause chain', () => {
    expect(databaseFault(new Error('wrapped', { cause: err('ENOSPC') }))).toEqual({
      kind: 'disk_full',
      cause: 'ENOSPC',
    });
  });

  it('leaves every other error alone: constraint violations, bugs, corrupt files', () => {
    for (const e of [err('23505'), err('SQLITE_CONSTRAINT_UNIQUE'), err('SQLITE_CORRUPT'), new TypeError('x'), null]) {
      expect(databaseFault(e)).toBeNull();
    }
  });

  it('tells faults where reads still work (a wrong key can be answered) from an unreachable database', () => {
    expect(isWriteFault(databaseFault(err('SQLITE_FULL')))).toBe(true);
    expect(isWriteFault(databaseFault(err('25006')))).toBe(true);
    expect(isWriteFault(databaseFault(err('ECONNREFUSED')))).toBe(false);
    expect(isWriteFault(null)).toBe(false);
  });
});
