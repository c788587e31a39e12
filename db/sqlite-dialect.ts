// Kysely's SQLite dialect with three changes for a busy server: a FIFO connection mutex (Kysely's wakes every
// waiter at once, so under 50 concurrent requests some wait seconds), cached prepared statements (DESIGN §9:
// ≈36 µs → ≈16 µs per query), and `BEGIN IMMEDIATE` for transactions (a second process waits for the write lock
// instead of failing half-way through with SQLITE_BUSY).
import type BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

class FifoMutex {
  private locked = false;
  private readonly waiters: (() => void)[] = [];

  get isLocked(): boolean {
    return this.locked;
  }

  lock(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  unlock(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.locked = false;
  }
}

class CachedConnection implements DatabaseConnection {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly limit = 1000,
  ) {}

  prepare(sql: string): BetterSqlite3.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (this.statements.size >= this.limit) this.statements.delete(this.statements.keys().next().value as string);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = this.prepare(compiled.sql);
    const parameters = compiled.parameters as unknown[];
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(...parameters) as R[] });
    const { changes, lastInsertRowid } = stmt.run(...parameters);
    return Promise.resolve({ numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] });
  }

  // eslint-disable-next-line require-yield -- streaming is not used; Kysely requires the method
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported by this SQLite driver');
  }
}

/** Cached prepared statements by SQL text, for code that runs synchronously on the raw connection. */
export interface SyncSqlite {
  prepare(sql: string): BetterSqlite3.Statement;
}

class FairSqliteDriver implements Driver {
  private readonly mutex = new FifoMutex();
  private readonly connection: CachedConnection;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.connection = new CachedConnection(db);
  }

  /** A read transaction opened by readSync and left open until the end of this event-loop turn. */
  private readOpen = false;

  private endRead(): void {
    this.readOpen = false;
    // SQLite may already have ended it (an I/O error rolls a transaction back): COMMIT would then throw.
    if (this.db.open && this.db.inTransaction) this.connection.prepare('commit').run();
  }

  private readonly endReadAfterTurn = (): void => {
    if (!this.readOpen) return;
    if (this.mutex.isLocked) {
      setImmediate(this.endReadAfterTurn);
      return;
    }
    try {
      this.endRead();
    } catch {
      // Nothing to crash the process for: the connection reports its state to the next statement that uses it.
    }
  };

  /**
   * Runs fn synchronously on the raw connection in a deferred (read) transaction, in turn with Kysely's queries
   * and transactions (same FIFO mutex): no query builder, no promise per statement. fn must only read.
   *
   * The read transaction is shared by every readSync of the same event-loop turn and ends after it (setImmediate):
   * under load one turn answers many verifications (47 per BEGIN under `npm run bench -- verify`), so the BEGIN /
   * COMMIT pair and its WAL read-lock system calls are paid once per turn, not per verification (a gain of a few per
   * cent). Anything else that takes the connection ends it first (acquireConnection), so this process's own writes
   * are always seen by the next read and never join a read transaction; another process's commit is seen from the
   * next turn on.
   */
  async readSync<T>(fn: (sqlite: SyncSqlite) => T): Promise<T> {
    await this.mutex.lock();
    try {
      // When BEGIN fails (another transaction is open on the connection), nothing of ours is open to end.
      if (!this.readOpen) {
        this.connection.prepare('begin deferred').run();
        this.readOpen = true;
        setImmediate(this.endReadAfterTurn);
      }
      try {
        return fn(this.connection);
      } catch (error) {
        this.endRead();
        throw error;
      }
    } finally {
      this.mutex.unlock();
    }
  }

  /**
   * Runs fn synchronously on the raw connection in one `BEGIN IMMEDIATE` transaction, in turn with everything else
   * (same FIFO mutex); rolled back when fn throws. `durable: false` commits without the disk flush of
   * synchronous=FULL (the access-record batches of DESIGN §7). For many rows of one shape: a cached single-row
   * statement run per row costs about half of Kysely's multi-row INSERT (measured: 3.9–15 vs 8.7–24 µs per row).
   */
  async writeSync<T>(fn: (sqlite: SyncSqlite) => T, options: { durable: boolean }): Promise<T> {
    await this.mutex.lock();
    try {
      if (this.readOpen) this.endRead();
      if (!options.durable) this.db.pragma('synchronous = normal');
      try {
        this.connection.prepare('begin immediate').run();
        try {
          const result = fn(this.connection);
          this.connection.prepare('commit').run();
          return result;
        } catch (error) {
          if (this.db.inTransaction) this.connection.prepare('rollback').run();
          throw error;
        }
      } finally {
        if (!options.durable) this.db.pragma('synchronous = full');
      }
    } finally {
      this.mutex.unlock();
    }
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.mutex.lock();
    try {
      if (this.readOpen) this.endRead();
    } catch (error) {
      this.mutex.unlock();
      throw error;
    }
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    this.mutex.unlock();
  }

  async destroy(): Promise<void> {
    try {
      if (this.readOpen) this.endRead();
    } finally {
      this.db.close();
    }
  }
}

export class FairSqliteDialect extends SqliteDialect {
  readonly driver: FairSqliteDriver;

  constructor(db: BetterSqlite3.Database) {
    super({ database: db });
    this.driver = new FairSqliteDriver(db);
  }

  override createDriver(): Driver {
    return this.driver;
  }
}
