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
import { checkIssuedNumbers, getNumberHold, type NumberHold } from './services/number-hold.js';
import { bindSecrets } from './services/secrets-binding.js';
import { logOrigin } from './services/log-checkpoints.js';
import { checkLogRollback, type LogHold } from './services/log-hold.js';
import { bindLogKey } from './services/log-key.js';
import { ed25519Signer } from './log/note.js';
import { checkAtStartup } from './services/startup-integrity.js';
import { createKeyring, type TokenAccess } from './signing/keyring.js';
import { logKeySeed } from './signing/secrets.js';
import { refusedKeyMessage } from './signing/trust.js';
import { VerifiedCache } from './signing/versions.js';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';

export interface Platform {
  ctx: ServiceContext;
  handle: DatabaseHandle;
  /** How the database was reached: what a worker thread opens its own connection with (the full audit's). */
  connection: ConnectOptions;
  /** Set when contract numbering is on hold after a restore (server start-up says so; `numbers:resume` lifts it). */
  numbersHold: NumberHold | null;
  /** Set when the transparency log is on hold after a rollback (`log:resume` lifts it once the log is whole). */
  logHold: LogHold | null;
  close(): Promise<void>;
}

export interface OpenOptions {
  clock?: () => Date;
  /** Where log lines go (default: JSON lines on stdout; silent under NODE_ENV=test). */
  logger?: Logger;
  /** Overrides how the database is reached (tests pass an isolated schema or file). */
  connection?: ConnectOptions;
  /**
   * For read-only commands (audit, backup): the database must already hold this platform's data. A mistyped
   * ESURETY_DATA_DIR would otherwise get a new empty database and new secrets, and an audit of nothing reports "ok".
   */
  existing?: boolean;
}

/** A read-only command was pointed at a place that holds no platform database. */
export class NoDatabaseError extends Error {
  override name = 'NoDatabaseError';
}

/**
 * @throws SecretsError when the secrets file does not belong to the database
 * @throws NoDatabaseError with `existing` when there is no platform database to open
 */
export async function openPlatform(config: Readonly<Config>, options: OpenOptions = {}): Promise<Platform> {
  const clock = options.clock ?? (() => new Date());
  const logger = options.logger ?? createLogger({ level: config.env === 'test' ? 'silent' : 'info' });
  const connection = options.connection ?? {
    databaseUrl: config.databaseUrl,
    sqliteFile: path.join(config.dataDir, 'esurety.sqlite'),
  };
  const file = connection.databaseUrl ? null : connection.sqliteFile;
  if (options.existing && file && file !== ':memory:' && !(fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0)) {
    throw new NoDatabaseError(`there is no database at ${file}: check ESURETY_DATA_DIR (nothing was created)`);
  }
  const handle = connect({
    ...connection,
    onConnectionError: (error) => {
      const fault = databaseFault(error);
      logger.warn(
        { err: error, ...(fault ? { fault: fault.kind, cause: fault.cause } : {}) },
        'PostgreSQL connection lost; the pool reconnects on the next query',
      );
    },
  });
  let closeKeyring = () => {};
  try {
    if (options.existing) await requirePlatformData(handle, file);
    await migrateToLatest(handle.db);
    const secrets = await bindSecrets(handle.db, config.secretsFile, clock());
    const logSigner = ed25519Signer(logOrigin(config.publicUrl), logKeySeed(secrets));
    await bindLogKey(handle.db, logSigner, options.existing === true);
    // Read-only commands compare nothing and write nothing: they only report a hold already in force.
    const numbersHold = options.existing
      ? await getNumberHold(handle.db)
      : await checkIssuedNumbers(handle.db, {
          numbersDir: config.numbersDir,
          sqlite: handle.dialect === 'sqlite',
          now: clock(),
        });
    const keyring = await createKeyring(
      secrets,
      async () =>
        (await listSigningKeys(handle.db)).map((k) => ({
          kid: k.kid,
          createdAt: k.created_at,
          endorsement: k.endorsement,
        })),
      () => clock().getTime(),
      tokenAccessOf(config),
    );
    closeKeyring = () => keyring.close();
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
      logSigner,
      logger,
      metrics: createMetrics(),
      startupFindings: startup.findings,
    };
    const logHold = await checkLogRollback(ctx, { readOnly: options.existing === true });
    return {
      ctx,
      handle,
      connection,
      numbersHold,
      logHold,
      async close() {
        await recorder.stop();
        ctx.logger.flush();
        closeKeyring();
        await handle.close();
      },
    };
  } catch (error) {
    closeKeyring();
    await handle.close();
    throw error;
  }
}

/** The PKCS#11 token of DESIGN §13, where a version-signing key may live (issue 19); none without a PKCS#11 e-seal. */
export function tokenAccessOf(config: Readonly<Config>): TokenAccess | undefined {
  const c = config.pdfSign;
  return c.kind === 'pkcs11' ? { module: c.module, token: c.token, pin: c.pin } : undefined;
}

/** A database this platform has used holds the secrets fingerprint (written at its first start, DESIGN §2). */
async function requirePlatformData(handle: DatabaseHandle, file: string | null | undefined): Promise<void> {
  const where = file ?? 'DATABASE_URL';
  try {
    const { rows } = await sql<{ n: number }>`select count(*) as n from meta where key = 'secrets_fingerprint'`.execute(
      handle.db,
    );
    if (Number(rows[0]?.n ?? 0) > 0) return;
  } catch {
    // No meta table: not a platform database at all.
  }
  throw new NoDatabaseError(
    `the database at ${where} holds no e-Surety data: check the configuration (nothing was changed)`,
  );
}
