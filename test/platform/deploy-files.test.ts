// The deployment files as an operator relies on them: the Dockerfile (every COPY source exists and is not ignored,
// Node 24 slim stages, non-root user, /data volume, health check, dev dependencies pruned) — and the image assembled
// from its COPY lines really runs — and the systemd units (known sections and keys, sandbox, writable data dir).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  all,
  copiesOf,
  destinationOf,
  dockerignore,
  envOf,
  last,
  one,
  parseDockerfile,
  parseUnit,
  words,
  workdirOf,
  type Copy,
  type Stage,
  type Unit,
} from '../support/deploy-files.js';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const BASE_IMAGE = /^node:24-bookworm-slim(@sha256:[0-9a-f]{64})?$/;

interface Pkg {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** What `RUN` lines of the build stage produce (the rest of a stage's files come from COPY). */
const PRODUCED_BY: Record<string, RegExp> = { node_modules: /\bnpm ci\b/, dist: /\bnpm run build\b/ };

/** Everything a COPY names that is not there: missing or ignored context paths, stage paths never copied or built. */
function copyProblems(dockerfile: string, ignoreFile: string, context: string): string[] {
  const stages = parseDockerfile(dockerfile);
  const ignored = dockerignore(ignoreFile);
  const problems: string[] = [];
  for (const copy of copiesOf(stages)) {
    for (const source of copy.sources) {
      const where = `line ${copy.line}: COPY ${source}`;
      if (copy.from === undefined) {
        const rel = path.posix.normalize(source).replace(/\/$/, '');
        const matches = /[*?[]/.test(rel) ? fs.globSync(rel, { cwd: context }) : [rel];
        if (matches.length === 0 || !matches.every((m) => fs.existsSync(path.join(context, m)))) {
          problems.push(`${where}: not in the repository`);
        } else if (matches.some((m) => ignored(m))) {
          problems.push(`${where}: excluded by .dockerignore, so not in the build context`);
        }
        continue;
      }
      const origin = stages.find((s) => s.name === copy.from) ?? stages[Number(copy.from)];
      if (!origin) {
        problems.push(`${where}: no stage named ${copy.from}`);
        continue;
      }
      const wanted = path.posix.resolve('/', source);
      const inside = (dir: string) => wanted === dir || wanted.startsWith(`${dir}/`) || dir.startsWith(`${wanted}/`);
      const isDirectory = (c: Copy, s: string) =>
        c.from === undefined && fs.existsSync(path.join(context, s))
          ? fs.statSync(path.join(context, s)).isDirectory()
          : s.endsWith('/');
      const copiedIn = copiesOf([origin]).some((c) =>
        c.sources.some((s) => inside(destinationOf(c, s, isDirectory(c, s)))),
      );
      const runs = origin.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
      const built = Object.entries(PRODUCED_BY).some(
        ([dir, command]) => inside(path.posix.join(workdirOf(origin), dir)) && runs.some((r) => command.test(r)),
      );
      if (!copiedIn && !built) problems.push(`${where} --from=${copy.from}: that stage neither copies nor builds it`);
    }
  }
  return problems;
}

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const ignoreFile = read('.dockerignore');
  const stages = parseDockerfile(dockerfile);
  const [build, runtime] = stages;
  const runtimeRuns = () => runtime!.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

  it('builds in two stages, both on node:24-bookworm-slim', () => {
    expect(stages).toHaveLength(2);
    for (const stage of stages) expect(stage.image).toMatch(BASE_IMAGE);
  });

  it('copies only paths that exist: in the repository and its build context, or copied or built in the build stage', () => {
    expect(copyProblems(dockerfile, ignoreFile, root)).toEqual([]);
  });

  it('notices a COPY of a missing path, of an ignored path and of a path the build stage never made', () => {
    const tampered = dockerfile
      .replace(
        'COPY views/ ./views/',
        'COPY views/ ./views/\nCOPY locales/ ./locales/\nCOPY node_modules/ ./node_modules/',
      )
      .replace(
        'COPY --from=build /app/bin/ ./bin/',
        'COPY --from=build /app/bin/ ./bin/\nCOPY --from=build /app/docs ./docs',
      );
    expect(copyProblems(tampered, ignoreFile, root)).toEqual([
      expect.stringMatching(/COPY locales\/: not in the repository/),
      expect.stringMatching(/COPY node_modules\/: excluded by \.dockerignore/),
      expect.stringMatching(/COPY \/app\/docs --from=build: that stage neither copies nor builds it/),
    ]);
  });

  it('installs with the lockfile and .npmrc, builds, then prunes dev dependencies — in that order', () => {
    const copied = copiesOf([build!]).flatMap((c) => c.sources);
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', '.npmrc']));
    const commands = build!.instructions
      .filter((i) => i.keyword === 'RUN')
      .flatMap((i) => i.args.split(/&&|;/).map((c) => c.trim()));
    const at = (re: RegExp) => commands.findIndex((c) => re.test(c));
    expect(at(/^npm ci\b/)).toBeGreaterThanOrEqual(0);
    expect(at(/^npm run build\b/)).toBeGreaterThan(at(/^npm ci\b/));
    expect(at(/^npm prune\b.*--omit=dev\b/)).toBeGreaterThan(at(/^npm run build\b/));
  });

  it('never installs packages in the runtime stage: node_modules comes pruned from the build stage', () => {
    for (const run of runtimeRuns()) expect(run).not.toMatch(/\b(npm|pnpm|yarn)\s+(ci|i|install|add)\b/);
    const modules = copiesOf([runtime!]).filter((c) => c.sources.some((s) => /node_modules/.test(s)));
    expect(modules.length).toBeGreaterThan(0);
    for (const c of modules) expect(c.from).toBe(build!.name);
  });

  it('runs as a non-root user that owns the /data volume', () => {
    const user = last(runtime!, 'USER')?.args.trim() ?? 'root';
    const uid = user.split(':')[0]!;
    expect(['root', '0', '']).not.toContain(uid);
    // The user's names: the UID itself and the name useradd gave it.
    const names = [uid];
    for (const run of runtimeRuns()) {
      for (const m of run.matchAll(/useradd\b([^&;]*)/g)) {
        const args = m[1]!.trim().split(/\s+/);
        if (args.includes(uid) || args.includes(`--uid=${uid}`) || args.at(-1) === uid) names.push(args.at(-1)!);
      }
    }
    const volume = runtime!.instructions.findIndex((i) => i.keyword === 'VOLUME');
    expect(volume).toBeGreaterThanOrEqual(0);
    expect(words(runtime!.instructions[volume]!.args)).toContain('/data');
    expect(envOf(runtime!).ESURETY_DATA_DIR).toBe('/data');
    // Changes to a volume's path after VOLUME are discarded: the owner must be set before it.
    const owner = new RegExp(`(chown\\s+(-R\\s+)?|install\\s[^&;]*-o\\s+)(${names.join('|')})\\b[^&;]*\\s/data\\b`);
    const before = runtime!.instructions.slice(0, volume).filter((i) => i.keyword === 'RUN');
    expect(before.some((i) => owner.test(i.args))).toBe(true);
  });

  it('listens on all interfaces on port 3000 in production mode', () => {
    expect(envOf(runtime!)).toMatchObject({ HOST: '0.0.0.0', NODE_ENV: 'production' });
    expect(envOf(runtime!).PORT ?? '3000').toBe('3000');
    expect(runtime!.instructions.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => words(i.args))).toContain('3000');
  });

  it('checks /healthz with node (no curl in the slim image), stops on SIGTERM and starts dist/server.js', () => {
    const health = runtime!.instructions.find((i) => i.keyword === 'HEALTHCHECK');
    expect(health?.args).toMatch(/^CMD \[/);
    const command = JSON.parse(health!.args.slice(4)) as string[];
    expect(command[0]).toBe('node');
    expect(command.join(' ')).toContain('/healthz');
    expect(runtime!.instructions.find((i) => i.keyword === 'STOPSIGNAL')?.args.trim()).toBe('SIGTERM');
    expect(words(last(runtime!, 'CMD')!.args)).toEqual(['node', 'dist/server.js']);
  });

  it('.dockerignore keeps dependencies, builds, local data and test artefacts out of the build context', () => {
    const ignored = dockerignore(ignoreFile);
    for (const file of [
      'node_modules/hono/package.json',
      'dist/server.js',
      'data/secrets.json',
      'data/esurety.sqlite',
      'data/restore-notes.txt',
      'bench.sqlite-wal',
      '.git/HEAD',
      'coverage/index.html',
      'test-results/trace.zip',
      '.env',
    ]) {
      expect(ignored(file), file).toBe(true);
    }
    for (const file of ['src/server.ts', 'package-lock.json', '.npmrc', 'bin/require-node.js']) {
      expect(ignored(file), file).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The image assembled from the Dockerfile's own COPY and RUN lines, without a container engine: the build stage in one
// folder (npm ci stands for the repository's node_modules, pruning is not repeated here), the runtime stage in another
// with only what its COPY lines take.

describe('the image, assembled from the Dockerfile', () => {
  const stages = parseDockerfile(read('Dockerfile'));
  const ignored = dockerignore(read('.dockerignore'));
  const [build, runtime] = stages as [Stage, Stage];
  let tmp: string;
  // No trailing slash: a symlinked node_modules/ is copied as the link, not followed.
  const fsPath = (stageRoot: string, imagePath: string) => path.join(stageRoot, imagePath).replace(/\/+$/, '');

  function assemble(stage: Stage, stageRoot: string, fromRoots: Record<string, string>) {
    for (const copy of copiesOf([stage])) {
      for (const source of copy.sources) {
        const origin = copy.from === undefined ? root : fromRoots[copy.from];
        if (!origin) throw new Error(`line ${copy.line}: stage ${copy.from} was not assembled`);
        const from = fsPath(origin, source);
        const isDirectory = fs.statSync(from).isDirectory();
        const to = fsPath(stageRoot, destinationOf(copy, source, isDirectory));
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.cpSync(from, to, {
          recursive: true,
          verbatimSymlinks: true,
          filter: (file) => copy.from !== undefined || !ignored(path.relative(root, file)),
        });
      }
    }
  }

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-image-'));
    const buildRoot = path.join(tmp, 'build');
    assemble(build, buildRoot, {});
    const app = fsPath(buildRoot, workdirOf(build));
    for (const run of build.instructions.filter((i) => i.keyword === 'RUN')) {
      for (const command of run.args.split('&&').map((c) => c.trim())) {
        if (/^npm ci\b/.test(command)) fs.symlinkSync(path.join(root, 'node_modules'), path.join(app, 'node_modules'));
        else if (/^npm run build\b/.test(command)) {
          const script = (JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8')) as Pkg).scripts.build;
          const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}` };
          const res = spawnSync(script ?? 'false', { cwd: app, env, shell: true, encoding: 'utf8' });
          if (res.status !== 0) throw new Error(`npm run build failed in the assembled build stage:\n${res.stderr}`);
        } else if (!/^npm prune --omit=dev\b/.test(command)) {
          throw new Error(`line ${run.line}: this test does not know how to run "${command}"; teach it`);
        }
      }
    }
    assemble(runtime, path.join(tmp, 'runtime'), { [build.name!]: buildRoot });
  }, 60_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('bundles only production dependencies into dist/ (dev dependencies are pruned from the image)', () => {
    const pkg = JSON.parse(read('package.json')) as Pkg;
    const dist = path.join(tmp, 'runtime', workdirOf(runtime), 'dist');
    const imported = new Set<string>();
    for (const file of fs.readdirSync(dist).filter((f) => /\.m?js$/.test(f))) {
      const code = fs.readFileSync(path.join(dist, file), 'utf8');
      // esbuild's output: static imports at the start of a line, dynamic ones as import("x").
      for (const m of code.matchAll(
        /^import\s[^;]*?from\s*"([^"]+)";|^import\s*"([^"]+)";|\bimport\(\s*"([^"]+)"\s*\)/gm,
      )) {
        const spec = m[1] ?? m[2] ?? m[3]!;
        if (spec.startsWith('.')) continue;
        if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!)) continue;
        imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    expect([...imported]).toEqual(expect.arrayContaining(['hono', 'kysely', 'better-sqlite3', 'pdf-lib']));
    // An optional dependency (the PKCS#11 binding) is imported only where configured, and only if it installed.
    const installed = { ...pkg.dependencies, ...pkg.optionalDependencies };
    expect([...imported].filter((name) => !(name in installed))).toEqual([]);
  });

  it('starts from the runtime stage alone (no sources) and passes its own HEALTHCHECK, then stops on SIGTERM', async () => {
    const app = path.join(tmp, 'runtime', workdirOf(runtime));
    for (const source of ['src', 'views', 'db', 'scripts']) expect(fs.existsSync(path.join(app, source))).toBe(false);
    // Node 24 would even guess dist/'s module type without it, but `npm start` and `npm run cli` need package.json.
    expect((JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8')) as { type: string }).type).toBe(
      'module',
    );
    const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
    const imageEnv = { PATH: process.env.PATH ?? '', ...envOf(runtime) };
    const [program, ...args] = words(last(runtime, 'CMD')!.args);
    expect(program).toBe('node');
    const child = spawn(process.execPath, args, {
      cwd: app,
      // What an operator adds: a real issuer name; here also a loopback address, a free port and a scratch volume.
      env: { ...imageEnv, ESURETY_ISSUER_NAME: 'テスト保証', HOST: '127.0.0.1', PORT: '0', ESURETY_DATA_DIR: dataDir },
    });
    // The log (JSON lines) is on stdout; stderr would hold only a crash.
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const health = runtime.instructions.find((i) => i.keyword === 'HEALTHCHECK')!;
    const [, ...check] = JSON.parse(health.args.slice(4)) as string[];
    const healthcheck = (port: string) =>
      spawnSync(process.execPath, check, { env: { ...imageEnv, PORT: port }, encoding: 'utf8', timeout: 10_000 });
    try {
      const deadline = Date.now() + 30_000;
      let port: string | undefined;
      while (!(port = /listening on .* \(.*:(\d+)\)/.exec(output)?.[1]) && child.exitCode === null) {
        if (Date.now() > deadline) throw new Error(`the server did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(port, output).toBeDefined();
      expect(healthcheck(port!).status).toBe(0);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(healthcheck(port!).status).not.toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});

// systemd units

const unitDir = path.join(root, 'docs/deploy');
const unitFiles = fs.readdirSync(unitDir).filter((f) => /\.(service|timer)$/.test(f));
const parsed = new Map<string, Unit>();
/** Parsed on use: a bad line fails the tests that read that unit, naming the line, instead of the whole file. */
const unitOf = (file: string): Unit => {
  if (!parsed.has(file)) parsed.set(file, parseUnit(fs.readFileSync(path.join(unitDir, file), 'utf8'), file));
  return parsed.get(file)!;
};
const services = unitFiles.filter((f) => f.endsWith('.service'));

/** `Environment=A=1 B=2` lines of a service, merged. */
const environmentOf = (unit: Unit) =>
  Object.fromEntries(
    all(unit, 'Service', 'Environment')
      .flatMap((v) => v.split(/\s+/))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );

/** Folders a service may write under ProtectSystem=strict. */
const writable = (unit: Unit) => [
  ...all(unit, 'Service', 'StateDirectory').flatMap((v) => v.split(/\s+/).map((d) => `/var/lib/${d}`)),
  ...all(unit, 'Service', 'ReadWritePaths').flatMap((v) => v.split(/\s+/).map((d) => d.replace(/^-/, ''))),
];
const isUnder = (file: string, dirs: string[]) => dirs.some((d) => file === d || file.startsWith(`${d}/`));

const seconds = (value: string | undefined) => {
  const m = /^(\d+)\s*(s|sec|m|min)?$/.exec(value ?? '');
  return m ? Number(m[1]) * (m[2]?.startsWith('m') ? 60 : 1) : NaN;
};

describe('systemd units (docs/deploy)', () => {
  it('exist: the server, the backup service and its timer', () => {
    expect(unitFiles.sort()).toEqual(['esurety-backup.service', 'esurety-backup.timer', 'esurety.service']);
  });

  it.each(unitFiles)('%s has only key=value lines, in sections and with keys systemd knows', (file) => {
    expect(() => unitOf(file)).not.toThrow();
  });

  it('refuses a misspelt key or a line outside a section', () => {
    expect(() => parseUnit('[Service]\nProtectSytem=strict\n', 'x.service')).toThrow(/x.service:2: unknown key/);
    expect(() => parseUnit('NoNewPrivileges=yes\n', 'x.service')).toThrow(/outside a section/);
    expect(() => parseUnit('[Service]\nNoNewPrivileges\n', 'x.service')).toThrow(/not a key=value/);
  });

  it('run the compiled server as a dedicated user, migrate first and restart on failure', () => {
    const unit = unitOf('esurety.service');
    expect(one(unit, 'Service', 'User')).toMatch(/^(?!root$)\w+/);
    expect(one(unit, 'Service', 'WorkingDirectory')).toMatch(/^\//);
    expect(all(unit, 'Service', 'EnvironmentFile')).not.toHaveLength(0);
    expect(all(unit, 'Service', 'ExecStartPre')).toEqual([expect.stringMatching(/^\/\S*node dist\/cli\.js migrate$/)]);
    expect(one(unit, 'Service', 'ExecStart')).toMatch(/^\/\S*node dist\/server\.js$/);
    expect(one(unit, 'Service', 'Restart')).toBe('on-failure');
    expect(one(unit, 'Service', 'KillSignal')).toBe('SIGTERM');
    // The server forces its own exit 10 s after SIGTERM; systemd must not SIGKILL it before.
    expect(seconds(one(unit, 'Service', 'TimeoutStopSec'))).toBeGreaterThan(10);
    expect(environmentOf(unit)).toMatchObject({ NODE_ENV: 'production' });
    expect(one(unit, 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  it.each(services)('%s is sandboxed, without MemoryDenyWriteExecute (V8 JIT)', (file) => {
    const unit = unitOf(file);
    expect(one(unit, 'Service', 'User') ?? one(unit, 'Service', 'DynamicUser')).toBeTruthy();
    expect(one(unit, 'Service', 'User')).not.toBe('root');
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      CapabilityBoundingSet: '',
    })) {
      expect(one(unit, 'Service', key), key).toBe(value);
    }
    expect(one(unit, 'Service', 'RestrictAddressFamilies')).toMatch(/^AF_/);
    expect(all(unit, 'Service', 'SystemCallFilter')).toContain('@system-service');
    expect(one(unit, 'Service', 'MemoryDenyWriteExecute') ?? 'no').toBe('no');
  });

  it.each(services)('%s can write its data dir (and backup folder) under ProtectSystem=strict', (file) => {
    const unit = unitOf(file);
    const dataDir = environmentOf(unit).ESURETY_DATA_DIR;
    expect(dataDir).toMatch(/^\//);
    expect(isUnder(dataDir!, writable(unit)), `${dataDir} in ${writable(unit).join(' ')}`).toBe(true);
    const target = /\bdist\/cli\.js backup\s+"?([^"\s]+)/.exec(all(unit, 'Service', 'ExecStart').join('\n'))?.[1];
    if (target) expect(isUnder(path.posix.dirname(target), writable(unit)), target).toBe(true);
  });

  it('back up daily through the timer, catching up a run missed while the machine was off', () => {
    const timer = unitOf('esurety-backup.timer');
    expect(one(timer, 'Timer', 'OnCalendar')).toMatch(/^(daily|\*-\*-\* \d\d:\d\d(:\d\d)?)$/);
    expect(one(timer, 'Timer', 'Persistent')).toBe('true');
    const service = unitOf(one(timer, 'Timer', 'Unit') ?? 'esurety-backup.service');
    expect(one(service, 'Service', 'Type')).toBe('oneshot');
    expect(one(service, 'Service', 'ExecStart')).toMatch(/\bnode dist\/cli\.js backup\b/);
    expect(one(timer, 'Install', 'WantedBy')).toBe('timers.target');
  });

  const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  it.skipIf(analyze.status !== 0)('pass systemd-analyze verify (skipped where systemd-analyze is missing)', () => {
    const res = spawnSync('systemd-analyze', ['verify', ...unitFiles.map((f) => path.join(unitDir, f))], {
      encoding: 'utf8',
    });
    // Where Node.js lives differs between machines (the units say so); everything else must be clean.
    const findings = `${res.stdout}\n${res.stderr}`
      .split('\n')
      .filter((l) => l.trim() !== '' && !/Command \/\S*\/node is not executable/.test(l));
    expect(findings).toEqual([]);
  });

  it('come with an example environment file that is valid production configuration of documented variables', () => {
    const lines = fs
      .readFileSync(path.join(unitDir, 'esurety.env.example'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    const env = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const readme = read('README.md');
    for (const name of Object.keys(env)) expect(readme, name).toContain(`| \`${name}\``);
    expect(() => loadConfig({ ...environmentOf(unitOf('esurety.service')), ...env })).not.toThrow();
    expect(loadConfig({ ...environmentOf(unitOf('esurety.service')), ...env }).publicUrl).toMatch(/^https:\/\//);
  });
});
