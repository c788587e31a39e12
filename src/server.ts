// Process entry: config → database → migrate → secrets → startServer (the Hono app, http-server.ts); graceful shutdown.
import { startCheckpointer } from '../db/checkpointer.js';
import { serve } from '@hono/node-server';
import pino from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { startServer } from './http-server.js';
import { createLogger } from './logger.js';
import { describeMailSetup, startMailWorker } from './mail/worker.js';
import { openPlatform } from './platform.js';
import { collectProcessMetrics, metricsApp } from './metrics.js';
import { openSeal, SealError } from './pdf-sign/open-seal.js';
import { pdfRunner, usePdfRunner, workerRunner } from './pdf/pool.js';
import { demoCredentials, seedDemoAtStart } from './services/seed-demo.js';
import { instanceName } from './services/leadership.js';
import { startSigningWorker } from './services/signing-worker.js';
import { startLogCheckpoints } from './services/log-checkpoints.js';
import { probeWitnesses, startLogWitnessing } from './services/log-witnessing.js';
import { startLogTimestamps } from './services/log-timestamps.js';
import { publicTsaUrl, tsaClient } from './pdf-sign/tsa.js';
import { startDraftRecovery } from './services/staff/recovery.js';
import { SecretsError } from './signing/secrets.js';

const DEMO_START_LINES = {
  seeded: 'demo mode: fictional demo data seeded (三島市 and sample sureties) under the fictional demo issuer',
  not_empty: 'demo mode: the database is not empty, nothing seeded',
  real_issuer: 'demo mode off: ESURETY_ISSUER_NAME is set (a real issuer), no demo data is seeded',
  disabled: 'demo mode off (ESURETY_DEMO=0 or NODE_ENV=production)',
} as const;

async function main(): Promise<void> {
  const config = loadConfig();
  const platform = await openPlatform(config);
  const { ctx } = platform;
  const demo = await seedDemoAtStart(ctx);
  ctx.logger.info(DEMO_START_LINES[demo.mode === 'off' ? demo.reason : demo.mode]);
  if (platform.numbersHold) {
    ctx.logger.warn(
      { hold: platform.numbersHold },
      'contract numbering is ON HOLD (the database was restored or is behind the issued-numbers directory): ' +
        'publications without a contractNumber are refused until an operator runs numbers:resume --last <NNNNN-NNNNNN>',
    );
  }
  if (platform.logHold) {
    ctx.logger.warn(
      { hold: platform.logHold },
      'the transparency log is ON HOLD: it is shorter than a checkpoint this deployment published (a rollback or ' +
        'restore); every publication is refused until the missing leaves are restored and an operator runs log:resume',
    );
  }
  // A database restored from an old backup (with the directory that remembers the last checkpoint) looks whole from
  // inside; a witness that cosigned a larger checkpoint says otherwise: asked before the first publication.
  for (const result of await probeWitnesses(ctx)) {
    if (result.outcome === 'held') {
      ctx.logger.warn(
        { witnessed: result.witnessed, head: result.head },
        'the transparency log is ON HOLD: a witness cosigned a larger checkpoint than this database holds; every ' +
          'publication is refused until the missing leaves are restored and an operator runs log:resume',
      );
    }
  }
  ctx.recorder.start();
  const checkpointer = platform.handle.sqlite
    ? startCheckpointer(platform.handle.sqlite, { onError: (msg) => ctx.logger.error(msg) })
    : null;
  // This process's name in the database's leases: which instance sends a mail, and which leads housekeeping.
  const instance = instanceName();
  const mail = startMailWorker(ctx, instance);
  // Applications left 発行処理中 by a process that died mid-approval are settled at start-up and every 5 minutes
  // (by the instance that leads the job).
  const recovery = startDraftRecovery(ctx, { holder: instance });
  // As-issued PDFs sealed with the configured e-seal (DESIGN §13); a seal that cannot be opened stops the start.
  const seal = await openSeal(config);
  if (seal) ctx.eSeal = seal.summary;
  const signing = seal ? startSigningWorker(ctx, seal, { holder: instance }) : null;
  // A signed checkpoint covers every version within about a second of its publication (DESIGN §12: within 5 s).
  const logCheckpoints = startLogCheckpoints(ctx, { holder: instance });
  // Each new checkpoint goes to the configured witnesses (ESURETY_LOG_WITNESSES) on their own schedule.
  const logWitnessing = startLogWitnessing(ctx, { holder: instance });
  // Once a day the latest checkpoint is time-stamped by the configured authority (DESIGN §12), in its own job.
  const logTimestamps = config.tsaUrl ? startLogTimestamps(ctx, tsaClient(config.tsaUrl), { holder: instance }) : null;
  // PDFs give way to verifications: refused (429 throttled + Retry-After) while the event loop runs more than 200 ms late.
  usePdfRunner(workerRunner({ maxLoopDelayMs: 200 }));
  // Prometheus metrics on their own listener only: never on the public one (operators scrape it from their network).
  const metricsServer =
    config.metricsPort === undefined
      ? null
      : (() => {
          collectProcessMetrics(ctx.metrics, {
            db: ctx.db,
            sqliteFile: platform.handle.sqlite?.name ?? null,
            pdf: () => pdfRunner().stats?.(),
          });
          return serve(
            { fetch: metricsApp(ctx.metrics).fetch, port: config.metricsPort, hostname: config.host },
            (info) => ctx.logger.info(`metrics on http://${info.address}:${info.port}/metrics`),
          );
        })();
  const http = startServer(ctx, { port: config.port, hostname: config.host });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.logger.info({ signal }, `${signal}: finishing in-flight requests`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    metricsServer?.close();
    void http
      .close()
      .then(() =>
        Promise.all([
          mail.stop(),
          recovery.stop(),
          logCheckpoints.stop(),
          logWitnessing.stop(),
          logTimestamps?.stop(),
          signing?.stop(),
        ]),
      )
      .then(() => checkpointer?.stop())
      .then(() => platform.close())
      .then(() => {
        ctx.logger.info('stopped');
        ctx.logger.flush(() => process.exit(0));
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  const info = await http.listening;
  ctx.logger.info(
    {
      database: platform.handle.dialect === 'sqlite' ? `${config.dataDir}/esurety.sqlite` : 'PostgreSQL',
      node: process.version,
    },
    `e-Surety Platform (電子保証プラットフォーム) listening on ${config.publicUrl} (${info.address}:${info.port})`,
  );
  ctx.logger.info(await describeMailSetup(ctx));
  ctx.logger.info(`versions are signed with key ${ctx.keyring.activeKid} (${ctx.keyring.signer.describe})`);
  if (config.logWitnesses.length > 0)
    ctx.logger.info(`log checkpoints are submitted to witnesses ${config.logWitnesses.map((w) => w.name).join(', ')}`);
  if (seal) ctx.logger.info(`as-issued PDFs are sealed: ${seal.describe}`);
  else
    ctx.logger.info(
      'as-issued PDFs are not signed: no e-seal configured (ESURETY_PDF_SIGN_P12 or ESURETY_PDF_SIGN_PKCS11_*, DESIGN §13)',
    );
  if (config.tsaUrl)
    ctx.logger.info(`transparency-log checkpoints are time-stamped daily by ${publicTsaUrl(config.tsaUrl)}`);
  else ctx.logger.info('transparency-log checkpoints are not time-stamped: no ESURETY_TSA_URL (DESIGN §12, §13)');
  if (seal && seal.level === 'B-B')
    ctx.logger.warn('as-issued PDFs are signed without a time-stamp (PAdES B-B): set ESURETY_TSA_URL for B-T');
  if (demo.mode !== 'off' && config.env === 'development') {
    const credentials = await demoCredentials(ctx);
    // A newcomer's hint, human-readable on stderr, in development only: the one place the server ever prints a key
    // (DESIGN §2 allows it for the demo set), and never into the log.
    if (credentials)
      process.stderr.write(
        `try it: open ${config.publicUrl}/ and enter 保証契約番号 ${credentials.contractNumber} / 認証キー ${credentials.authKey}\n`,
      );
  }
}

main().catch((error: unknown) => {
  // Before the platform is open there is no context logger yet: the process logger writes this one line synchronously.
  const log = createLogger({ destination: pino.destination({ dest: 1, sync: true }) });
  if (error instanceof ConfigError || error instanceof SecretsError || error instanceof SealError)
    log.fatal(`cannot start: ${error.message}`);
  else log.fatal({ err: error }, 'cannot start');
  process.exit(1);
});
