// Summarises a V8 .cpuprofile (node --cpu-prof): top functions by self time, and by inclusive time for the
// application's own files. Usable on its own: `node --import tsx scripts/bench/cpuprofile.ts <file> [top]`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  location: string;
  selfMs: number;
  selfPct: number;
  totalMs: number;
  totalPct: number;
}

function locationOf(url: string, line: number, root: string): string {
  if (!url) return '(native)';
  let file = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (file.startsWith(root)) file = path.relative(root, file);
  file = file.replace(/^.*node_modules\//, '~/');
  return `${file}:${line + 1}`;
}

/**
 * A time window in microseconds of CLOCK_MONOTONIC, the clock of V8's profile timestamps on Linux; in another
 * process, `process.hrtime.bigint() / 1000n` reads the same clock.
 */
export interface Window {
  fromUs: number;
  toUs: number;
}

export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Self and inclusive time per function (frames with the same name and location are merged). */
export function summariseProfile(
  file: string,
  root: string,
  window?: Window,
): { lines: ProfileLine[]; totalMs: number } {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Time per node from the sample deltas (each delta is the time until that sample).
  const nodeTime = new Map<number, number>();
  const from = Math.max(profile.startTime, window?.fromUs ?? -Infinity);
  const to = Math.min(profile.endTime, window?.toUs ?? Infinity);
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < from || at > to) continue;
    const id = profile.samples[i] as number;
    nodeTime.set(id, (nodeTime.get(id) ?? 0) + delta / 1000);
  }
  const totalMs = Math.max(0, to - from) / 1000;
  const keyOf = (n: ProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'}\u0000${locationOf(n.callFrame.url, n.callFrame.lineNumber, root)}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, ms] of nodeTime) {
    const node = byId.get(id);
    if (!node) continue;
    self.set(keyOf(node), (self.get(keyOf(node)) ?? 0) + ms);
    // Inclusive: every distinct function on the stack gets the sample once (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n) break;
      const key = keyOf(n);
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + ms);
    }
  }
  const lines = [...total.keys()].map((key) => {
    const [name = '', location = ''] = key.split('\u0000');
    const s = self.get(key) ?? 0;
    const t = total.get(key) ?? 0;
    return { name, location, selfMs: s, selfPct: (100 * s) / totalMs, totalMs: t, totalPct: (100 * t) / totalMs };
  });
  return { lines, totalMs };
}

export function printProfile(file: string, root: string, top = 25, window?: Window): void {
  const { lines, totalMs } = summariseProfile(file, root, window);
  const row = (l: ProfileLine) =>
    `${l.selfPct.toFixed(1).padStart(5)}%  ${l.totalPct.toFixed(1).padStart(5)}%  ${l.name} ${l.location}`;
  console.log(`CPU profile ${file} (${(totalMs / 1000).toFixed(1)} s${window ? ' of the measured run' : ''})`);
  console.log(`top ${top} by self time:  self   total  function`);
  for (const l of [...lines].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) console.log(row(l));
  console.log(`top ${top} application functions (src/, db/, views/) by inclusive time:  self   total  function`);
  for (const l of lines
    .filter((l) => /^(src|db|views)\//.test(l.location))
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, top))
    console.log(row(l));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node --import tsx scripts/bench/cpuprofile.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  printProfile(file, path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..'), Number(top ?? 25));
}
