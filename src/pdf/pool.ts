// Renders PDFs off the main event loop: one worker thread (started on first use, restarted after a crash) so that a
// document being drawn never delays a verification request (see `npm run bench -- pdf` for the measurement). A
// process-wide singleton on purpose, like the font cache it feeds: fonts are parsed once per thread.
import { Worker } from 'node:worker_threads';
import { runPdfJob, type PdfJob, type PdfJobResult } from './documents.js';
import { UnreadablePdf } from './inspect.js';

export interface PdfRunner {
  run<J extends PdfJob>(job: J): Promise<PdfJobResult<J>>;
  close(): Promise<void>;
}

/** Thrown when more jobs wait than MAX_PENDING: the caller answers 429 rather than queueing without bound. */
export class PdfBusy extends Error {
  override name = 'PdfBusy';
}

const MAX_PENDING = 32;
const JOB_TIMEOUT_MS = 30_000;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

type Reply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

/** Runs jobs in this thread: for the CLI, for tests that need no isolation, and as the bench's baseline. */
export const inlineRunner: PdfRunner = {
  run: (job) => runPdfJob(job) as never,
  close: async () => undefined,
};

export function workerRunner(): PdfRunner {
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  const failAll = (error: Error) => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    pending.clear();
  };

  const start = (): Worker => {
    const w = new Worker(new URL('./render-worker.mjs', import.meta.url), {});
    w.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      clearTimeout(p.timer);
      if (pending.size === 0) w.unref();
      if (reply.ok) p.resolve(reply.result);
      else {
        const error =
          reply.error.name === 'UnreadablePdf'
            ? new UnreadablePdf(reply.error.message)
            : new Error(reply.error.message);
        if (reply.error.stack && !(error instanceof UnreadablePdf)) error.stack = reply.error.stack;
        p.reject(error);
      }
    });
    w.on('error', (error) => {
      if (worker === w) worker = null;
      failAll(error);
    });
    w.on('exit', (code) => {
      if (worker === w) worker = null;
      failAll(new Error(`the PDF worker stopped (exit code ${code})`));
    });
    return w;
  };

  return {
    run<J extends PdfJob>(job: J): Promise<PdfJobResult<J>> {
      if (pending.size >= MAX_PENDING) return Promise.reject(new PdfBusy('too many PDF jobs waiting'));
      worker ??= start();
      const w = worker;
      const id = nextId++;
      return new Promise<PdfJobResult<J>>((resolve, reject) => {
        const timer = setTimeout(() => {
          // A job that hangs takes its worker with it; the next job starts a fresh one.
          if (worker === w) worker = null;
          void w.terminate();
          reject(new Error(`PDF job ${job.kind} took longer than ${JOB_TIMEOUT_MS} ms`));
        }, JOB_TIMEOUT_MS);
        timer.unref();
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
        w.ref();
        w.postMessage({ id, job });
      });
    },
    async close() {
      const w = worker;
      worker = null;
      if (w) await w.terminate();
    },
  };
}

let shared: PdfRunner | null = null;

/** The process's PDF runner (a worker thread). */
export function pdfRunner(): PdfRunner {
  shared ??= workerRunner();
  return shared;
}

/** Replaces the process's runner: `npm run bench -- pdf` compares the worker with drawing on the main thread. */
export function usePdfRunner(runner: PdfRunner): void {
  shared = runner;
}
