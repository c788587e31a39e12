// The command line of DESIGN §6: results on stdout, diagnostics on stderr, non-zero exit on failure.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { DomainError } from './errors.js';
import { openPlatform } from './platform.js';
import { createApiToken } from './services/api-tokens.js';
import type { Actor } from './services/context.js';
import { rotateSigningKey } from './services/rotate-keys.js';
import { seedDemo } from './services/seed-demo.js';
import { SecretsError } from './signing/secrets.js';

const USAGE = `usage: npm run cli -- <command>
  migrate                      bring the database to the latest schema
  token:create --name <label>  create an issuer API token (printed once, last line)
  keys:rotate                  new active signing key; old keys stay published
  seed:demo                    the demo data set (三島市 and sample sureties)
  backup <path>                consistent online backup of the SQLite database`;

const cli: Actor = { type: 'cli', id: process.env.USER ?? 'cli' };

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { name: { type: 'string' } },
    allowPositionals: true,
  });
  if (!command || command === 'help' || command === '--help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  const platform = await openPlatform(config);
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
        console.error(`token ${id} created for "${values.name}"; it is shown once — store it now`);
        console.log(token);
        return 0;
      }
      case 'keys:rotate': {
        const { kid } = await rotateSigningKey(ctx.db, config.secretsFile, cli, ctx.clock());
        console.log(`new active signing key: ${kid}`);
        console.error('restart running instances so that they sign with the new key; old versions still verify');
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
        await platform.handle.sqlite.backup(file);
        fs.chmodSync(file, 0o600);
        const SQLite = (await import('better-sqlite3')).default;
        const copy = new SQLite(file, { readonly: true });
        const check = copy.pragma('integrity_check', { simple: true });
        const versions = (copy.prepare('select count(*) as n from versions').get() as { n: number }).n;
        copy.close();
        if (check !== 'ok') throw new Error(`integrity check of the backup failed: ${String(check)}`);
        console.log(`backup written to ${file}: integrity_check ok, ${versions} versions`);
        console.error(
          'keep the secrets file with it: the backup cannot be used without the secrets it was signed with',
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown command: ${command}\n${USAGE}`);
    }
  } finally {
    await platform.close();
  }
}

class UsageError extends Error {}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (
      error instanceof UsageError ||
      error instanceof ConfigError ||
      error instanceof SecretsError ||
      error instanceof DomainError
    ) {
      console.error(error.message);
    } else {
      console.error(error);
    }
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
