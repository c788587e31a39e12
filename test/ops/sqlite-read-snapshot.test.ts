// The SQLite read path of verifications (db/sqlite-dialect.ts readSync): reads of one event-loop turn share one read
// transaction, which ends after the turn; this process's writes end it first, so they are never missed or held in it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, sqliteReader, type DatabaseHandle } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('SQLite read snapshot per event-loop turn', () => {
  const setup = async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-read-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'db.sqlite');
    const handle: DatabaseHandle = connect({ sqliteFile: file });
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await handle.close();
    });
    // Untyped table for this test only.
    const db = handle.db as unknown as Kysely<Database>;
    await sql`create table t (id integer primary key, body text not null)`.execute(db);
    const read = sqliteReader(db)!;
    const count = () => read((s) => (s.prepare('select count(*) as n from t').get() as { n: number }).n);
    const insert = (body: string) => sql`insert into t (body) values (${body})`.execute(db);
    return {
      file,
      raw: handle.sqlite!,
      count,
      insert,
      read,
      close: async () => {
        closed = true;
        await handle.close();
      },
    };
  };

  it("sees this process's own write at the very next read, within the same turn", async () => {
    const { raw, count, insert } = await setup();
    expect(await count()).toBe(0);
    expect(raw.inTransaction).toBe(true); // the read transaction stays open for the rest of the turn …
    await insert('a');
    // … but the write ended it first: committed for good, not held inside a read transaction.
    expect(raw.inTransaction).toBe(false);
    expect(await count()).toBe(1);
    await nextTurn();
    expect(raw.inTransaction).toBe(false);
  });

  it("shares one snapshot within a turn and sees another connection's commit from the next turn on", async () => {
    const { file, raw, count } = await setup();
    const other = new SQLite(file);
    cleanups.push(() => {
      other.close();
    });
    expect(await count()).toBe(0);
    // Another process commits while this turn's read transaction is open (WAL lets it).
    other.prepare("insert into t (body) values ('from elsewhere')").run();
    expect(await count()).toBe(0);
    await nextTurn();
    expect(raw.inTransaction).toBe(false);
    expect(await count()).toBe(1);
  });

  it('never commits a transaction that is not its own (a read while another one is open fails, that one stays)', async () => {
    const { raw, read, count } = await setup();
    raw.exec('begin immediate');
    raw.exec("insert into t (body) values ('half-done')");
    await expect(read((s) => s.prepare('select count(*) as n from t').get())).rejects.toThrow(/within a transaction/);
    expect(raw.inTransaction).toBe(true);
    raw.exec('rollback');
    expect(await count()).toBe(0);
  });

  it('ends the read transaction when a read throws, and closes cleanly with one open', async () => {
    const { raw, read, count, close } = await setup();
    await expect(read((s) => s.prepare('select * from missing_table').all())).rejects.toThrow(/no such table/);
    expect(raw.inTransaction).toBe(false);
    expect(await count()).toBe(0);
    expect(raw.inTransaction).toBe(true);
    await close();
    // The end-of-turn callback finds the connection closed and does nothing (no uncaught error).
    await nextTurn();
    await nextTurn();
    expect(raw.open).toBe(false);
  });
});
