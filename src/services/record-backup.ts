// Use case: remember that a verified backup was taken (an audit row), so the staff settings screen can say when.
import { insertAudit } from '../repositories/audit-log.js';
import type { BackupReport, CopyContents } from './backup-database.js';
import type { Actor, ServiceContext } from './context.js';
import path from 'node:path';

/** Only the file name, size and counts: the directory layout of the backup host stays out of the database. */
export async function recordBackup(
  ctx: ServiceContext,
  actor: Actor,
  report: BackupReport & { contents?: CopyContents },
): Promise<void> {
  await insertAudit(ctx.db, {
    at: ctx.clock().toISOString(),
    actor_type: actor.type,
    actor_id: actor.id,
    action: 'backup.verified',
    contract_number: null,
    detail: JSON.stringify({
      file: path.basename(report.file),
      bytes: report.bytes,
      versions: report.audit.versions,
      // What the copy claims to hold, so a restore can be compared with it (`backup:check` prints the same).
      ...(report.contents ? { rows: report.contents.rows, lastNumbers: report.contents.lastNumbers } : {}),
      auditHead: report.audit.auditHead,
      ms: Math.round(report.ms),
    }),
  });
}
