// Process entry: config → database → migrate → secrets → startServer (the Hono app, http-server.ts); graceful shutdown.
import { startCheckpointer } from '../db/checkpointer.js';
import { ConfigError, loadConfig } from './config.js';
import { startServer } from './http-server.js';
import { describeMailSetup, startMailWorker } from './mail/worker.js';
import { openPlatform } from './platform.js';
import { usePdfRunner, workerRunner } from './pdf/pool.js';
import { countSureties } from './repositories/sureties.js';
import { demoCredentials, seedDemo } from './services/seed-demo.js';
import { startDraftRecovery } from './services/staff/recovery.js';
import { SecretsError } from './signing/secrets.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const platform = await openPlatform(config);
  const { ctx } = platform;
  if (config.demo && (await countSureties(ctx.db)) === 0) {
    const created = await seedDemo(ctx);
    console.error(`demo data seeded: 三島市 and ${created.length} sureties`);
  }
  ctx.recorder.start();
  const checkpointer = platform.handle.sqlite
    ? startCheckpointer(platform.handle.sqlite, { onError: (msg) => ctx.logger.error({ msg }) })
    : null;
  const mail = startMailWorker(ctx);
  // Applications left 発行処理中 by a process that died mid-approval are settled at start-up and every 5 minutes.
  const recovery = startDraftRecovery(ctx);
  // PDFs give way to verifications: refused (429 throttled + Retry-After) while the event loop runs more than 200 ms late.
  usePdfRunner(workerRunner({ maxLoopDelayMs: 200 }));
  const http = startServer(ctx, { port: config.port, hostname: config.host });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: finishing in-flight requests`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void http
      .close()
      .then(() => Promise.all([mail.stop(), recovery.stop()]))
      .then(() => checkpointer?.stop())
      .then(() => platform.close())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  const info = await http.listening;
  console.error(
    `e-Surety Platform (電子保証プラットフォーム) listening on ${config.publicUrl} (${info.address}:${info.port})`,
  );
  console.error(
    `database: ${platform.handle.dialect === 'sqlite' ? `${config.dataDir}/esurety.sqlite` : 'PostgreSQL'}`,
  );
  console.error(await describeMailSetup(ctx));
  if (config.demo) {
    const demo = await demoCredentials(ctx);
    // Demo data only: the one place a key is ever printed by the server (DESIGN §2 allows it for the demo set).
    if (demo)
      console.error(
        `try it: open ${config.publicUrl}/ and enter 保証契約番号 ${demo.contractNumber} / 認証キー ${demo.authKey}`,
      );
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof SecretsError) {
    console.error(`cannot start: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
