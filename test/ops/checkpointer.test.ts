// The WAL checkpointer: automatic checkpoints off on the server's connection, the WAL copied into the database
// file by the worker thread, and automatic checkpoints back on once it stops.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../db/checkpointer.js';
import { openSqlite } from '../../db/connection.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('WAL checkpointer (SQLite)', () => {
  const setup = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-ckpt-'));
    dirs.push(dir);
    const file = path.join(dir, 'db.sqlite');
    const raw = openSqlite(file);
    raw.exec('create table t (id integer primary key, body text)');
    const insert = raw.prepare('insert into t (body) values (?)');
    // ≈3,000 pages of WAL: past the 1000-page threshold at which a commit would checkpoint by itself.
    const fill = () => {
      for (let i = 0; i < 3000; i++) insert.run('x'.repeat(3000));
    };
    const sizes = () => ({ db: fs.statSync(file).size, wal: fs.statSync(`${file}-wal`).size });
    return { raw, fill, sizes };
  };

  it('turns automatic checkpoints off on the main connection and checkpoints on its worker at stop', async () => {
    const { raw, fill, sizes } = setup();
    const errors: string[] = [];
    const checkpointer = startCheckpointer(raw, { intervalMs: 60_000, onError: (m) => errors.push(m) });
    expect(checkpointer).not.toBeNull();
    expect(raw.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    fill();
    // Nothing copied by the commits themselves: the rows are all still in the WAL.
    expect(sizes().wal).toBeGreaterThan(4096 * 2500);
    expect(sizes().db).toBeLessThan(1024 * 1024);

    await checkpointer?.stop();
    expect(sizes().db).toBeGreaterThan(3000 * 3000);
    expect(raw.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(errors).toEqual([]);
    expect((raw.prepare('select count(*) n from t').get() as { n: number }).n).toBe(3000);
    raw.close();
  });

  it('checkpoints periodically while the server runs', async () => {
    const { raw, fill, sizes } = setup();
    // A cap far above this WAL: each commit here writes two or three frames (≈8,000 in all), so with the default 16 MiB
    // cap a tick that came late on a busy machine ran TRUNCATE and reported an empty WAL, and the test failed in CI.
    const checkpointer = startCheckpointer(raw, { intervalMs: 50, capBytes: 1024 * 1024 * 1024 });
    fill();
    await expect.poll(() => sizes().db, { timeout: 10_000 }).toBeGreaterThan(3000 * 3000);
    await expect.poll(() => checkpointer?.walPages(), { timeout: 10_000 }).toBeGreaterThan(0);
    await checkpointer?.stop();
    raw.close();
  });

  it('keeps the WAL under its cap while writes never stop (a PASSIVE checkpoint alone never catches up)', async () => {
    const { raw, sizes } = setup();
    raw.pragma('synchronous = NORMAL');
    const capBytes = 1024 * 1024;
    const checkpointer = startCheckpointer(raw, { intervalMs: 20, capBytes });
    const insert = raw.prepare('insert into t (body) values (?)');
    // Steady small commits with a turn of the event loop in between, as a serving process writes: ≈24 MB of WAL.
    for (let i = 0; i < 6000; i++) {
      insert.run('x'.repeat(3000));
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    // Cut back at least once: the cap and the writes of the moment, where without the cap it holds all ≈24 MB.
    expect(sizes().wal).toBeLessThan(8 * capBytes);
    expect(checkpointer!.truncations()).toBeGreaterThan(0);
    await checkpointer?.stop();
    expect((raw.prepare('select count(*) n from t').get() as { n: number }).n).toBe(6000);
    raw.close();
  });

  it('is not started for an in-memory database', () => {
    const raw = openSqlite(':memory:');
    expect(startCheckpointer(raw)).toBeNull();
    expect(raw.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    raw.close();
  });
});
