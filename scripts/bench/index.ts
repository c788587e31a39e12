// Benchmark dispatcher: `npm run bench -- <name> [options]`. An unknown or missing name prints the list (exit 2).
import { UsageError } from './harness.js';

interface Bench {
  summary: string;
  run(argv: string[]): Promise<number>;
}

const benches: Record<string, Bench> = {
  verify: {
    summary:
      'POST /api/v1/verify on a 1M-version database vs a bare node:http and a Hono hello-world server ' +
      '[--versions N] [--contracts N] [--duration S] [--connections N] [--warmup S] [--fresh] [--cpu-prof]',
    run: async (argv) => (await import('./verify.js')).run(argv),
  },
  'verify-parts': {
    summary:
      'what one verification costs step by step (constant answer, HMAC, reads, service, whole app) on the verify ' +
      'data set [--versions N] [--duration S] [--connections N] [--steps a,b]',
    run: async (argv) => (await import('./verify-parts.js')).run(argv),
  },
  multi: {
    summary:
      'two server processes on one fresh PostgreSQL database: start-up race, numbers, idempotency, throttling, ' +
      'verification load, foreign secrets refused, audit [--publications N] [--keys N] [--rounds N] [--duration S] ' +
      '[--connections N] [--short]',
    run: async (argv) => (await import('./multi.js')).run(argv),
  },
  outage: {
    summary:
      'PostgreSQL stopped and started again under publish + verify load, on a throwaway cluster of its own: ' +
      'sent / acknowledged / lost / duplicated, answers during the outage, recovery [--outage S] [--before S] ' +
      '[--after S] [--publishers N] [--verifiers N]',
    run: async (argv) => (await import('./outage.js')).run(argv),
  },
  load: {
    summary:
      'fixed-rate mixed traffic (verifications, pages, wrong-key flood from other clients) with throughput, p50/p99, ' +
      'errors and RSS over time [--duration S] [--rate N] [--flood-rate N] [--versions N] [--postgres] [--short]',
    run: async (argv) => (await import('./load.js')).run(argv),
  },
  scale: {
    summary:
      'verification p50/p99 on a small and a large database and their ratio (target ≤ 1.2) [--small N] [--large N] ' +
      '[--duration S] [--connections N] [--rate N] [--fresh]',
    run: async (argv) => (await import('./scale.js')).run(argv),
  },
  startup: {
    summary:
      'server start-up from dist/ vs through tsx, alternating: time to /readyz, CPU, RSS and their ratios ' +
      '[--rounds N] [--baseline DIR [--baseline-node PATH]]',
    run: async (argv) => (await import('./startup.js')).run(argv),
  },
  'login-flood': {
    summary:
      'verification p50/p95/p99 alone and under a wrong-password staff log-in flood from ever-new client addresses ' +
      '(production Argon2 cost) [--rate N] [--flood-rate N] [--duration S]',
    run: async (argv) => (await import('./login-flood.js')).run(argv),
  },
  pdf: {
    summary:
      'documents: cold/warm render time and size per PDF type, and verify p50/p99 while PDFs are drawn (worker thread ' +
      'vs main thread) [--iterations N] [--rate N] [--duration S] [--pdf-rate N] [--skip-load]',
    run: async (argv) => (await import('./pdf.js')).run(argv),
  },
  import: {
    summary:
      'CSV import rows/s through the CLI import code (validation, publication, re-run) and a one-transaction-per-' +
      'guarantee baseline [--rows N] [--baseline-rows N] [--postgres] [--cpu-prof FILE]',
    run: async (argv) => (await import('./import.js')).run(argv),
  },
  'token-key': {
    summary:
      'the version-signing key in the secrets file vs in a SoftHSM token: signatures/s one at a time and at once, ' +
      'import rows/s, one-transaction-per-guarantee rows/s [--signs N] [--rows N] [--baseline-rows N]',
    run: async (argv) => (await import('./token-key.js')).run(argv),
  },
  log: {
    summary:
      'transparency log: append cost per publication, inclusion/consistency proofs at 2M leaves (--leaves 5000000), ' +
      'incremental audit of 1,000 new versions over them, full audit versions/s in 1 vs N worker threads [--leaves N] [--new N] ' +
      '[--audit-versions N] [--threads N] [--proofs N]',
    run: async (argv) => (await import('./log.js')).run(argv),
  },
};

function usage(): void {
  console.error('usage: npm run bench -- <name> [options]\n\nbenchmarks:');
  for (const [name, bench] of Object.entries(benches)) console.error(`  ${name.padEnd(10)} ${bench.summary}`);
}

const [name, ...rest] = process.argv.slice(2);
const bench = name !== undefined && Object.hasOwn(benches, name) ? benches[name] : undefined;
if (!bench) {
  if (name !== undefined) console.error(`unknown benchmark: ${name}\n`);
  usage();
  process.exit(2);
}
try {
  process.exitCode = await bench.run(rest);
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n`);
    usage();
    process.exitCode = 2;
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  }
}
// Child servers are stopped by now; leave no stray handles (autocannon keeps timers) keeping the process alive.
process.exit(process.exitCode);
