// The transparency-log line of a mail about a version (issue 18 item 1): the version's log index and the first
// checkpoint covering it — its tree size and root hash, both public — resolved when the mail is sent, so a mail sent
// seconds after the publication still names the checkpoint when one exists. Before one covers the version the line
// says so; it never names a checkpoint that does not include the version.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { translator } from '../i18n/index.js';
import { findLeafOfVersion, firstCheckpointCovering } from '../repositories/transparency-log.js';
import type { LinkSpec } from './outbox.js';

const t = translator('ja');

export async function mailLogLine(db: Kysely<Database>, spec: NonNullable<LinkSpec['log']>): Promise<string> {
  const leaf = await findLeafOfVersion(db, spec.contractNumber, spec.seq, spec.digest);
  if (!leaf) return t('log.mailMissing');
  const index = Number(leaf.idx);
  const checkpoint = await firstCheckpointCovering(db, index);
  if (!checkpoint) return t('log.mailPending', { index });
  return t('log.mail', { index, size: Number(checkpoint.size), root: checkpoint.root });
}
