// The runtime: Node 24 LTS. An older Node is refused by the launchers with a plain message (better-sqlite3 13 crashes
// Node 20 when a database opens), and the wareki/yen formatting certificates show is the same on both runtimes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** The machine's Debian Node (20 on these machines), when there is one older than 24. */
const OLD_NODE = ['/usr/bin/node', '/usr/local/bin/node'].find((file) => {
  if (!fs.existsSync(file) || fs.realpathSync(file) === fs.realpathSync(process.execPath)) return false;
  const major = Number(spawnSync(file, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout);
  return major > 0 && major < 24;
});

// What the certificate pages, PDFs and mail print (src/domain/format.ts), run through each runtime as plain JS.
const SAMPLES = `
import { formatDate, formatInstant, formatYen } from ${JSON.stringify(path.join(ROOT, 'src/domain/format.ts'))};
const dates = ['2026-01-05', '2019-05-01', '2019-04-30', '1989-01-08', '1989-01-07', '2026-12-31', '2099-02-28'];
const instants = ['2026-01-05T00:30:00.000Z', '2025-12-31T15:00:00.000Z', '2026-04-01T14:59:59.999Z'];
console.log(JSON.stringify({
  ja: dates.map((d) => formatDate(d)),
  en: dates.map((d) => formatDate(d, 'en')),
  instants: instants.flatMap((i) => [formatInstant(i), formatInstant(i, 'en')]),
  yen: [1, 999, 1000, 50_000_000, 360_000_000, 9_007_199_254_740_991].map(formatYen),
}));
`;

function formatWith(node: string): Record<string, string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esurety-runtime-'));
  try {
    const file = path.join(dir, 'samples.mjs');
    buildSync({
      stdin: { contents: SAMPLES, loader: 'ts', resolveDir: ROOT },
      bundle: true,
      format: 'esm',
      outfile: file,
    });
    const run = spawnSync(node, [file], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as Record<string, string[]>;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('runtime', () => {
  it('runs on Node 24 or newer', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  });

  it('formats wareki dates, JST instants and yen as certificates show them', () => {
    const out = formatWith(process.execPath);
    expect(out.ja).toEqual([
      '令和8年1月5日',
      '令和元年5月1日',
      '平成31年4月30日',
      '平成元年1月8日',
      '昭和64年1月7日',
      '令和8年12月31日',
      '令和81年2月28日',
    ]);
    expect(out.instants!.slice(0, 2)).toEqual(['令和8年1月5日 9:30:00', '5 January 2026 at 09:30:00 JST']);
    expect(out.yen).toEqual(['1円', '999円', '1,000円', '50,000,000円', '360,000,000円', '9,007,199,254,740,991円']);
  });

  it.runIf(OLD_NODE)('formats exactly the same on the older Node of this machine', () => {
    expect(formatWith(OLD_NODE!)).toEqual(formatWith(process.execPath));
  });

  it.runIf(OLD_NODE)('refuses to start the server or the CLI on an older Node, saying which version is needed', () => {
    for (const launcher of ['bin/start.js', 'bin/esurety.js']) {
      const run = spawnSync(OLD_NODE!, [launcher, 'migrate'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, ESURETY_DATA_DIR: path.join(os.tmpdir(), 'esurety-never-created') },
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^e-Surety Platform needs Node\.js 24 LTS or newer; this is Node\.js v\d+/);
      expect(run.stderr).not.toMatch(/Segmentation|SIGSEGV|at .*\.js:\d+/);
    }
    expect(fs.existsSync(path.join(os.tmpdir(), 'esurety-never-created'))).toBe(false);
  });
});
