// Shared benchmark plumbing: free ports, server child processes, autocannon runs, RSS, table printing.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import autocannon, { type RequestSpec, type Result } from 'autocannon';

/** A bad command line: the dispatcher prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A `--name N` flag as a positive integer, or the fallback when absent. */
export function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer (got ${value})`);
  return n;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Child {
  name: string;
  process: ChildProcess;
  url: string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
}

const running = new Set<Child>();

/** Kills every child still running (on an error path or Ctrl-C), so no server outlives the benchmark. */
export function killAll(): void {
  for (const child of running) child.process.kill('SIGKILL');
  running.clear();
}
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

export interface StartOptions {
  name: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  port: number;
  /** Path answering 200 once the server is ready. */
  readyPath: string;
  timeoutMs?: number;
}

/**
 * Starts `node <args>` with stdout discarded (the server logs one line per request; reading it would make the pipe a
 * bottleneck of the harness) and stderr passed through, then polls readyPath until it answers 200.
 */
export async function startServer(options: StartOptions): Promise<Child> {
  const proc = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const child: Child = { name: options.name, process: proc, url: `http://127.0.0.1:${options.port}`, exited };
  running.add(child);
  void exited.then(() => running.delete(child));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let ended: number | string | undefined;
  void exited.then((code) => (ended = code));
  for (;;) {
    if (ended !== undefined) throw new Error(`${options.name} exited during start-up (${ended})`);
    try {
      const res = await fetch(child.url + options.readyPath, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${options.name} did not become ready within ${options.timeoutMs ?? 60_000} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM, then SIGKILL after the grace period; resolves with the exit code. */
export async function stopServer(child: Child, graceMs = 15_000): Promise<number | string> {
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  const code = await child.exited;
  clearTimeout(timer);
  return code;
}

/** Resident set size of a process in MiB (Linux /proc), or null where unavailable. */
export function rssMiB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null;
  }
}

/** CPU seconds (user, system) a process has used so far (Linux /proc), or null where unavailable. */
export function cpuSeconds(pid: number | undefined): { user: number; system: number } | null {
  if (pid === undefined) return null;
  try {
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / CLOCK_TICKS, system: Number(fields[12]) / CLOCK_TICKS };
  } catch {
    return null;
  }
}
// USER_HZ: 100 on every Linux architecture Node runs on.
const CLOCK_TICKS = 100;

export interface LoadOptions {
  url: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  requests: RequestSpec[];
  /** The server's pid, to measure the CPU time it spends during the measured run. */
  pid?: number | undefined;
  /** Called before the measured run starts (after warm-up), e.g. to reset counters. */
  beforeMeasure?: () => void;
}

export interface LoadFigures {
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
  total: number;
  /** Mean response size in bytes (headers included). */
  bytesPerResponse: number;
  /** Server CPU time during the measured run (null where /proc is unavailable). */
  cpu: { user: number; system: number; perRequestUs: number; utilisation: number } | null;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

/** A warm-up run whose figures are discarded, then the measured run. */
export async function measure(options: LoadOptions): Promise<LoadFigures> {
  const base = { url: options.url, connections: options.connections, requests: options.requests };
  if (options.warmupSeconds > 0) await autocannon({ ...base, duration: options.warmupSeconds });
  options.beforeMeasure?.();
  const cpuBefore = cpuSeconds(options.pid);
  const started = performance.now();
  const result: Result = await autocannon({ ...base, duration: options.durationSeconds });
  const elapsed = (performance.now() - started) / 1000;
  const cpuAfter = cpuSeconds(options.pid);
  const cpu =
    cpuBefore && cpuAfter
      ? {
          user: cpuAfter.user - cpuBefore.user,
          system: cpuAfter.system - cpuBefore.system,
          perRequestUs:
            (1e6 * (cpuAfter.user - cpuBefore.user + cpuAfter.system - cpuBefore.system)) /
            Math.max(1, result.latency.totalCount),
          utilisation: (cpuAfter.user - cpuBefore.user + cpuAfter.system - cpuBefore.system) / elapsed,
        }
      : null;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.mean,
    max: result.latency.max,
    total: result.latency.totalCount,
    cpu,
    bytesPerResponse: result.latency.totalCount > 0 ? result.throughput.total / result.latency.totalCount : 0,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
  };
}

/** Prints rows as an aligned text table (first row = header). */
export function printTable(rows: string[][]): void {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? '')))) ?? [];
  const line = (r: string[]) => r.map((cell, i) => pad(cell, widths[i] ?? 0, i > 0)).join('  ');
  console.log(line(rows[0] ?? []));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));
}

// East Asian wide characters take two columns in a terminal.
function width(s: string): number {
  let n = 0;
  for (const ch of s)
    n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60]/.test(ch) ? 2 : 1;
  return n;
}

function pad(s: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return right ? fill + s : s + fill;
}

export const fmt = {
  cpu: (f: LoadFigures) =>
    f.cpu === null
      ? 'n/a'
      : `${Math.round(f.cpu.perRequestUs)} µs (${Math.round(f.cpu.utilisation * 100)}% CPU, ` +
        `${Math.round((100 * f.cpu.system) / Math.max(1e-9, f.cpu.user + f.cpu.system))}% sys)`,
  int: (n: number) => Math.round(n).toLocaleString('en-US'),
  ms: (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`,
  mib: (n: number | null) => (n === null ? 'n/a' : `${n.toFixed(0)} MiB`),
  secs: (ms: number) => `${(ms / 1000).toFixed(1)} s`,
};
