// What every service receives: the database, configuration, clock and crypto — built once by createContext().
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ApiScope } from '../domain/api-scopes.js';
import type { Config } from '../config.js';
import type { NoteSigner } from '../log/note.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { AuthKeyVault } from '../security/auth-keys.js';
import type { Keyring } from '../signing/keyring.js';
import type { VerifiedCache } from '../signing/versions.js';
import type { AccessRecorder } from './access-recorder.js';
import type { SealSummary } from '../pdf-sign/open-seal.js';

export interface ServiceContext {
  db: Kysely<Database>;
  config: Readonly<Config>;
  clock: () => Date;
  keyring: Keyring;
  vault: AuthKeyVault;
  verified: VerifiedCache;
  recorder: AccessRecorder;
  cookieSecret: string;
  /** The transparency log's Ed25519 note signer (DESIGN §12); its key name is the log's origin. */
  logSigner: NoteSigner;
  logger: Logger;
  metrics: Metrics;
  /** What the start-up corruption checks found (services/startup-integrity.ts); /readyz is not ready while any. */
  startupFindings?: readonly string[];
  /** The e-seal this process signs as-issued PDFs with, once opened (server start-up); for the settings screen. */
  eSeal?: SealSummary;
}

/** Who performs a state change; written into every audit row. */
export type Actor =
  | { type: 'api_token'; id: string; name: string; scopes: readonly ApiScope[] }
  | { type: 'cli'; id: string }
  | { type: 'system'; id: string }
  | { type: 'staff'; id: string; email: string; role: 'admin' | 'clerk' | 'approver' };
