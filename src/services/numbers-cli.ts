// The contract-numbering commands of the CLI (`numbers:status`, `numbers:resume`): terminal output around number-hold.
import { formatContractNumber } from '../domain/identifiers.js';
import { listOfficeSequences } from '../repositories/office-sequences.js';
import type { Actor, ServiceContext } from './context.js';
import { readIssuedNumbers } from './issued-numbers.js';
import { resumeNumbers, type NumberHold } from './number-hold.js';

const REASONS: Record<NumberHold['reason'], string> = {
  restored_copy: 'the database was restored from a backup copy',
  database_behind:
    'the issued-numbers directory recorded later numbers than the database holds (restored or rolled back)',
  numbers_dir_missing: 'the issued-numbers directory is missing although this database had one (moved or restored)',
};

const show = (office: string, n: number | null | undefined) => (n ? formatContractNumber(office, n) : '-');

/** `numbers:status`: exit 0 when numbers are being assigned, 1 while they are on hold. */
export async function numbersStatusCommand(ctx: ServiceContext, hold: NumberHold | null): Promise<number> {
  const database = await listOfficeSequences(ctx.db);
  const recorded = readIssuedNumbers(ctx.config.numbersDir) ?? {};
  console.log(hold ? `numbering ON HOLD since ${hold.since}: ${REASONS[hold.reason]}` : 'numbering: assigning');
  console.log(`issued-numbers directory: ${ctx.config.numbersDir}`);
  for (const office of [...new Set([...Object.keys(database), ...Object.keys(recorded)])].sort()) {
    console.log(
      `  office ${office}: database ${show(office, database[office])}, recorded ${show(office, recorded[office])}`,
    );
  }
  if (hold) {
    console.error(
      'state the last number issued per office (issuer records, notices mailed) with ' +
        `numbers:resume ${Object.keys(hold.offices)
          .sort()
          .map((o) => `--last ${o}-NNNNNN`)
          .join(' ')}`,
    );
  }
  return hold ? 1 : 0;
}

/** `numbers:resume --last <NNNNN-NNNNNN> …` */
export async function numbersResumeCommand(ctx: ServiceContext, actor: Actor, last: string[]): Promise<number> {
  const { hold, offices } = await resumeNumbers(ctx, actor, last);
  console.log(hold ? `hold lifted (${REASONS[hold.reason]})` : 'numbering was not on hold');
  for (const [office, { before, after }] of Object.entries(offices).sort()) {
    console.log(`  office ${office}: next number after ${show(office, after)} (database had ${show(office, before)})`);
  }
  return 0;
}
