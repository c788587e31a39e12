// A full-audit worker thread (audit-workers.ts): verifies the guarantees of one contract-number range with its own
// connection and the secrets file's keys, and reports back problems, progress and counts.
import { parentPort, workerData } from 'node:worker_threads';
import { connect } from '../../db/connection.js';
import { createAuthKeyVault } from '../security/auth-keys.js';
import { readSecrets } from '../signing/secrets.js';
import { anchorKeysOf } from '../signing/trust.js';
import { VerifiedCache } from '../signing/versions.js';
import { auditGuaranteeRange, checkedKeys, noGuarantees } from './audit-guarantees.js';
import type { AuditWorkerInput, AuditWorkerMessage } from './audit-workers.js';

const input = workerData as AuditWorkerInput;
const post = (m: AuditWorkerMessage) => parentPort?.postMessage(m);
const secrets = readSecrets(input.secretsFile);
if (!secrets) throw new Error(`the secrets file ${input.secretsFile} does not exist`);
const handle = connect({ ...input.connection, poolSize: 2 });
try {
  // Keys are reported by the main thread; here they only build the keyring.
  const keys = await checkedKeys(handle.db, anchorKeysOf(secrets));
  const counts = noGuarantees();
  await auditGuaranteeRange(
    handle.db,
    {
      keyring: keys.keyring,
      listed: keys.listed,
      cache: new VerifiedCache(4096),
      vault: createAuthKeyVault(secrets.pepper, secrets.encryptionKey),
      problem: (problem) => post({ problem }),
    },
    input.range,
    counts,
    { batchSize: input.batchSize, onBatch: () => post({ progress: { ...counts } }) },
  );
  post({ done: counts });
} finally {
  await handle.close();
}
