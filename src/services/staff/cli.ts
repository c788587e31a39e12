// The staff commands of the CLI (`user:create`, `import`): argument handling and terminal output around the services.
import fs from 'node:fs';
import { DomainError } from '../../errors.js';
import type { Actor, ServiceContext } from '../context.js';
import { createStaffUser } from './accounts.js';
import { importRows, validateCsv } from './import.js';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline (from `echo` or a heredoc) is not part of the password; nothing else is trimmed.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `user:create --email <e> --role admin|clerk|approver`; the password comes from stdin or is generated. */
export async function userCreateCommand(
  ctx: ServiceContext,
  actor: Actor,
  email: string | undefined,
  role: string | undefined,
): Promise<number> {
  if (!email || !role) {
    console.error('user:create needs --email <address> --role admin|clerk|approver (password on stdin, or generated)');
    return 2;
  }
  try {
    const { user, generatedPassword } = await createStaffUser(ctx, actor, { email, role, password: await readStdin() });
    console.error(`staff user ${user.email} (${user.role}) created; two-factor enrolment happens at first log-in`);
    if (generatedPassword) {
      console.error('generated password (shown once — store it now):');
      console.log(generatedPassword);
    }
    return 0;
  } catch (error) {
    if (error instanceof DomainError && error.issues) {
      for (const i of error.issues) console.error(`${i.path}: ${i.message}`);
      return 1;
    }
    throw error;
  }
}

function progressBar(done: number, total: number, started: number): string {
  const width = 30;
  const filled = Math.round((done / Math.max(1, total)) * width);
  const seconds = (performance.now() - started) / 1000;
  const rate = seconds > 0 ? Math.round(done / seconds) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${rate} rows/s`;
}

/** `import <file.csv>`: validate every row first (nothing written on any error), then publish with a progress bar. */
export async function importCommand(ctx: ServiceContext, actor: Actor, file: string | undefined): Promise<number> {
  if (!file) {
    console.error('import needs a CSV file (columns: see docs/import-example.csv)');
    return 2;
  }
  const { rows, errors } = await validateCsv(ctx, new Uint8Array(fs.readFileSync(file)));
  if (errors.length > 0) {
    for (const e of errors) console.error(`${e.row}行目\t${e.column}\t${e.message}`);
    console.error(`${errors.length}件の誤りがあります。何も登録していません。`);
    return 1;
  }
  const started = performance.now();
  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  let lastTenth = 0;
  // Progress arrives once per committed batch (a few hundred rows): a terminal redraws the bar at most every 100 ms,
  // a log gets a line at each tenth crossed.
  const report = await importRows(ctx, actor, rows, (done, total) => {
    const now = performance.now();
    const tenth = Math.floor((done * 10) / Math.max(1, total));
    if (tty && (now - lastPrinted > 100 || done === total)) {
      process.stderr.write(`\r${progressBar(done, total, started)}`);
      lastPrinted = now;
    } else if (!tty && (tenth > lastTenth || done === total)) {
      console.error(progressBar(done, total, started));
      lastTenth = tenth;
    }
  });
  if (tty) process.stderr.write('\n');
  const seconds = (performance.now() - started) / 1000;
  // One write for the whole report: a console.log per row costs ≈ 40 µs each on a pipe.
  process.stdout.write(
    report.results.map((r) => `${r.row}\t${r.contractNumber}\t${r.skipped ? 'skipped' : 'published'}\n`).join(''),
  );
  console.error(
    `published ${report.published}, skipped ${report.skipped} (already published) of ${report.total} rows in ` +
      `${seconds.toFixed(1)} s — ${Math.round(report.total / Math.max(seconds, 0.001))} rows/s`,
  );
  return 0;
}
