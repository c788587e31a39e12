// The PDF worker thread: runs jobs posted by ./pool.ts off the main event loop (fonts are parsed once per thread).
import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { UnreadablePdf } from './inspect.js';
import { runPdfJob, type PdfJob } from './documents.js';

if (!parentPort) throw new Error('render-worker.ts runs as a worker thread');
const port = parentPort;

/**
 * Lowers this thread's CPU priority below the main thread's, so that on a busy machine the scheduler serves the
 * verifications first (Linux nice values are per thread; becoming nicer needs no privilege). Elsewhere, or where
 * /proc is not mounted, the worker simply runs at the process's priority.
 */
function beNicer(by: number): void {
  if (!(by > 0) || process.platform !== 'linux') return;
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isSafeInteger(tid) || tid <= 0) return;
    os.setPriority(tid, Math.min(19, os.getPriority(tid) + by));
  } catch {
    // not permitted or no /proc: stay at the process's priority
  }
}
beNicer(Number((workerData as { niceness?: number } | null)?.niceness ?? 0));

port.on('message', (message: { id: number; job: PdfJob }) => {
  runPdfJob(message.job).then(
    (result) => {
      // Hand the bytes over without a copy when they own their whole buffer (pdf-lib allocates a fresh one).
      const whole =
        result instanceof Uint8Array && result.byteOffset === 0 && result.byteLength === result.buffer.byteLength;
      const transfer = whole ? [result.buffer as ArrayBuffer] : [];
      port.postMessage({ id: message.id, ok: true, result }, transfer);
    },
    (error: unknown) => {
      port.postMessage({
        id: message.id,
        ok: false,
        error: {
          name: error instanceof UnreadablePdf ? 'UnreadablePdf' : 'Error',
          message: error instanceof Error ? error.message : String(error),
          stack: error instanceof Error ? error.stack : undefined,
        },
      });
    },
  );
});

// Modules loaded: the pool starts a job's time box from here.
port.postMessage({ ready: true });
