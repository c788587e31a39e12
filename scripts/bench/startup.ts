// `npm run bench -- startup`: what the production build saves at start-up. Starts the server alternately from dist/
// (plain node, as `npm start` and the container run it) and through tsx (as production ran before), on copies of one
// migrated data dir, and prints per variant the median time to a ready /readyz, the CPU spent by then (all threads)
// and the resident memory two seconds later (the PDF worker's warm-up included), with the ratios dist/tsx.
// `--baseline DIR [--baseline-node PATH]` adds a third variant: another checkout started its own way (`src/server.ts`
// through tsx), e.g. the commit before the Node 24 move under the machine's Node 20.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU in clock ticks of 1/100 s on Linux

interface Variant {
  name: string;
  node: string;
  args: string[];
  cwd: string;
}

interface Sample {
  readyMs: number;
  cpuMs: number;
  rssMiB: number;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS; // utime + stime
}

function rssMiB(pid: number): number {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

async function startOnce(variant: Variant, template: string): Promise<Sample> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-startup-'));
  fs.cpSync(template, dataDir, { recursive: true });
  const port = await freePort();
  const started = performance.now();
  const child = spawn(variant.node, variant.args, {
    cwd: variant.cwd,
    env: { ...process.env, ESURETY_DATA_DIR: dataDir, PORT: String(port), ESURETY_DEMO: '0', NODE_ENV: 'development' },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      if (performance.now() - started > 60_000) throw new Error(`${variant.name} did not become ready in 60 s`);
      if (child.exitCode !== null) throw new Error(`${variant.name} exited during start-up (${child.exitCode})`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (res) => res.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const readyMs = performance.now() - started;
    const cpu = cpuMs(child.pid!);
    await new Promise((r) => setTimeout(r, 2000));
    return { readyMs, cpuMs: cpu, rssMiB: rssMiB(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '5' },
      baseline: { type: 'string' },
      'baseline-node': { type: 'string' },
    },
  });
  const rounds = Number(values.rounds);
  const built = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) return 1;
  const tsx = ['--import', 'tsx', 'src/server.ts'];
  const variants: Variant[] = [
    { name: 'dist', node: process.execPath, args: ['dist/server.js'], cwd: ROOT },
    { name: 'tsx', node: process.execPath, args: tsx, cwd: ROOT },
  ];
  if (values.baseline) {
    const node = values['baseline-node'] ?? process.execPath;
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    variants.push({ name: `baseline (${version})`, node, args: tsx, cwd: path.resolve(values.baseline) });
  }

  // One migrated data dir (secrets included), copied for every start: each start migrates nothing and seeds nothing.
  const template = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-startup-template-'));
  const migrate = spawnSync(process.execPath, ['dist/cli.js', 'migrate'], {
    cwd: ROOT,
    env: { ...process.env, ESURETY_DATA_DIR: template },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) {
    console.error(migrate.stderr);
    return 1;
  }
  const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
  try {
    for (let round = 1; round <= rounds; round++) {
      // Alternating, so a slow phase of a shared machine falls on every variant alike.
      for (const variant of round % 2 ? variants : [...variants].reverse()) {
        const template2 = variant.cwd === ROOT ? template : await baselineTemplate(variant);
        const sample = await startOnce(variant, template2);
        samples.get(variant.name)!.push(sample);
        console.error(
          `round ${round} ${variant.name}: ready ${sample.readyMs.toFixed(0)} ms, CPU ${sample.cpuMs.toFixed(0)} ms, ` +
            `RSS ${sample.rssMiB.toFixed(1)} MiB`,
        );
      }
    }
  } finally {
    fs.rmSync(template, { recursive: true, force: true });
    for (const dir of baselineTemplates.values()) fs.rmSync(dir, { recursive: true, force: true });
  }
  const summary = variants.map((v) => {
    const s = samples.get(v.name)!;
    return {
      name: v.name,
      readyMs: median(s.map((x) => x.readyMs)),
      cpuMs: median(s.map((x) => x.cpuMs)),
      rssMiB: median(s.map((x) => x.rssMiB)),
    };
  });
  console.log(`server start-up, median of ${rounds} alternating starts (CPU of all threads until /readyz answered)`);
  console.log('variant'.padEnd(28) + 'ready ms'.padStart(10) + 'CPU ms'.padStart(10) + 'RSS MiB'.padStart(10));
  for (const s of summary) {
    console.log(
      s.name.padEnd(28) +
        s.readyMs.toFixed(0).padStart(10) +
        s.cpuMs.toFixed(0).padStart(10) +
        s.rssMiB.toFixed(1).padStart(10),
    );
  }
  const [dist, ...others] = summary;
  for (const other of others) {
    console.log(
      `dist / ${other.name}: ready ${(dist!.readyMs / other.readyMs).toFixed(2)}, CPU ${(dist!.cpuMs / other.cpuMs).toFixed(2)}, ` +
        `RSS ${(dist!.rssMiB / other.rssMiB).toFixed(2)} (${(dist!.rssMiB - other.rssMiB).toFixed(1)} MiB)`,
    );
  }
  return 0;
}

const baselineTemplates = new Map<string, string>();

/** A migrated data dir for another checkout (its own schema and secrets format), made once. */
async function baselineTemplate(variant: Variant): Promise<string> {
  let dir = baselineTemplates.get(variant.cwd);
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-startup-baseline-'));
    const res = spawnSync(variant.node, ['--import', 'tsx', 'src/cli.ts', 'migrate'], {
      cwd: variant.cwd,
      env: { ...process.env, ESURETY_DATA_DIR: dir },
      encoding: 'utf8',
    });
    if (res.status !== 0) throw new Error(`baseline migrate failed: ${res.stderr}`);
    baselineTemplates.set(variant.cwd, dir);
  }
  return dir;
}
