// Opens the database: SQLite (WAL, synchronous=FULL, cached statements) by default, PostgreSQL with DATABASE_URL.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresAdapter, PostgresDialect, sql } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import pg from 'pg';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';
import { FairSqliteDialect } from './sqlite-dialect.js';

export type DialectName = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: DialectName;
  /** The SQLite file, for online backups; null on PostgreSQL. */
  sqlite: SQLite.Database | null;
  close(): Promise<void>;
}

export interface ConnectOptions {
  databaseUrl?: string | undefined;
  /** SQLite file path, or ':memory:'. */
  sqliteFile?: string;
  /** PostgreSQL schema to use (tests isolate themselves this way). */
  pgSchema?: string;
  poolSize?: number;
  /** PostgreSQL application_name (pg_stat_activity): tells operators, and tests, which connections are ours. */
  applicationName?: string;
  /**
   * A PostgreSQL connection lost outside a query (a restart, failover, pg_terminate_backend, a proxy's idle timeout).
   * The pool drops that connection and opens a new one on the next query; this only reports it.
   */
  onConnectionError?: (error: Error) => void;
}

/**
 * Bytes a WAL file is cut back to when it starts over: without a limit it keeps the size of its largest burst
 * forever, disk space a full disk then lacks. See checkpointer.ts for the cap on its growth.
 */
export const JOURNAL_SIZE_LIMIT = 16 * 1024 * 1024;

export function openSqlite(file: string): SQLite.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const raw = new SQLite(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 10000');
  raw.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
  // Millions of versions make a multi-GB file: a 64 MiB page cache and memory-mapped reads keep index lookups off
  // read() system calls (the default 2 MiB cache made every verification hit the kernel).
  raw.pragma('cache_size = -65536');
  raw.pragma('mmap_size = 1073741824');
  if (file !== ':memory:') fs.chmodSync(file, 0o600);
  return raw;
}

export function connect(options: ConnectOptions): DatabaseHandle {
  if (options.databaseUrl) {
    const types = {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        // bigint (20) carries amounts, counts and ids; every value we store fits in a double.
        oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
    };
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      application_name: options.applicationName ?? 'esurety',
      // A database that does not answer (a dead host, a failover in progress) fails a request in seconds instead
      // of holding it until the TCP timeout; the answer is 503 unavailable (DESIGN §5).
      connectionTimeoutMillis: 5000,
      types: types as pg.CustomTypesConfig,
      ...(options.pgSchema ? { options: `-c search_path=${options.pgSchema}` } : {}),
    });
    // An 'error' event without a listener throws from the socket's callback and ends the process: without these two,
    // one PostgreSQL restart ended every instance at once. The pool emits errors of its idle clients; a client that
    // is checked out emits its own (the query in flight fails with it, and the pool discards the client).
    const report = options.onConnectionError ?? (() => undefined);
    pool.on('error', report);
    pool.on('connect', (client) => client.on('error', report));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', sqlite: null, close: () => db.destroy() };
  }
  const raw = openSqlite(options.sqliteFile ?? ':memory:');
  const db = new Kysely<Database>({ dialect: new FairSqliteDialect(raw) });
  return { db, dialect: 'sqlite', sqlite: raw, close: () => db.destroy() };
}

export function isPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Kysely looks for its migration tables in every PostgreSQL schema unless told which one: with a second schema
 * migrated in the same database (tests, a staging copy) it then skips creating them in ours and fails. Name ours.
 */
async function migratorFor(db: Kysely<Database>): Promise<Migrator> {
  // Unordered: migrations are written in parallel with pre-assigned timestamps, so one may land after a later one
  // has already run on a database; each migration touches its own tables, so their order does not matter.
  const provider = { getMigrations: async (): Promise<Record<string, Migration>> => migrations };
  const common = { db, provider, allowUnorderedMigrations: true };
  if (!isPostgres(db)) return new Migrator(common);
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  return new Migrator({ ...common, ...(schema ? { migrationTableSchema: schema } : {}) });
}

/** Brings the schema to the latest migration; safe when several instances start together (Kysely locks). */
const CATALOG_RACE = new Set(['3F000', '42P01', '42703']);

export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    const migrator = await migratorFor(db);
    const { error, results } = isPostgres(db) ? await migrator.migrateToLatest() : await exclusively(db, migrator);
    // Kysely scans the catalog of every schema; a schema or table dropped meanwhile by someone else fails the scan
    // only: 3F000 (schema gone), or 42P01 / 42703 (a relation or column the catalog listed a moment ago). A failure in
    // a migration itself is rolled back (PostgreSQL DDL is transactional) and fails again on the retry.
    if (error && CATALOG_RACE.has(String((error as { code?: string }).code)) && attempt < 5) {
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      continue;
    }
    if (error) throw error instanceof Error ? error : new Error(String(error));
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }
}

/**
 * Kysely takes no lock on SQLite (it assumes one process), so a CLI and a server starting on the same file could both
 * create the same tables. Holding the write lock (`BEGIN IMMEDIATE` on the connection; Kysely issues no transaction
 * of its own on SQLite) makes the second wait and then find everything migrated — and a failed migration leaves
 * nothing half-applied, since SQLite DDL is transactional.
 */
async function exclusively(db: Kysely<Database>, migrator: Migrator) {
  await sql`begin immediate`.execute(db);
  let outcome: Awaited<ReturnType<Migrator['migrateToLatest']>> | undefined;
  try {
    outcome = await migrator.migrateToLatest();
  } finally {
    await sql.raw(outcome && !outcome.error ? 'commit' : 'rollback').execute(db);
  }
  return outcome;
}

/** True when every known migration has run (for readiness checks and start-up). */
export async function migrationsCurrent(db: Kysely<Database>): Promise<boolean> {
  const all = await (await migratorFor(db)).getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}

export interface WriteOptions {
  /**
   * false for records whose loss on a power failure is acceptable (access records, throttle counters): the commit
   * then does not wait for the disk (SQLite `synchronous=NORMAL` for this transaction — the WAL still survives a
   * process crash, and the next durable commit flushes it; PostgreSQL `synchronous_commit = off`). Publications,
   * keys and staff actions always use the default.
   */
  durable?: boolean;
}

/**
 * Runs fn in a write transaction: `BEGIN IMMEDIATE` on SQLite (see sqlite-dialect.ts), an ordinary transaction on
 * PostgreSQL. Everything fn writes commits or nothing does.
 */
export async function writeTransaction<T>(
  db: Kysely<Database>,
  fn: (tx: Kysely<Database>) => Promise<T>,
  options: WriteOptions = {},
): Promise<T> {
  if (options.durable !== false) return db.transaction().execute(fn);
  if (isPostgres(db)) {
    return db.transaction().execute(async (tx) => {
      await sql`set local synchronous_commit = off`.execute(tx);
      return fn(tx);
    });
  }
  // An fsync on SQLite blocks the whole event loop (better-sqlite3 is synchronous): measured at ≈19% of a loaded
  // server's CPU profile when access records were flushed durably every 100 ms.
  return db.connection().execute(async (conn) => {
    await sql`pragma synchronous = normal`.execute(conn);
    try {
      return await conn.transaction().execute(fn);
    } finally {
      await sql`pragma synchronous = full`.execute(conn);
    }
  });
}
