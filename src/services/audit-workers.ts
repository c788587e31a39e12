// The full audit's versions over threads: the guarantees are split into contract-number ranges of about equal size,
// the first verified by the calling thread and each other one in its own worker (own connection, keys read from the
// secrets file) — one worker fewer to start and warm up — and the counts merged; problems arrive as they are found. A worker that fails is a finding, never a silent gap.
import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import type { ConnectOptions } from '../../db/connection.js';
import type { Database } from '../../db/schema.js';
import { suretyQuantiles } from '../repositories/integrity.js';
import {
  auditGuaranteeRange,
  noGuarantees,
  type GuaranteeChecker,
  type GuaranteeCounts,
  type GuaranteeRange,
  type IntegrityProblem,
} from './audit-guarantees.js';

/** What a worker is given (workerData). */
export interface AuditWorkerInput {
  connection: ConnectOptions;
  secretsFile: string;
  range: GuaranteeRange;
  batchSize: number;
}

/** What a worker sends: each problem, progress after each batch, its counts at the end. */
export type AuditWorkerMessage =
  { problem: IntegrityProblem } | { progress: GuaranteeCounts } | { done: GuaranteeCounts };

export async function auditInWorkers(
  db: Kysely<Database>,
  options: {
    connection: ConnectOptions;
    secretsFile: string;
    threads: number;
    batchSize: number;
    onProblem: (p: IntegrityProblem) => void;
    onProgress?: (done: { guarantees: number; versions: number }) => void;
    /** The calling thread's own checker: it verifies the first range itself while the workers take the others. */
    checker: GuaranteeChecker;
  },
): Promise<GuaranteeCounts> {
  const bounds = await suretyQuantiles(db, options.threads - 1);
  const ranges: GuaranteeRange[] = [...['', ...bounds].entries()].map(([i, from]) => ({
    from,
    until: bounds[i] ?? null,
  }));
  const progress = ranges.map(() => noGuarantees());
  const total = noGuarantees();
  const report = () => {
    const sum = progress.reduce(
      (a, c) => ({ guarantees: a.guarantees + c.guarantees, versions: a.versions + c.versions }),
      { guarantees: 0, versions: 0 },
    );
    options.onProgress?.(sum);
  };
  const results = await Promise.all(
    ranges.map((range, i) =>
      i === 0
        ? auditGuaranteeRange(db, options.checker, range, progress[0]!, {
            batchSize: options.batchSize,
            onBatch: report,
          }).then(() => progress[0]!)
        : new Promise<GuaranteeCounts>((resolve) => {
            const input: AuditWorkerInput = {
              connection: options.connection,
              secretsFile: options.secretsFile,
              range,
              batchSize: options.batchSize,
            };
            // A tsx shim in src/, the compiled worker in dist/ (scripts/build.mjs), as the PDF render worker.
            const worker = new Worker(new URL('./audit-worker.mjs', import.meta.url), { workerData: input });
            let done: GuaranteeCounts | null = null;
            const fail = (why: string) =>
              options.onProblem({
                area: 'versions',
                subject: `from ${range.from || 'the start'} to ${range.until ?? 'the end'}`,
                check: 'unreadable',
                message: `the audit worker for these guarantees failed, so they stay unchecked: ${why}`,
              });
            worker.on('message', (m: AuditWorkerMessage) => {
              if ('problem' in m) options.onProblem(m.problem);
              else if ('progress' in m) {
                progress[i] = m.progress;
                report();
              } else done = m.done;
            });
            let failed = false;
            worker.on('error', (error) => {
              failed = true;
              fail(error.message);
            });
            worker.on('exit', (code) => {
              // One finding per range: an 'error' is followed by an exit with code 1.
              if (!done && !failed) fail(code !== 0 ? `exit code ${code}` : 'it ended without a result');
              resolve(done ?? noGuarantees());
            });
          }),
    ),
  );
  for (const r of results) {
    total.guarantees += r.guarantees;
    total.versions += r.versions;
    total.visibleVersions += r.visibleVersions;
    total.hiddenVersions += r.hiddenVersions;
  }
  return total;
}
