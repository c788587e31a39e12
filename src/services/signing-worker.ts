// The signing worker: one instance at a time (the 'pdf-signing' lease) runs a signing pass every few seconds, so an
// as-issued PDF is signed shortly after its publication and retried while the e-seal or the TSA is failing.
import type { Seal } from '../pdf-sign/open-seal.js';
import type { ServiceContext } from './context.js';
import { instanceName, resignLeadership, runAsLeader } from './leadership.js';
import { runSigningPass } from './signed-pdfs.js';

export function startSigningWorker(
  ctx: ServiceContext,
  seal: Seal,
  options: { everyMs?: number; holder?: string } = {},
): { stop(): Promise<void> } {
  const everyMs = options.everyMs ?? 3_000;
  const holder = options.holder ?? instanceName();
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const run = () => {
    if (busy) return;
    busy = true;
    running = running
      .then(() =>
        runAsLeader(ctx, 'pdf-signing', holder, Math.max(60_000, 3 * everyMs), () => runSigningPass(ctx, seal)),
      )
      .then(() => undefined)
      .catch((error: unknown) => ctx.logger.error({ msg: 'signing pass failed', error: String(error) }))
      .finally(() => {
        busy = false;
      });
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await resignLeadership(ctx, 'pdf-signing', holder).catch(() => undefined);
      seal.close();
    },
  };
}
