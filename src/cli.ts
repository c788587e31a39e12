// The command line of DESIGN §6: results on stdout, diagnostics on stderr, non-zero exit on failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { DomainError } from './errors.js';
import { createLogger } from './logger.js';
import { NoDatabaseError, openPlatform, tokenAccessOf } from './platform.js';
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
import { AUDIT_STATE_FILE, AuditStateError, readAuditState, writeAuditState } from './services/audit-state.js';
import SQLite from 'better-sqlite3';
import { backupSqlite, describeCopy, verifySqliteCopy, type CopyContents } from './services/backup-database.js';
import { recordBackup } from './services/record-backup.js';
import { numbersResumeCommand, numbersStatusCommand } from './services/numbers-cli.js';
import { logResumeCommand, logRestoreLeavesCommand, logStatusCommand } from './services/log-cli.js';
import { logMonitorCommand } from './services/log-monitor.js';
import { witnessCommand, witnessKeyCommand } from './services/log-witness-cli.js';
import { readSecrets, SecretsError } from './signing/secrets.js';
import { restampCommand, signEarlierCommand } from './services/signed-pdf-cli.js';

const USAGE = `usage: npm run cli -- <command>
  migrate                      bring the database to the latest schema
  token:create --name <label>  create an issuer API token (printed once, last line)
  obligee-token:create --obligee <id> --name <label>
                               an obligee organisation's token for the watch API (/api/v1/watch; printed once,
                               last line; works at once — the portal's tokens wait for a second administrator)
  obligee-token:revoke --id <token id>
                               revoke an obligee token at once (audited)
  keys:rotate [--pkcs11-label <label>]
                               new active signing key; old keys stay published. With --pkcs11-label the key is the
                               PKCS#11 token's key of that label (ESURETY_PDF_SIGN_PKCS11_*), generated there when
                               the token has none; the secrets file then holds only its public key and label
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
  log:monitor --url <base> [--state <file>] [--key <verifier key>] [--token-file <file>]
                               follow the transparency log from the last checkpoint seen (state file): checks the
                               signature, consistency (no fork, no shrink), that the new entries hash to the
                               signed root and the checkpoints' RFC 3161 time-stamps; exit 1 with a plain report on
                               any violation. --key pins the log key (otherwise the one seen first is kept in the
                               state). Auditor mode: with a read-only issuer token (--token-file, or
                               ESURETY_AUDITOR_TOKEN / ESURETY_AUDITOR_TOKEN_FILE; never on the command line) each
                               new entry's version is fetched and re-verified (leaf hash, JWKS signature, history)
  log:witness-key --key-file <new file> --name <witness name>
                               create a witness's Ed25519 key (file mode 0600, never printed); prints its public
                               verifier key (what a platform lists in ESURETY_LOG_WITNESSES)
  log:witness --listen <port> [--host <addr>] --key-file <file> --state <file> --log <log verifier key> [--log …]
                               run a C2SP tlog-witness: POST /add-checkpoint cosigns checkpoints it verified as
                               consistent with the last one it cosigned (state file, replaced atomically)
  log:status                   the transparency log: size, latest checkpoint, on hold after a rollback or not
  log:resume                   after a rollback: lift the log's hold once its missing leaves are restored (audited);
                               refuses while the log is still shorter than a published checkpoint
  pdf:sign-earlier [--contract <no>] [--since <date>]
                               queue versions published before the e-seal was configured for signing (audited);
                               the running platform's signing worker then signs them as usual
  pdf:restamp [--before <date>] [--all]
                               PAdES B-LTA: append a document time-stamp (and the validation data before it) to
                               signed PDFs whose newest time-stamp certificate expires before <date> (default: in
                               13 months; run it yearly) or to all; each PDF atomically with its audit row
  log:restore-leaves --from <url|dir>
                               after a rollback: fetch the leaves missing below the last published checkpoint from a
                               mirror (another instance's base URL, /log/entries/<i>; or a directory of files named
                               by index holding the base64 entry), check they reproduce its signed root, insert them
                               as leaves whose version was lost (audited); all or nothing
  audit [--full] [--threads N] [--state <file>]
                               verify what was appended since the last passing audit (its log size and root, kept
                               in <ESURETY_NUMBERS_DIR>/audit-state.json or --state): the log's root recomputed from
                               every stored leaf, a consistency proof to the latest checkpoint, each new leaf's
                               version (signature, history rules, SHA-256 of the JWS = leaf) and the audit rows
                               since. --full (and the first run) re-verifies everything over N threads
                               (default: available parallelism). Exit 1 on any failure; the state moves on only
                               after an audit without findings
  verify <file.pdf|file.jws> [--jwks <file|https-url>] [--log-key <key|file>] [--offline] [--allow-http-loopback]
                               check a downloaded certificate or receipt step by step, then report integrity,
                               status (the public status list an as-issued PDF names; --offline: not checked) and
                               issuer identity (DNS TXT _esurety-key.<domain>; ESURETY_DNS_RESOLVER names the
                               server) as three results; exit 0 only when none failed. Keys: a saved jwks.json or
                               an https: URL (default: the configured ESURETY_PUBLIC_URL's /.well-known/jwks.json,
                               only when it is https:); http: (keys and status list) only for a loopback host with
                               --allow-http-loopback. The report names where the keys came from. Log inclusion: the
                               attached transparency-log.json proof against its checkpoint; with --log-key (GET
                               /log/key's text, or a file of it) the attached log key must equal it`;

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
      'log-key': { type: 'string' },
      offline: { type: 'boolean' },
      last: { type: 'string', multiple: true },
      url: { type: 'string' },
      state: { type: 'string' },
      key: { type: 'string' },
      contract: { type: 'string' },
      since: { type: 'string' },
      before: { type: 'string' },
      all: { type: 'boolean' },
      'pkcs11-label': { type: 'string' },
      listen: { type: 'string' },
      host: { type: 'string' },
      'key-file': { type: 'string' },
      log: { type: 'string', multiple: true },
      from: { type: 'string' },
      'token-file': { type: 'string' },
      full: { type: 'boolean' },
      threads: { type: 'string' },
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
      ...(values['log-key'] !== undefined ? { logKey: values['log-key'] } : {}),
      offline: values.offline === true,
    });
  }
  // An outsider's command: it reads the public log over HTTP, never a database.
  if (command === 'log:monitor') {
    return logMonitorCommand({
      url: values.url,
      stateFile: values.state,
      pinnedKey: values.key,
      tokenFile: values['token-file'],
    });
  }
  // A witness is an outsider too: its own key and state file, no database.
  if (command === 'log:witness-key') return witnessKeyCommand(values['key-file'], values.name);
  if (command === 'log:witness') {
    return witnessCommand({
      listen: values.listen,
      host: values.host,
      keyFile: values['key-file'],
      state: values.state,
      logs: values.log ?? [],
    });
  }
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
        const label = values['pkcs11-label'];
        if (label === '') throw new UsageError('keys:rotate --pkcs11-label needs the label of a key in the token');
        const { kid, pkcs11 } = await rotateSigningKey(ctx.db, config.secretsFile, cli, ctx.clock(), {
          ...(label === undefined ? {} : { pkcs11Label: label }),
          token: tokenAccessOf(config),
        });
        console.log(`new active signing key: ${kid}`);
        if (pkcs11) {
          console.error(
            `its private key is the PKCS#11 token's key "${pkcs11.label}" (${pkcs11.created ? 'generated in the token now' : 'already in the token'}); ` +
              'the secrets file holds only its public key and label',
          );
        }
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
      case 'pdf:sign-earlier':
        return await signEarlierCommand(ctx, cli, { contract: values.contract, since: values.since });
      case 'pdf:restamp':
        return await restampCommand(ctx, cli, { before: values.before, all: values.all });
      case 'log:restore-leaves':
        if (!values.from) throw new UsageError('log:restore-leaves needs --from <mirror base URL or directory>');
        return await logRestoreLeavesCommand(ctx, cli, values.from);
      case 'audit': {
        const secrets = trustedSecrets(config.secretsFile);
        const threads = values.threads === undefined ? os.availableParallelism() : Number(values.threads);
        if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
          throw new UsageError('--threads must be a whole number from 1 to 64');
        }
        const stateFile = path.resolve(values.state ?? path.join(config.numbersDir, AUDIT_STATE_FILE));
        const since = values.full ? null : readAuditState(stateFile);
        if (!values.full && !since) console.error(`audit: no audit state at ${stateFile} yet: a full audit first`);
        let lastProgress = performance.now();
        const report = await auditIntegrity(ctx.db, {
          trusted: await trustedKeysOf(secrets),
          since,
          threads,
          workers: { connection: platform.connection, secretsFile: config.secretsFile },
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
        if (report.state) {
          writeAuditState(stateFile, report.state);
          console.log(`audit: state recorded in ${stateFile} (log size ${report.state.size})`);
        } else if (report.problems > 0) {
          console.log(`audit: state not moved on (${stateFile} still holds the last passing audit)`);
        }
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
  const scope = r.mode === 'incremental' ? `since log size ${r.log.from}: ` : '';
  console.log(
    `${indent}audit: ${scope}${r.guarantees} guarantees, ${r.versions} versions (${r.visibleVersions} visible, ` +
      `${r.hiddenVersions} hidden): signature, kid, prev chain, seq, history rules, stored columns, text, auth keys` +
      (r.threads > 1 ? ` (${r.threads} threads: this one and worker threads)` : ''),
  );
  console.log(
    `${indent}audit: ${r.auditRows} audit rows: hash chain and one row per version; ${r.signingKeys} published keys` +
      (r.mode === 'full' ? `; ${r.idempotencyAnswers} idempotency answers` : ''),
  );
  console.log(
    `${indent}audit: log ${r.log.size} leaves recomputed into root ${r.log.root ?? '(none)'}` +
      (r.log.checkpoint === null ? ', no checkpoint yet' : `, latest checkpoint size ${r.log.checkpoint}`),
  );
  if (r.auditHead) console.log(`${indent}audit: chain head id ${r.auditHead.id} hash ${r.auditHead.hash}`);
  const lost = r.versionsLostInRestore;
  if (lost.length > 0) {
    const shown = lost.slice(0, 20).join(', ') + (lost.length > 20 ? ', …' : '');
    console.log(
      `${indent}audit: log: ${lost.length} leaves whose version was lost in restore (index ${shown}): restored ` +
        'from a mirror, their versions are not in this database; republish them from the issuer records',
    );
  }
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
      error instanceof AuditStateError ||
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
