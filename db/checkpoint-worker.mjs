// Worker thread: checkpoints the SQLite WAL into the database file on its own connection (see checkpointer.ts).
// Plain JavaScript: it needs nothing but better-sqlite3, so no TypeScript loader is registered here.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
db.pragma('wal_autocheckpoint = 0');
db.pragma(`journal_size_limit = ${workerData.journalSizeLimit}`);

function checkpoint() {
  try {
    // PASSIVE: copies what it can without waiting for, or blocking, any reader or writer.
    let [row] = db.pragma('wal_checkpoint(PASSIVE)');
    let truncated = false;
    // Under steady writes a PASSIVE checkpoint never catches up: new frames arrive while it copies, so no writer
    // ever finds the WAL fully copied and starts it over, and the file grows without end (measured: 112.8 MB of WAL
    // for a 17.4 MB database). Past the cap, TRUNCATE waits for the writer in progress, copies the rest and empties
    // the file; writers wait for it meanwhile (a brief pause, once per cap's worth of writes).
    if (row.log > workerData.capPages) {
      [row] = db.pragma('wal_checkpoint(TRUNCATE)');
      truncated = row.busy === 0;
    }
    parentPort.postMessage({ ok: true, walPages: row.log, checkpointed: row.checkpointed, truncated });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String(error) });
  }
}

const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
