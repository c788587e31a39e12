// The command line of DESIGN §6: results on stdout, diagnostics on stderr, non-zero exit on failure.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { DomainError } from './errors.js';
import { createLogger } from './logger.js';
import { NoDatabaseError, openPlatform } from './platform.js';
import { createApiToken } from './services/api-tokens.js';
import { createObligeeToken, revokeObligeeTokenBy } from './services/obligee-tokens.js';
import type { Actor } from './services/context.js';
import { rotateSigningKey } from './services/rotate-keys.js';
import { trustSigningKey } from './services/trust-key.js';
import { seedDemo } from './services/seed-demo.js';
import { verifyFileCommand } from './services/verify-file-command.js';
import { importCommand, userCreateCommand } from './services/staff/cli.js';
import {
  auditIntegrity,
  trustedKeysOf,
  type IntegrityProblem,
  type IntegrityReport,
} from './services/audit-integrity.js';
import SQLite from 'better-sqlite3';
import { backupSqlite, describeCopy, verifySqliteCopy, type CopyContents } from './services/backup-database.js';
import { recordBackup } from './services/record-backup.js';
import { numbersResumeCommand, numbersStatusCommand } from './services/numbers-cli.js';
import { logResumeCommand, logStatusCommand } from './services/log-cli.js';
import { logMonitorCommand } from './services/log-monitor.js';
import { readSecrets, SecretsError } from './signing/secrets.js';

const USAGE = `usage: npm run cli -- <command>
  migrate                      bring the database to the latest schema
  token:create --name <label>  create an issuer API token (printed once, last line)
  obligee-token:create --obligee <id> --name <label>
                               an obligee organisation's token for the watch API (/api/v1/watch; printed once,
                               last line; works at once — the portal's tokens wait for a second administrator)
  obligee-token:revoke --id <token id>
                               revoke an obligee token at once (audited)
  keys:rotate                  new active signing key; old keys stay published
  keys:trust --kid <kid>       add a key the database lists but the secrets file lost to the file (audited);
                               only for a key this deployment really signed with (start-up names refused keys)
  seed:demo                    the demo data set (三島市 and sample sureties)
  user:create --email <e> --role admin|clerk|approver
                               staff account (password from stdin, or generated and printed once)
  import <file.csv>            publish new sureties from CSV (docs/import-example.csv); re-runs publish nothing twice
  backup <path>                consistent online backup of the SQLite database, verified (integrity + audit); the
                               file appears under <path> only once verified
  backup:check <file>          verify a backup copy before restoring it (same checks; prints what it holds)
  numbers:status               contract numbering: on hold after a restore or not, last numbers per office
  numbers:resume --last <NNNNN-NNNNNN> [--last …]
                               after a restore: state the last number issued per office (issuer's records, mail
                               sent); numbering resumes above it (audited)
  log:monitor --url <base> [--state <file>] [--key <verifier key>]
                               follow the transparency log from the last checkpoint seen (state file): checks the
                               signature, consistency (no fork, no shrink) and that the new entries hash to the
                               signed root; exit 1 with a plain report on any violation. --key pins the log key
                               (otherwise the one seen first is kept in the state)
  log:status                   the transparency log: size, latest checkpoint, on hold after a rollback or not
  log:resume                   after a rollback: lift the log's hold once its missing leaves are restored (audited);
                               refuses while the log is still shorter than a published checkpoint
  audit                        re-verify every stored version and the audit log's hash chain; exit 1 on any failure
  verify <file.pdf|file.jws> [--jwks <file|https-url>] [--offline] [--allow-http-loopback]
                               check a downloaded certificate or receipt step by step, then report integrity,
                               status (the public status list an as-issued PDF names; --offline: not checked) and
                               issuer identity (DNS TXT _esurety-key.<domain>; ESURETY_DNS_RESOLVER names the
                               server) as three results; exit 0 only when none failed. Keys: a saved jwks.json or
                               an https: URL (default: the configured ESURETY_PUBLIC_URL's /.well-known/jwks.json,
                               only when it is https:); http: (keys and status list) only for a loopback host with
                               --allow-http-loopback. The report names where the keys came from`;

/** Commands that only read a database: pointed at an empty or mistyped place they refuse instead of creating one. */
const READS_EXISTING = new Set(['audit', 'backup', 'numbers:status', 'log:status']);

const cli: Actor = { type: 'cli', id: process.env.USER ?? 'cli' };

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      obligee: { type: 'string' },
      id: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      jwks: { type: 'string' },
      kid: { type: 'string' },
      'allow-http-loopback': { type: 'boolean' },
      offline: { type: 'boolean' },
      last: { type: 'string', multiple: true },
      url: { type: 'string' },
      state: { type: 'string' },
      key: { type: 'string' },
    },
    allowPositionals: true,
  });
  if (!command || command === 'help' || command === '--help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  // Offline: needs neither the database nor the secrets, only the file and public keys.
  if (command === 'verify') {
    return verifyFileCommand(positionals[0], values.jwks, {
      allowHttpLoopback: values['allow-http-loopback'] === true,
      offline: values.offline === true,
    });
  }
  // An outsider's command: it reads the public log over HTTP, never a database.
  if (command === 'log:monitor') return logMonitorCommand(values.url, values.state, values.key);
  const config = loadConfig();
  // A copy about to be restored: checked where it lies, with the secrets file it must go with; the live database
  // is not opened.
  if (command === 'backup:check') return backupCheckCommand(positionals[0], config.secretsFile);
  // stdout carries the command's results: the platform's log lines (JSON) go to stderr with the diagnostics.
  const platform = await openPlatform(config, {
    logger: createLogger({ destination: 2 }),
    existing: READS_EXISTING.has(command),
  });
  try {
    const { ctx } = platform;
    switch (command) {
      case 'migrate':
        // openPlatform has migrated already.
        console.log('database schema is up to date');
        return 0;
      case 'token:create': {
        if (!values.name) throw new UsageError('token:create needs --name <label>');
        const { id, token } = await createApiToken(ctx, cli, values.name);
        console.error(
          `token ${id} created for "${values.name}" with every scope (break-glass, audited as cli); it is shown once — store it now`,
        );
        console.log(token);
        return 0;
      }
      case 'obligee-token:create': {
        if (!values.obligee || !values.name) {
          throw new UsageError('obligee-token:create needs --obligee <id> --name <label>');
        }
        const { id, token } = await createObligeeToken(ctx, cli, { obligeeId: values.obligee, name: values.name });
        console.error(
          `obligee token ${id} created for obligee ${values.obligee} ("${values.name}"), usable at once ` +
            '(command line: no second approval needed; audited as cli); it is shown once — store it now',
        );
        console.log(token);
        return 0;
      }
      case 'obligee-token:revoke': {
        if (!values.id) throw new UsageError('obligee-token:revoke needs --id <token id>');
        await revokeObligeeTokenBy(ctx, cli, values.id);
        console.log(`obligee token ${values.id} revoked`);
        return 0;
      }
      case 'user:create':
        return await userCreateCommand(ctx, cli, values.email, values.role);
      case 'import':
        return await importCommand(ctx, cli, positionals[0]);
      case 'keys:rotate': {
        const { kid } = await rotateSigningKey(ctx.db, config.secretsFile, cli, ctx.clock());
        console.log(`new active signing key: ${kid}`);
        console.error('restart running instances so that they sign with the new key; old versions still verify');
        return 0;
      }
      case 'keys:trust': {
        if (!values.kid) throw new UsageError('keys:trust needs --kid <kid> (start-up and audit name refused keys)');
        const key = await trustSigningKey(ctx.db, config.secretsFile, cli, values.kid, ctx.clock());
        const when = `created ${key.createdAt}${key.retiredAt ? `, retired ${key.retiredAt}` : ''}`;
        if (!key.added) {
          console.log(`signing key ${key.kid} (${when}) is already in the secrets file; nothing changed`);
          return 0;
        }
        console.log(`signing key ${key.kid} (${when}) added to the secrets file ${config.secretsFile}`);
        console.error('replace the mounted secret on every instance with this file and restart them; then run `audit`');
        return 0;
      }
      case 'seed:demo': {
        for (const s of await seedDemo(ctx)) {
          console.log(`${s.contractNumber}\t${s.authKey}\t${s.product}\t${s.history.join(', ')}`);
        }
        return 0;
      }
      case 'backup': {
        const target = positionals[0];
        if (!target) throw new UsageError('backup needs a target path');
        if (!platform.handle.sqlite)
          throw new UsageError('backup copies the SQLite database; for PostgreSQL use pg_dump (see README)');
        const file = path.resolve(target);
        if (fs.existsSync(file)) throw new UsageError(`${file} already exists; choose a new path`);
        const report = await backupSqlite(
          platform.handle.sqlite,
          file,
          trustedSecrets(config.secretsFile),
          printProblem,
          ctx.clock(),
        );
        console.log(`backup copied (${(report.bytes / 2 ** 20).toFixed(1)} MiB in ${secs(report.ms)})`);
        for (const c of report.checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
        printAudit(report.audit, '  ');
        printContents(report.contents, '  ');
        if (!report.ok) {
          console.error(`the copy FAILED verification (see above): nothing was written at ${file}`);
          return 1;
        }
        console.log(`backup ${file}: integrity_check ok, ${report.audit.versions} versions, audit passed`);
        await recordBackup(ctx, cli, report);
        console.error(
          'keep the secrets file with it: the backup cannot be used without the secrets it was signed with',
        );
        return 0;
      }
      case 'numbers:status':
        return await numbersStatusCommand(ctx, platform.numbersHold);
      case 'numbers:resume':
        return await numbersResumeCommand(ctx, cli, values.last ?? []);
      case 'log:status':
        return await logStatusCommand(ctx, platform.logHold);
      case 'log:resume':
        return await logResumeCommand(ctx, cli);
      case 'audit': {
        const secrets = trustedSecrets(config.secretsFile);
        let lastProgress = performance.now();
        const report = await auditIntegrity(ctx.db, {
          trusted: await trustedKeysOf(secrets),
          onProblem: printProblem,
          onProgress: (done) => {
            if (performance.now() - lastProgress < 5000) return;
            lastProgress = performance.now();
            console.error(
              `audit: ${done.guarantees} guarantees, ${done.versions} versions, ${done.auditRows} audit rows so far`,
            );
          },
        });
        printAudit(report, '');
        return report.problems === 0 ? 0 : 1;
      }
      default:
        throw new UsageError(`unknown command: ${command}\n${USAGE}`);
    }
  } finally {
    await platform.close();
  }
}

class UsageError extends Error {}

/** @throws SecretsError when the secrets file is missing */
function trustedSecrets(file: string) {
  const secrets = readSecrets(file);
  if (!secrets) throw new SecretsError(`the secrets file ${file} does not exist`);
  return secrets;
}

/** SQLITE_CORRUPT (a damaged page) or SQLITE_NOTADB (not a database file): a finding, not a bug to trace. */
function isDamagedDatabase(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function printProblem(p: IntegrityProblem): void {
  console.log(`FAIL ${p.area} ${p.subject} [${p.check}] ${p.message}`);
}

async function backupCheckCommand(target: string | undefined, secretsFile: string): Promise<number> {
  if (!target) throw new UsageError('backup:check needs the path of a backup copy');
  const file = path.resolve(target);
  if (!fs.existsSync(file)) throw new UsageError(`there is no file at ${file}`);
  const report = await verifySqliteCopy(file, trustedSecrets(secretsFile), printProblem);
  for (const c of report.checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  printAudit(report.audit, '');
  const raw = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    printContents(describeCopy(raw), '');
  } finally {
    raw.close();
  }
  return report.ok ? 0 : 1;
}

function printContents(c: CopyContents, indent: string): void {
  const { sureties, versions, auditLog, obligees } = c.rows;
  console.log(
    `${indent}copy: taken ${c.takenAt ?? '(not by backup)'}; ${sureties} sureties, ${versions} versions, ` +
      `${auditLog} audit rows, ${obligees} obligees`,
  );
  const numbers = Object.values(c.lastNumbers);
  console.log(`${indent}copy: last contract numbers ${numbers.length > 0 ? numbers.join(', ') : '(none)'}`);
}

function printAudit(r: IntegrityReport, indent: string): void {
  const verdict = (ok: boolean) => (ok ? 'ok' : 'FAILED');
  console.log(
    `${indent}audit: ${r.guarantees} guarantees, ${r.versions} versions (${r.visibleVersions} visible, ` +
      `${r.hiddenVersions} hidden): signature, kid, prev chain, seq, history rules, stored columns, text, auth keys`,
  );
  console.log(
    `${indent}audit: ${r.auditRows} audit rows: hash chain and one row per version; ${r.signingKeys} published keys; ` +
      `${r.idempotencyAnswers} idempotency answers`,
  );
  if (r.auditHead) console.log(`${indent}audit: chain head id ${r.auditHead.id} hash ${r.auditHead.hash}`);
  console.log(`${indent}audit: ${verdict(r.problems === 0)} — ${r.problems} problems in ${secs(r.ms)}`);
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (
      error instanceof UsageError ||
      error instanceof ConfigError ||
      error instanceof SecretsError ||
      error instanceof NoDatabaseError ||
      error instanceof DomainError
    ) {
      console.error(error.message);
    } else if (isDamagedDatabase(error)) {
      console.error(
        `the SQLite database is damaged (${error.message}): restore the last verified backup together with its ` +
          'secrets file (README "Backup and restore"); `npm run cli -- audit` lists what it can still read',
      );
    } else {
      console.error(error);
    }
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
