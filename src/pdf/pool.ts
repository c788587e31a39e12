// Renders PDFs off the main event loop: one worker thread (started on first use, restarted after a crash) so that a
// document being drawn never delays a verification request (see `npm run bench -- pdf` and `-- load`). A
// process-wide singleton on purpose, like the font cache it feeds: fonts are parsed once per thread.
//
// Drawing is the platform's only optional heavy work, so it is the first to give way: the queue is short and held
// here (a job that waited too long is dropped before it starts), new jobs are refused while the main event loop is
// late, and the worker thread runs at a lower OS priority than the thread that answers verifications. Measured on a
// 2-core machine shared with other work: the main thread's cost of a certificate download is that of a page view
// (≈ 2 ms); the ≈ 15 ms of drawing ran in the worker at the same priority as the main thread, which a loaded machine
// could not afford: the main thread then spent up to 71% of a load run runnable but waiting for a CPU, and every
// request stalled for seconds (README, "Documents").
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { runPdfJob, type PdfJob, type PdfJobResult } from './documents.js';
import { UnreadablePdf } from './inspect.js';

export interface PdfRunner {
  run<J extends PdfJob>(job: J): Promise<PdfJobResult<J>>;
  close(): Promise<void>;
  /** For the metrics: jobs held now and refusals so far (a pool that refuses nothing has none). */
  stats?(): PdfRunnerStats;
}

export interface PdfRunnerStats {
  held: number;
  refused: { full: number; waited: number; late: number };
}

/** A job that ran past its time box, or whose worker died under it (e.g. past its heap limit). */
export class PdfJobAborted extends Error {
  override name = 'PdfJobAborted';
}

/** Thrown instead of queueing when the pool is saturated or the server is behind; the caller answers 429 throttled. */
export class PdfBusy extends Error {
  override name = 'PdfBusy';

  constructor(
    message: string,
    /** Seconds after which a retry is likely to be served (the Retry-After header). */
    readonly retryAfter: number,
  ) {
    super(message);
  }
}

export interface WorkerRunnerOptions {
  /** Jobs held at once, the one being drawn included; one more is refused rather than queued (default 8). */
  maxJobs?: number;
  /**
   * A job that has waited this long without starting is dropped (default 10 s): its requester has most likely given
   * up, and drawing it would only take CPU from requests that are still waiting.
   */
  maxWaitMs?: number;
  /**
   * New jobs are refused while the main event loop runs later than this (the worst of the last half second, or a
   * check that is overdue by as much now). 0 turns the check off (the default: tests and the CLI block the loop on purpose;
   * src/server.ts turns it on).
   */
  maxLoopDelayMs?: number;
  /** How much nicer than the process the worker thread runs (Linux `nice` of the thread, default 10; 0 = same). */
  niceness?: number;
  /** A job drawing longer than this takes its worker with it (default 30 s). */
  jobTimeoutMs?: number;
  /** The worker's V8 heap limit in MB; a job that needs more ends its worker (default 0 = Node's own limit). */
  maxHeapMb?: number;
}

const DEFAULTS: Required<WorkerRunnerOptions> = {
  maxJobs: 8,
  maxWaitMs: 10_000,
  maxLoopDelayMs: 0,
  niceness: 10,
  jobTimeoutMs: 30_000,
  maxHeapMb: 0,
};

interface Queued {
  job: PdfJob;
  enqueuedAt: number;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

type Reply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

/** Runs jobs in this thread: for the CLI, for tests that need no isolation, and as the bench's baseline. */
export const inlineRunner: PdfRunner = {
  run: (job) => runPdfJob(job) as never,
  close: async () => undefined,
};

const BUSY_MESSAGE = 'PDF jobs are refused for now';

/** @throws RangeError when an option is not a non-negative number (checked once, here) */
export function workerRunner(options: WorkerRunnerOptions = {}): PdfRunner {
  const o = { ...DEFAULTS, ...options };
  for (const [name, value] of Object.entries(o)) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`workerRunner: ${name} must be ≥ 0 (got ${value})`);
  }
  if (o.maxJobs < 1) throw new RangeError('workerRunner: maxJobs must be at least 1');
  const lag = o.maxLoopDelayMs > 0 ? loopDelayGauge() : null;

  let worker: Worker | null = null;
  let nextId = 1;
  const waiting: Queued[] = [];
  type Drawing = Queued & { id: number; timer: NodeJS.Timeout | null; startedAt: number; worker: Worker };
  let drawing: Drawing | null = null;
  // Workers that have loaded their modules: a job's time box starts then, so a slow start (a loaded machine,
  // tsx in development) is not taken for a hostile file.
  const booted = new WeakSet<Worker>();

  const armTimeBox = (job: Drawing) => {
    job.startedAt = performance.now();
    job.timer = setTimeout(() => {
      // A job that hangs takes its worker with it; the next job starts a fresh one.
      if (worker === job.worker) worker = null;
      void job.worker.terminate();
      finish(new PdfJobAborted(`PDF job ${job.job.kind} took longer than ${o.jobTimeoutMs} ms`));
      pump();
    }, o.jobTimeoutMs);
    job.timer.unref();
  };
  // Recent drawing time (ms), for an honest Retry-After: a full queue drains in about maxJobs × this.
  let averageMs = 50;
  const refused = { full: 0, waited: 0, late: 0 };

  const retryAfter = (jobsAhead: number) => Math.min(60, Math.max(1, Math.ceil((jobsAhead * averageMs) / 1000)));

  const finish = (error: Error | null, result?: unknown) => {
    const job = drawing;
    if (!job) return;
    drawing = null;
    if (job.timer) clearTimeout(job.timer);
    averageMs = 0.8 * averageMs + 0.2 * (performance.now() - job.startedAt);
    if (error) job.reject(error);
    else job.resolve(result);
  };

  const start = (): Worker => {
    const w = new Worker(new URL('./render-worker.mjs', import.meta.url), {
      workerData: { niceness: o.niceness },
      ...(o.maxHeapMb > 0 ? { resourceLimits: { maxOldGenerationSizeMb: o.maxHeapMb } } : {}),
    });
    w.on('message', (reply: Reply | { ready: true }) => {
      if ('ready' in reply) {
        booted.add(w);
        if (drawing?.worker === w && !drawing.timer) armTimeBox(drawing);
        return;
      }
      if (!drawing || drawing.id !== reply.id) return;
      if (reply.ok) finish(null, reply.result);
      else {
        const error =
          reply.error.name === 'UnreadablePdf'
            ? new UnreadablePdf(reply.error.message)
            : new Error(reply.error.message);
        if (reply.error.stack && !(error instanceof UnreadablePdf)) error.stack = reply.error.stack;
        finish(error);
      }
      pump();
    });
    const lost = (error: Error) => {
      if (worker !== w) return;
      worker = null;
      finish(error);
      pump();
    };
    w.on('error', (error) => lost(new PdfJobAborted(error.message, { cause: error })));
    w.on('exit', (code) => lost(new PdfJobAborted(`the PDF worker stopped (exit code ${code})`)));
    return w;
  };

  /** Hands the next live job to the worker; jobs that waited past maxWaitMs are refused on the way. */
  function pump(): void {
    if (drawing) return;
    for (let next = waiting.shift(); next; next = waiting.shift()) {
      if (performance.now() - next.enqueuedAt > o.maxWaitMs) {
        refused.waited++;
        next.reject(new PdfBusy(`${BUSY_MESSAGE}: waited longer than ${o.maxWaitMs} ms`, retryAfter(o.maxJobs)));
        continue;
      }
      worker ??= start();
      const w = worker;
      const id = nextId++;
      drawing = { ...next, id, timer: null, startedAt: performance.now(), worker: w };
      if (booted.has(w)) armTimeBox(drawing);
      w.ref();
      w.postMessage({ id, job: next.job });
      return;
    }
    // Idle: the worker must not keep a CLI or a test process alive.
    worker?.unref();
  }

  return {
    run<J extends PdfJob>(job: J): Promise<PdfJobResult<J>> {
      const held = waiting.length + (drawing ? 1 : 0);
      if (held >= o.maxJobs) {
        refused.full++;
        return Promise.reject(new PdfBusy(`${BUSY_MESSAGE}: ${held} jobs already held`, retryAfter(held)));
      }
      const late = lag?.current() ?? 0;
      if (lag && late > o.maxLoopDelayMs) {
        // Give the event loop a few seconds to catch up before the next document is drawn.
        refused.late++;
        return Promise.reject(
          new PdfBusy(`${BUSY_MESSAGE}: the event loop is ${Math.round(late)} ms late`, Math.max(5, retryAfter(held))),
        );
      }
      return new Promise<PdfJobResult<J>>((resolve, reject) => {
        waiting.push({ job, enqueuedAt: performance.now(), resolve: resolve as (value: unknown) => void, reject });
        pump();
      });
    },
    stats: () => ({ held: waiting.length + (drawing ? 1 : 0), refused: { ...refused } }),
    async close() {
      lag?.stop();
      for (const queued of waiting.splice(0)) queued.reject(new Error('the PDF runner was closed'));
      const w = worker;
      worker = null;
      finish(new Error('the PDF runner was closed'));
      if (w) await w.terminate();
    },
  };
}

/**
 * How late the main event loop runs (ms): the worst delay Node's own monitor (perf_hooks.monitorEventLoopDelay)
 * saw over the last half second or so, or how overdue a 100 ms timer is right now — a loop that is starved or
 * blocked reports itself as soon as it runs anything, before the monitor has sampled the stall.
 */
function loopDelayGauge(tickMs = 100, ticksPerWindow = 5): { current(): number; stop(): void } {
  const monitor = monitorEventLoopDelay({ resolution: 10 });
  monitor.enable();
  let previousMax = 0;
  let ticks = 0;
  let due = performance.now() + tickMs;
  const timer = setInterval(() => {
    due = performance.now() + tickMs;
    if (++ticks % ticksPerWindow !== 0) return;
    previousMax = monitor.max / 1e6;
    monitor.reset();
  }, tickMs);
  timer.unref();
  return {
    current: () => Math.max(previousMax, monitor.max / 1e6, performance.now() - due),
    stop: () => {
      clearInterval(timer);
      monitor.disable();
    },
  };
}

let shared: PdfRunner | null = null;
let uploads: PdfRunner | null = null;

/** The process's PDF runner (a worker thread). */
export function pdfRunner(): PdfRunner {
  shared ??= workerRunner();
  return shared;
}

/** Replaces the process's runner: src/server.ts sets its limits; `npm run bench -- pdf` compares with inlineRunner. */
export function usePdfRunner(runner: PdfRunner): void {
  shared = runner;
}

/**
 * Files uploaded by anyone (/verify-file) are read in a worker of their own, so a hostile file can only hold up
 * other uploads, never an officer's certificate PDF: few jobs held, a short time box, a small heap, the lowest
 * priority.
 */
export const UPLOAD_RUNNER_OPTIONS: WorkerRunnerOptions = {
  maxJobs: 4,
  maxWaitMs: 10_000,
  niceness: 15,
  jobTimeoutMs: 5_000,
  maxHeapMb: 128,
};

/** The process's runner for uploaded files (its own worker thread). */
export function uploadRunner(): PdfRunner {
  uploads ??= workerRunner(UPLOAD_RUNNER_OPTIONS);
  return uploads;
}

/** Replaces the upload runner (tests give it a tighter time box). */
export function useUploadRunner(runner: PdfRunner): void {
  uploads = runner;
}
