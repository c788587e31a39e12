// The PDF worker thread: documents come back as bytes, a failing job fails alone, the thread keeps serving — and
// drawing gives way to verifications: a short queue, stale jobs dropped, jobs refused while the event loop is late,
// and a worker thread that runs nicer than the main thread.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { UnreadablePdf } from '../../src/pdf/inspect.js';
import { PdfBusy, workerRunner, type PdfRunner } from '../../src/pdf/pool.js';

/** Runs fn with a runner of these options and always closes it. */
async function withRunner<T>(options: Parameters<typeof workerRunner>[0], fn: (r: PdfRunner) => Promise<T>) {
  const runner = workerRunner(options);
  try {
    return await fn(runner);
  } finally {
    await runner.close();
  }
}

/** Settles every promise and returns what each became: a value's kind, or the error's class name. */
async function outcomes(promises: Promise<unknown>[]): Promise<string[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((s) => (s.status === 'fulfilled' ? 'drawn' : (s.reason as Error).name));
}

describe('the PDF worker', () => {
  const runner = workerRunner();
  afterAll(() => runner.close());

  it('reports an unreadable PDF as such, then still answers the next job', async () => {
    await expect(runner.run({ kind: 'inspect', bytes: new TextEncoder().encode('%PDF-1.7 nothing') })).rejects.toThrow(
      UnreadablePdf,
    );
    const warmed = await runner.run({ kind: 'warm' });
    expect(warmed).toBeInstanceOf(Uint8Array);
  }, 30_000);

  it('passes a rendering error back to the caller instead of hanging', async () => {
    const bad = { kind: 'certificate', certificate: {} } as never;
    await expect(runner.run(bad)).rejects.toThrow();
    expect(await runner.run({ kind: 'warm' })).toHaveLength(0);
  }, 30_000);
});

describe('the PDF pool under pressure', () => {
  it('holds at most maxJobs jobs and refuses the next one at once, with a Retry-After', async () => {
    await withRunner({ maxJobs: 2 }, async (r) => {
      const jobs = [r.run({ kind: 'warm' }), r.run({ kind: 'warm' }), r.run({ kind: 'warm' })];
      const refused = await jobs[2]!.catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(PdfBusy);
      expect((refused as PdfBusy).retryAfter).toBeGreaterThanOrEqual(1);
      expect(await outcomes(jobs.slice(0, 2))).toEqual(['drawn', 'drawn']);
      // Room again once the queue has drained.
      expect(await r.run({ kind: 'warm' })).toHaveLength(0);
    });
  }, 30_000);

  it('drops a job that waited longer than maxWaitMs instead of drawing it for nobody', async () => {
    // The first job starts the thread (hundreds of ms): the two behind it wait far longer than 1 ms.
    await withRunner({ maxWaitMs: 1 }, async (r) => {
      const jobs = [r.run({ kind: 'warm' }), r.run({ kind: 'warm' }), r.run({ kind: 'warm' })];
      expect(await outcomes(jobs)).toEqual(['drawn', 'PdfBusy', 'PdfBusy']);
    });
  }, 30_000);

  it('refuses new jobs while the event loop is late, and draws again once it has caught up', async () => {
    await withRunner({ maxLoopDelayMs: 150 }, async (r) => {
      const blockedUntil = performance.now() + 600;
      while (performance.now() < blockedUntil) {
        // a synchronous stall, as a starved or overloaded main thread shows it
      }
      const refused = await r.run({ kind: 'warm' }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(PdfBusy);
      expect((refused as PdfBusy).retryAfter).toBeGreaterThanOrEqual(5);
      let drawn = false;
      for (let i = 0; i < 50 && !drawn; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        drawn = await r.run({ kind: 'warm' }).then(
          () => true,
          (error: unknown) => {
            if (!(error instanceof PdfBusy)) throw error;
            return false;
          },
        );
      }
      expect(drawn).toBe(true);
    });
  }, 30_000);

  it.runIf(process.platform === 'linux')(
    'runs the worker thread nicer than the main thread, so the scheduler serves verifications first',
    async () => {
      const nice = (tid: string) => {
        const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]); // field 19: nice
      };
      const threadNices = () => fs.readdirSync('/proc/self/task').map(nice);
      const main = nice(String(process.pid));
      const before = threadNices().filter((n) => n === Math.min(19, main + 7)).length;
      await withRunner({ niceness: 7 }, async (r) => {
        await r.run({ kind: 'warm' });
        expect(threadNices().filter((n) => n === Math.min(19, main + 7)).length).toBe(before + 1);
      });
    },
    30_000,
  );

  it('refuses options that make no sense when the runner is built', () => {
    expect(() => workerRunner({ maxJobs: 0 })).toThrow(RangeError);
    expect(() => workerRunner({ maxWaitMs: -1 })).toThrow(RangeError);
  });
});
