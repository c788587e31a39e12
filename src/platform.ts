// Opens the platform for a process (server, CLI, tests): database, migrations, secrets, keyring, service context.
import type { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { connect, migrateToLatest, type ConnectOptions, type DatabaseHandle } from '../db/connection.js';
import { listSigningKeys } from './repositories/signing-keys.js';
import { createAuthKeyVault } from './security/auth-keys.js';
import { AccessRecorder } from './services/access-recorder.js';
import { databaseFault } from './services/db-errors.js';
import type { ServiceContext } from './services/context.js';
import { bindSecrets } from './services/secrets-binding.js';
import { checkAtStartup } from './services/startup-integrity.js';
import { createKeyring } from './signing/keyring.js';
import { refusedKeyMessage } from './signing/trust.js';
import { VerifiedCache } from './signing/versions.js';
import path from 'node:path';

export interface Platform {
  ctx: ServiceContext;
  handle: DatabaseHandle;
  close(): Promise<void>;
}

export interface OpenOptions {
  clock?: () => Date;
  /** Where log lines go (default: JSON lines on stdout; silent under NODE_ENV=test). */
  logger?: Logger;
  /** Overrides how the database is reached (tests pass an isolated schema or file). */
  connection?: ConnectOptions;
}

/** @throws SecretsError when the secrets file does not belong to the database */
export async function openPlatform(config: Readonly<Config>, options: OpenOptions = {}): Promise<Platform> {
  const clock = options.clock ?? (() => new Date());
  const logger = options.logger ?? createLogger({ level: config.env === 'test' ? 'silent' : 'info' });
  const handle = connect({
    ...(options.connection ?? {
      databaseUrl: config.databaseUrl,
      sqliteFile: path.join(config.dataDir, 'esurety.sqlite'),
    }),
    onConnectionError: (error) => {
      const fault = databaseFault(error);
      logger.warn(
        { err: error, ...(fault ? { fault: fault.kind, cause: fault.cause } : {}) },
        'PostgreSQL connection lost; the pool reconnects on the next query',
      );
    },
  });
  try {
    await migrateToLatest(handle.db);
    const secrets = await bindSecrets(handle.db, config.secretsFile, clock());
    const keyring = await createKeyring(
      secrets,
      async () =>
        (await listSigningKeys(handle.db)).map((k) => ({
          kid: k.kid,
          createdAt: k.created_at,
          endorsement: k.endorsement,
        })),
      () => clock().getTime(),
    );
    for (const { kid, reason } of keyring.refused()) logger.error({ kid }, refusedKeyMessage(kid, reason));
    const vault = createAuthKeyVault(secrets.pepper, secrets.encryptionKey);
    const startup = await checkAtStartup(handle.db, vault);
    for (const finding of startup.findings) logger.error({ msg: 'corruption found at start', finding });
    if (startup.findings.length > 0) {
      logger.error({ msg: 'not ready until repaired: run `npm run cli -- audit` for the full report' });
    }
    const recorder = new AccessRecorder(handle.db, clock, logger, { retentionDays: config.accessRetentionDays });
    const ctx: ServiceContext = {
      db: handle.db,
      config,
      clock,
      keyring,
      vault,
      verified: new VerifiedCache(),
      recorder,
      cookieSecret: secrets.cookieSecret,
      logger,
      metrics: createMetrics(),
      startupFindings: startup.findings,
    };
    return {
      ctx,
      handle,
      async close() {
        await recorder.stop();
        ctx.logger.flush();
        await handle.close();
      },
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
