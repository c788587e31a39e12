// Production build: bundles the server, the CLI and the two worker threads into dist/ with esbuild (npm packages
// stay external and are loaded from node_modules). Measured: ≈3 s, where a full `tsc` emit took ≈90 s.
// `node scripts/build.mjs --if-stale` rebuilds only when a source file is newer than the last build, so `npm start`
// and the CLI can call it on every run.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import '../bin/require-node.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.built');
const SOURCES = ['src', 'views', 'db', 'package.json', 'package-lock.json', 'scripts/build.mjs'];

function newestSource(entry) {
  const full = path.join(root, entry);
  if (!existsSync(full)) return 0;
  const info = statSync(full);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const name of readdirSync(full)) newest = Math.max(newest, newestSource(path.join(entry, name)));
  return newest;
}

/** True when dist/ holds a build at least as new as every source file. */
function isFresh() {
  if (!existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return SOURCES.every((entry) => newestSource(entry) <= built);
}

export async function build({ quiet = false } = {}) {
  const started = performance.now();
  // Imported here, not at the top: a production image has no esbuild (dev dependency) and never builds.
  const esbuild = await import('esbuild');
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  const common = {
    absWorkingDir: root,
    outdir: dist,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node24',
    sourcemap: 'linked',
    jsx: 'automatic',
    jsxImportSource: 'hono/jsx',
    logLevel: 'warning',
    legalComments: 'none',
  };
  await Promise.all([
    esbuild.build({ ...common, entryPoints: { server: 'src/server.ts', cli: 'src/cli.ts' } }),
    // Workers are started by file name next to the module that starts them (new URL('./x.mjs', import.meta.url)):
    // in src/ that name is a tsx shim, in dist/ the compiled worker.
    esbuild.build({
      ...common,
      entryPoints: { 'render-worker': 'src/pdf/render-worker.ts', 'audit-worker': 'src/services/audit-worker.ts' },
      outExtension: { '.js': '.mjs' },
    }),
  ]);
  copyFileSync(path.join(root, 'db/checkpoint-worker.mjs'), path.join(dist, 'checkpoint-worker.mjs'));
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  if (!quiet) console.error(`built dist/ in ${Math.round(performance.now() - started)} ms`);
}

/** Builds when dist/ is missing or older than the sources; a checkout without the build tools uses dist/ as it is. */
export async function ensureBuilt() {
  if (isFresh()) return;
  if (!existsSync(path.join(root, 'src'))) {
    if (existsSync(path.join(dist, 'server.js'))) return;
    throw new Error('dist/ is missing and there are no sources to build it from');
  }
  await build({ quiet: true });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--if-stale')) await ensureBuilt();
  else await build();
}
